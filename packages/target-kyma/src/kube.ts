import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from "@kubernetes/client-node";
import { MlshipError } from "@mlship/core";
import { type PodLogLine, type PodLogStreamOptions, podLogLines } from "./pod-log-stream.js";

/** The field manager every mlship write uses (server-side apply). */
export const FIELD_MANAGER = "mlship";

/** A Kubernetes object as JSON: plain keys, timestamps as strings. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface KubeType {
  apiVersion: string;
  kind: string;
}

/** The Kubernetes calls this target makes, and nothing else. */
export interface KubeApi {
  /** Namespace of the kubeconfig's current context, else `default`. */
  readonly defaultNamespace: string;
  /**
   * Server-side apply (field manager `mlship`, force): creates or updates in place. With `dryRun` the
   * server answers what it would store, and stores nothing (an unchanged resourceVersion: nothing to do).
   */
  apply(object: KubeObject, options?: { dryRun?: boolean }): Promise<KubeObject>;
  /** undefined when the object does not exist. */
  read(type: KubeType, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  list(type: KubeType, namespace: string | undefined, labelSelector?: string): Promise<KubeObject[]>;
  /** false when the object was already gone. */
  remove(type: KubeType, namespace: string | undefined, name: string): Promise<boolean>;
  /** The last lines a container logged; undefined when there are none to read. */
  podLog(
    namespace: string,
    pod: string,
    container: string,
    options: { tailLines: number; previous?: boolean },
  ): Promise<string | undefined>;
  /** A container's log line by line, each with its time; with `follow`, until the signal aborts or the pod goes. */
  podLogLines(
    namespace: string,
    pod: string,
    container: string,
    options: PodLogStreamOptions,
  ): AsyncIterable<PodLogLine>;
}

export interface KubeConfigOptions {
  /** A ready KubeConfig (programmatic use). */
  kubeConfig?: KubeConfig;
  /** Path to a kubeconfig file, e.g. the `kubeconfig.yml` downloaded from the Kyma dashboard. */
  kubeconfig?: string;
  /** Context to use instead of the file's current context. */
  context?: string;
}

/** Loads a kubeconfig: the given one, a path, or the default chain (`KUBECONFIG`, `~/.kube/config`, in-cluster). */
export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = options.kubeConfig ?? new KubeConfig();
  if (!options.kubeConfig) {
    if (!options.kubeconfig) assertSomeKubeconfig();
    try {
      if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
      else kc.loadFromDefault();
    } catch (error) {
      // A YAML error quotes the lines around the problem, which may hold the user's token: keep its first line only.
      const [reason, ...snippet] = String((error as Error)?.message ?? error).split("\n");
      throw new MlshipError(
        "E_CONFIG",
        `Cannot read the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ""}: ${reason}`,
        {
          ...(snippet.length === 0 ? { cause: error } : {}),
          where: options.kubeconfig ?? "KUBECONFIG",
          hint: "Download the kubeconfig from the Kyma dashboard (top right, 'Download Kubeconfig') and pass its path.",
        },
      );
    }
  }
  if (options.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new MlshipError("E_CONFIG", `The kubeconfig has no context "${options.context}"`, {
        where: "context",
        hint:
          names.length > 0
            ? `Contexts in it: ${names.join(", ")}.`
            : "The kubeconfig has no contexts at all.",
        details: { contexts: names },
      });
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new MlshipError("E_CONFIG", "The kubeconfig has no current cluster", {
      where: options.kubeconfig ?? "KUBECONFIG",
      hint: "Set KUBECONFIG or pass the kubeconfig path (and context) of your Kyma cluster.",
    });
  }
  return kc;
}

/**
 * client-node's default chain ends in a made-up cluster at http://localhost:8080 when it finds nothing, so every
 * later call would fail as a network error far from its cause: say up front where we looked.
 */
function assertSomeKubeconfig(): void {
  const fromEnv = (process.env.KUBECONFIG ?? "").split(":").filter((p) => p !== "");
  const home = join(homedir(), ".kube", "config");
  const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
  if (fromEnv.some((p) => existsSync(p)) || existsSync(home) || inCluster) return;
  const looked = [
    fromEnv.length ? `KUBECONFIG (${fromEnv.join(", ")}: not found)` : "KUBECONFIG (not set)",
    `${home} (not found)`,
    "the in-cluster service account (not running in a pod)",
  ];
  throw new MlshipError("E_CONFIG", "No kubeconfig found", {
    where: "kubeconfig",
    details: { looked },
    hint: `Looked in: ${looked.join("; ")}. Download the kubeconfig from the Kyma dashboard and pass its path (--kubeconfig in the CLI, the kubeconfig option in code) or set KUBECONFIG.`,
  });
}

/** The namespace of the current context, if it sets one. */
export function contextNamespace(kc: KubeConfig): string | undefined {
  const current = kc.getContextObject(kc.getCurrentContext());
  return current?.namespace || undefined;
}

/** JSON view of what client-node returns (typed models carry Date objects). */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ field?: string; message?: string }> };
}

function statusOf(error: ApiException<unknown>): StatusBody | undefined {
  try {
    const body = typeof error.body === "string" ? JSON.parse(error.body) : error.body;
    return body && typeof body === "object" ? (body as StatusBody) : undefined;
  } catch {
    return undefined;
  }
}

export function httpStatus(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/**
 * A Kubernetes failure as an MlshipError: the API's Status message (never the raw exception text, which
 * carries response headers), the HTTP status and reason in details, and a hint for the usual causes.
 */
export function kubeError(error: unknown, what: string, where?: string, server?: string): MlshipError {
  if (error instanceof MlshipError) return error;
  const text = error instanceof Error ? error.message : String(error);
  // Discovery answered, and the group/version or kind is not there. (A discovery call that never got an
  // answer carries the same prefix: that is a network failure, handled below.)
  const unserved =
    /Unrecognized API version and kind/.test(text) ||
    (/Failed to fetch resource metadata/.test(text) && httpStatus(error) === 404);
  if (unserved) {
    return new MlshipError("E_CONFIG", `${what}: the cluster does not serve this resource type (${text})`, {
      cause: error,
      ...(where ? { where } : {}),
      hint: "APIRule gateway.kyma-project.io/v2 needs a Kyma cluster with the API Gateway module 2.x or newer.",
    });
  }
  if (error instanceof ApiException) {
    const status = statusOf(error);
    const message = status?.message ?? `HTTP ${error.code}`;
    const details: Record<string, unknown> = { status: error.code, reason: status?.reason };
    if (status?.details?.causes) details.causes = status.details.causes;
    const base = { cause: error, details, ...(where ? { where } : {}) };
    if (error.code === 401) {
      return new MlshipError("E_CREDENTIALS", `${what}: the cluster rejected the credentials (401)`, {
        ...base,
        hint: "The kubeconfig's token may have expired: download a fresh kubeconfig from the Kyma dashboard.",
      });
    }
    if (error.code === 403) {
      return new MlshipError("E_PERMISSION", `${what}: forbidden: ${message}`, {
        ...base,
        hint: "The kubeconfig's user needs rights on Deployments, Services, Secrets, APIRules (and Namespaces to create one).",
      });
    }
    if (error.code === 404) return new MlshipError("E_NOT_FOUND", `${what}: ${message}`, base);
    if (error.code === 409) return new MlshipError("E_ALREADY_EXISTS", `${what}: ${message}`, base);
    if (error.code === 422 || error.code === 400)
      return new MlshipError("E_INVALID_INPUT", `${what}: ${message}`, base);
    return new MlshipError("E_DEPLOY_FAILED", `${what}: ${message}`, base);
  }
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  const at = server ? ` at ${server}` : "";
  return new MlshipError("E_NETWORK", `${what}: cannot reach the Kubernetes API${at}: ${text}`, {
    cause: error,
    ...(where ? { where } : {}),
    details: { ...(typeof code === "string" ? { code } : {}), ...(server ? { server } : {}) },
    hint: "Check the kubeconfig's server address (and context) and your network/VPN.",
  });
}

/** KubeApi over @kubernetes/client-node: KubernetesObjectApi with plain objects (typed bodies drop unknown keys). */
export function kubeApi(kc: KubeConfig): KubeApi {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const defaultNamespace = contextNamespace(kc) ?? "default";
  const server = kc.getCurrentCluster()?.server;
  const spec = (type: KubeType, namespace: string | undefined, name: string) => ({
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
  });
  return {
    defaultNamespace,
    async apply(object, options) {
      const where = `${object.kind}/${object.metadata.name}`;
      try {
        const res = await objects.patch(
          structuredClone(object) as KubernetesObject,
          undefined,
          options?.dryRun ? "All" : undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
        return plain(res) as KubeObject;
      } catch (error) {
        throw kubeError(error, `Applying ${where}`, where, server);
      }
    },
    async read(type, namespace, name) {
      try {
        return plain(await objects.read(spec(type, namespace, name))) as KubeObject;
      } catch (error) {
        if (httpStatus(error) === 404) return undefined;
        throw kubeError(error, `Reading ${type.kind}/${name}`, `${type.kind}/${name}`, server);
      }
    },
    async list(type, namespace, labelSelector) {
      try {
        const res = await objects.list(
          type.apiVersion,
          type.kind,
          namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
        );
        return plain(res.items).map(
          (o) => ({ ...o, apiVersion: type.apiVersion, kind: type.kind }) as KubeObject,
        );
      } catch (error) {
        throw kubeError(error, `Listing ${type.kind}`, type.kind, server);
      }
    },
    async remove(type, namespace, name) {
      try {
        await objects.delete(
          spec(type, namespace, name),
          undefined,
          undefined,
          undefined,
          undefined,
          "Background",
        );
        return true;
      } catch (error) {
        if (httpStatus(error) === 404) return false;
        throw kubeError(error, `Deleting ${type.kind}/${name}`, `${type.kind}/${name}`, server);
      }
    },
    podLogLines: (namespace, pod, container, options) => podLogLines(kc, namespace, pod, container, options),
    async podLog(namespace, pod, container, options) {
      try {
        const text = await core.readNamespacedPodLog({
          name: pod,
          namespace,
          container,
          tailLines: options.tailLines,
          ...(options.previous ? { previous: true } : {}),
        });
        return typeof text === "string" && text !== "" ? text : undefined;
      } catch {
        // Logs are a diagnosis aid: a pod that is gone or has no previous container just has none.
        return undefined;
      }
    },
  };
}
