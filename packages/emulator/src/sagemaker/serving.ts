import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { join } from "node:path";
import type { ObjectStore } from "@mlship/core";
import type { LogStore } from "../logs/log-store.js";
import { endpointLogGroup } from "./arn.js";
import type { ProductionVariant } from "./endpoint-configs.js";
import { type ImageRuntime, runtimeForImage, unsupportedImageReason } from "./images.js";
import { type ContainerDefinition, type ModelRecord, servingContainer } from "./models.js";
import type { LocalRuntime, RunningModelServer } from "./runtime.js";
import type { RecordStore } from "./store.js";

/** InvokeEndpoint gives the model 60 s to answer. */
export const INVOKE_TIMEOUT_MS = 60_000;

/** One instance of a production variant (its own serving process), as InvokeEndpoint reaches it. */
export interface LiveVariant {
  variantName: string;
  weight: number;
  image: string;
  instanceId: string;
  logStream: string;
  server: RunningModelServer;
  /** Keep-alive connections to the serving process. */
  agent: Agent;
  /** Set by the crash fault; invocations fail until the variant is replaced. */
  crashed?: string;
  /** Serverless MaxConcurrency: invocations beyond it are throttled. */
  maxConcurrency?: number;
  /** Invocations in flight now. */
  inflight(): number;
  /** Counts an invocation in flight until `work` settles. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once no invocation is in flight (or after `timeoutMs`): an update drains before stopping. */
  drained(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface ServingDeps {
  models: RecordStore<ModelRecord>;
  objectStore: ObjectStore;
  logs: LogStore;
  runtime: () => Promise<LocalRuntime>;
  workRoot: string;
  python?: string;
}

/** Thrown when a variant cannot start; the message becomes the endpoint's FailureReason. */
export class VariantStartError extends Error {
  override name = "VariantStartError";
  readonly variantName: string;
  constructor(variantName: string, message: string) {
    super(message);
    this.variantName = variantName;
  }
}

/** Instances a variant starts with: InitialInstanceCount, one for a serverless variant. */
export function initialInstances(variant: ProductionVariant): number {
  return variant.ServerlessConfig ? 1 : (variant.InitialInstanceCount ?? 1);
}

/**
 * Starts one serving process per instance of each production variant (the model's container: image -> runtime,
 * ModelDataUrl, SAGEMAKER_PROGRAM / SAGEMAKER_SUBMIT_DIRECTORY) and waits until each answers /ping.
 * Either every variant comes up or none stays running.
 */
export async function startVariants(
  deps: ServingDeps,
  endpointName: string,
  variants: readonly ProductionVariant[],
  signal: AbortSignal,
): Promise<LiveVariant[]> {
  const started: LiveVariant[] = [];
  try {
    for (const variant of variants) {
      for (let i = 0; i < initialInstances(variant); i++) {
        if (signal.aborted)
          throw new VariantStartError(
            variant.VariantName,
            "The endpoint was deleted while it was being created.",
          );
        started.push(await startInstance(deps, endpointName, variant, signal));
      }
    }
    return started;
  } catch (error) {
    await Promise.allSettled(started.map((v) => v.close()));
    throw error;
  }
}

/** Starts one instance of a variant: its own model-server process, answering /ping before it resolves. */
export async function startInstance(
  deps: ServingDeps,
  endpointName: string,
  variant: ProductionVariant,
  signal: AbortSignal,
): Promise<LiveVariant> {
  const model = deps.models.get(variant.ModelName);
  if (!model)
    throw new VariantStartError(variant.VariantName, `Could not find model "${variant.ModelName}".`);
  const launch = containerLaunch(model);
  if (typeof launch === "string") throw new VariantStartError(variant.VariantName, launch);
  const { container, runtimeKind, env } = launch;
  const instanceId = `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
  const group = endpointLogGroup(endpointName);
  const logStream = `${variant.VariantName}/${instanceId}`;
  deps.logs.ensureStream(group, logStream);
  const log = (message: string) => deps.logs.append(group, logStream, [{ timestamp: Date.now(), message }]);
  const runtime = await deps.runtime();
  let server: RunningModelServer;
  try {
    server = await runtime.startModelServer(
      {
        workDir: join(deps.workRoot, endpointName.toLowerCase(), `${variant.VariantName}-${instanceId}`),
        modelData: launch.modelData,
        program: env.SAGEMAKER_PROGRAM,
        submitDirectory: env.SAGEMAKER_SUBMIT_DIRECTORY,
        runtime: runtimeKind,
        python: deps.python,
        port: 0,
        host: "127.0.0.1",
        // Each instance is its own model-server process with one worker: scaling adds or removes processes.
        workers: 1,
        env,
        objectStore: deps.objectStore,
        onLog: (line) => log(line),
      },
      { signal },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(message);
    throw new VariantStartError(variant.VariantName, message);
  }
  try {
    await server.ready();
  } catch (error) {
    await server.close().catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    log(message);
    throw new VariantStartError(variant.VariantName, message);
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let inflight = 0;
  let idle: Array<() => void> = [];
  const live: LiveVariant = {
    variantName: variant.VariantName,
    weight: variant.InitialVariantWeight ?? 1,
    maxConcurrency: variant.ServerlessConfig?.MaxConcurrency,
    inflight: () => inflight,
    image: container.Image ?? "",
    instanceId,
    logStream,
    server,
    agent,
    async track(work) {
      inflight++;
      try {
        return await work;
      } finally {
        inflight--;
        if (inflight === 0) {
          for (const wake of idle) wake();
          idle = [];
        }
      }
    },
    drained(timeoutMs) {
      if (inflight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      agent.destroy();
      await server.close();
    },
  };
  // A worker that dies is replaced by the server itself (as gunicorn does in the container): log it only.
  // A dead server (no pids left) is what makes invocations fail; see `unavailable`.
  server.onCrash(({ pid, code, signal: sig }) => {
    log(
      `Worker process ${pid} exited${sig ? ` on signal ${sig}` : ` with code ${code}`}; starting a new one.`,
    );
  });
  return live;
}

/** What a model's one container runs as a local model server, or why it cannot (a FailureReason). */
export function containerLaunch(model: ModelRecord):
  | {
      container: ContainerDefinition;
      runtimeKind: ImageRuntime;
      env: Record<string, string>;
      modelData: string;
    }
  | string {
  const container = servingContainer(model);
  if (!container) {
    return `Model ${model.ModelName} has ${model.Containers?.length ?? 0} containers; the emulator serves single-container models only.`;
  }
  const runtimeKind = runtimeForImage(container.Image);
  if (!runtimeKind) return unsupportedImageReason(container.Image);
  const env = container.Environment ?? {};
  // As in the container: code from S3 or from inside the model (`/opt/ml/model/code`), not from the host.
  const submit = env.SAGEMAKER_SUBMIT_DIRECTORY;
  if (submit !== undefined && !submit.startsWith("s3://") && submit !== "/opt/ml/model/code") {
    return `SAGEMAKER_SUBMIT_DIRECTORY must be an s3:// URI of the code (sourcedir.tar.gz) or /opt/ml/model/code; got '${submit}'.`;
  }
  if (!container.ModelDataUrl?.startsWith("s3://")) {
    return `The model's ModelDataUrl must be an s3:// URI of model.tar.gz; got '${container.ModelDataUrl ?? ""}'.`;
  }
  return { container, runtimeKind, env, modelData: container.ModelDataUrl };
}

/** Why a variant cannot take requests (crashed, or its server process is gone), or undefined. */
export function unavailable(variant: LiveVariant): string | undefined {
  if (variant.crashed) return variant.crashed;
  if (variant.server.pids().length === 0) return "The model server process exited.";
  return undefined;
}
