import type { DeploymentStatus } from "@mlship/core";
import type { KubeApi, KubeObject } from "./kube.js";
import { FETCH_CONTAINER, LABELS, MODEL_CONTAINER, selectorLabels, TYPES } from "./manifests.js";

/** Why a rollout cannot succeed on its own, with what the user should do. */
export interface Failure {
  reason: string;
  message: string;
  hint?: string;
  pod?: string;
  container?: string;
  logTail?: string[];
}

export interface Observed {
  status: DeploymentStatus;
  /** One line for deploy.status events and `get`. */
  message: string;
  ready: boolean;
  failure?: Failure;
  replicas: { desired: number; ready: number; available: number; updated: number };
  apiRuleState?: string;
  apiRuleDescription?: string;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode?: number; reason?: string; message?: string };
  };
  lastState?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
}

const PULL_FAILURES = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"]);
const LOG_LINES = 20;

/** Presigned URLs and bearer tokens must never reach events or errors, even if a script prints them. */
export function redact(line: string): string {
  return line
    .replace(/https?:\/\/\S*X-Amz-(Signature|Credential)=\S*/gi, "<presigned-url>")
    .replace(/(authorization:\s*bearer\s+)\S+/gi, "$1<redacted>")
    .replace(/\bey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/g, "<jwt>");
}

async function tail(
  kube: KubeApi,
  namespace: string,
  pod: string,
  container: string,
  previous: boolean,
): Promise<string[]> {
  const text =
    (previous
      ? await kube.podLog(namespace, pod, container, { tailLines: LOG_LINES, previous: true })
      : undefined) ?? (await kube.podLog(namespace, pod, container, { tailLines: LOG_LINES }));
  return (text ?? "")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-LOG_LINES)
    .map(redact);
}

/** Looks at the current rollout's pods for causes that waiting will not fix. */
async function diagnosePods(
  kube: KubeApi,
  namespace: string,
  name: string,
  templateHash: string | undefined,
  pullSecret: { name: string; expiresAt?: string } | undefined,
): Promise<Failure | undefined> {
  const selector = Object.entries({
    ...selectorLabels(name),
    ...(templateHash ? { [LABELS.templateHash]: templateHash } : {}),
  })
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (await kube.list(TYPES.pod, namespace, selector)).filter((p) => !p.metadata.deletionTimestamp);
  for (const pod of pods) {
    const status = (pod.status ?? {}) as {
      initContainerStatuses?: ContainerStatus[];
      containerStatuses?: ContainerStatus[];
    };
    const podName = pod.metadata.name;
    const all = [
      ...(status.initContainerStatuses ?? []).map((c) => ({ c, init: true })),
      ...(status.containerStatuses ?? []).map((c) => ({ c, init: false })),
    ];
    for (const { c, init } of all) {
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason && PULL_FAILURES.has(waiting.reason)) {
        const expired = pullSecret?.expiresAt ? Date.parse(pullSecret.expiresAt) <= Date.now() : false;
        return {
          reason: waiting.reason,
          pod: podName,
          container: c.name,
          message: `Pod ${podName} cannot pull its image (${waiting.reason}${waiting.message ? `: ${redact(waiting.message)}` : ""})`,
          hint: pullSecret
            ? `The ECR pull secret ${pullSecret.name}${pullSecret.expiresAt ? ` ${expired ? "expired" : "expires"} at ${pullSecret.expiresAt}` : ""}: refresh it (refreshPullSecret / \`mlship deploy\` again) and check that the image exists in the region.`
            : "Check the image name and that the cluster may pull it (imagePullSecrets).",
        };
      }
      if (waiting?.reason === "CreateContainerConfigError" || waiting?.reason === "CreateContainerError") {
        return {
          reason: waiting.reason,
          pod: podName,
          container: c.name,
          message: `Pod ${podName} cannot start container ${c.name}: ${redact(waiting.message ?? waiting.reason)}`,
        };
      }
      const fetchFailed =
        init &&
        c.name === FETCH_CONTAINER &&
        ((terminated && terminated.exitCode !== 0) ||
          (waiting?.reason === "CrashLoopBackOff" && (c.lastState?.terminated?.exitCode ?? 1) !== 0));
      if (fetchFailed) {
        const logTail = await tail(kube, namespace, podName, c.name, waiting?.reason === "CrashLoopBackOff");
        const last = logTail.filter((l) => l.includes("mlship-fetch")).at(-1) ?? logTail.at(-1);
        return {
          reason: "ModelDownloadFailed",
          pod: podName,
          container: c.name,
          logTail,
          message: `Pod ${podName} could not download the model${last ? `: ${last}` : ""}`,
          hint: "The presigned S3 URLs may have expired or the objects may be gone: deploy again to issue fresh URLs.",
        };
      }
      if (waiting?.reason === "CrashLoopBackOff" && !init) {
        const logTail = await tail(kube, namespace, podName, c.name, true);
        const exit = c.lastState?.terminated?.exitCode;
        return {
          reason: "CrashLoopBackOff",
          pod: podName,
          container: c.name,
          logTail,
          message: `Container ${c.name} in pod ${podName} keeps crashing${exit !== undefined ? ` (exit code ${exit})` : ""}${logTail.length > 0 ? `; last log lines:\n${logTail.join("\n")}` : ""}`,
          hint:
            c.name === MODEL_CONTAINER
              ? "The model server failed to load the model or the inference script (model_fn/input_fn...): check the log lines."
              : undefined,
        };
      }
    }
  }
  return undefined;
}

type Rollout = Observed & { deployment?: KubeObject; apiRule?: KubeObject };

/** Where a rollout stands from the Deployment and APIRule alone (no pod reads): `list` uses this. */
export function rolloutState(deployment: KubeObject | undefined, apiRule: KubeObject | undefined): Rollout {
  const replicas = { desired: 0, ready: 0, available: 0, updated: 0 };
  if (!deployment) return { status: "NotFound", message: "Deployment not found", ready: false, replicas };
  const name = deployment.metadata.name;
  const spec = (deployment.spec ?? {}) as { replicas?: number };
  const st = (deployment.status ?? {}) as {
    observedGeneration?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
  replicas.desired = spec.replicas ?? 1;
  replicas.ready = st.readyReplicas ?? 0;
  replicas.available = st.availableReplicas ?? 0;
  replicas.updated = st.updatedReplicas ?? 0;
  const ruleStatus = (apiRule?.status ?? {}) as { state?: string; description?: string };
  const base = {
    replicas,
    deployment,
    ...(apiRule ? { apiRule } : {}),
    ...(ruleStatus.state ? { apiRuleState: ruleStatus.state } : {}),
    ...(ruleStatus.description ? { apiRuleDescription: ruleStatus.description } : {}),
  };
  const failed = (failure: Failure): Rollout => ({
    ...base,
    status: "Failed",
    message: failure.message,
    ready: false,
    failure,
  });
  if (ruleStatus.state === "Error") {
    return failed({
      reason: "APIRuleError",
      message: `APIRule ${name} is in Error: ${ruleStatus.description ?? "no description"}`,
      hint: "Check the APIRule (host already used by another APIRule? JWT issuer/jwksUri reachable? service port?).",
    });
  }
  const conditions = st.conditions ?? [];
  const progressing = conditions.find((c) => c.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return failed({
      reason: "ProgressDeadlineExceeded",
      message: `Deployment ${name} did not progress: ${progressing.message ?? "deadline exceeded"}`,
    });
  }
  const current = (st.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
  const available = conditions.some((c) => c.type === "Available" && c.status === "True");
  const rolledOut =
    current &&
    available &&
    replicas.updated >= replicas.desired &&
    replicas.available >= replicas.desired &&
    (st.unavailableReplicas ?? 0) === 0;
  const parts = [
    `${replicas.available}/${replicas.desired} replicas available`,
    `APIRule ${ruleStatus.state ?? (apiRule ? "pending" : "missing")}`,
  ];
  if (ruleStatus.state === "Warning" && ruleStatus.description) parts.push(ruleStatus.description);
  const ready = rolledOut && ruleStatus.state === "Ready";
  const updating = (deployment.metadata.generation ?? 1) > 1;
  return {
    ...base,
    status: ready ? "InService" : updating ? "Updating" : "Creating",
    message: parts.join(", "),
    ready,
  };
}

/** Reads the Deployment, its pods and its APIRule and says where the rollout stands and why it fails. */
export async function observe(
  kube: KubeApi,
  namespace: string,
  name: string,
  pullSecret?: { name: string; expiresAt?: string },
): Promise<Rollout> {
  const [deployment, apiRule] = await Promise.all([
    kube.read(TYPES.deployment, namespace, name),
    kube.read(TYPES.apiRule, namespace, name),
  ]);
  const state = rolloutState(deployment, apiRule);
  if (!deployment || state.ready || state.failure?.reason === "APIRuleError") return state;
  const template = (deployment.spec as { template?: { metadata?: { labels?: Record<string, string> } } })
    .template;
  const podFailure = await diagnosePods(
    kube,
    namespace,
    name,
    template?.metadata?.labels?.[LABELS.templateHash],
    pullSecret,
  );
  if (!podFailure) return state;
  return { ...state, status: "Failed", message: podFailure.message, ready: false, failure: podFailure };
}

/** The latest Warning events about the deployment and its pods (FailedScheduling, FailedMount...), newest last. */
export async function warningEvents(
  kube: KubeApi,
  namespace: string,
  name: string,
  limit = 3,
): Promise<string[]> {
  const events = await kube.list({ apiVersion: "v1", kind: "Event" }, namespace).catch(() => []);
  return events
    .filter((e) => {
      const involved = (e.involvedObject ?? {}) as { name?: string };
      return e.type === "Warning" && (involved.name === name || (involved.name ?? "").startsWith(`${name}-`));
    })
    .map((e) => ({
      at: String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? ""),
      text: redact(`${String(e.reason ?? "Warning")}: ${String(e.message ?? "")}`),
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .slice(-limit)
    .map((e) => e.text);
}
