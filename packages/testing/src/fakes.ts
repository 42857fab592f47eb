import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  abortError,
  CONTENT_TYPES,
  createContainer,
  type Deployment,
  type DeploySpec,
  type DeployTarget,
  DeployTargetToken,
  deserialize,
  emit,
  type InvokeRequest,
  type InvokeResponse,
  type Invoker,
  isMlshipError,
  type ListOptions,
  type LogEvent,
  MlshipError,
  negotiateAccept,
  type OperationContext,
  serialize,
  type TrainingRun,
  type TrainSpec,
  type TrainTarget,
  TrainTargetToken,
  type Values,
} from "@mlship/core";

type Container = ReturnType<typeof createContainer>;

const notFound = (kind: string, name: string) =>
  new MlshipError("E_NOT_FOUND", `No ${kind} named "${name}"`, { where: name, details: { name } });

function checkSignal(ctx: OperationContext | undefined, what: string): void {
  if (ctx?.signal?.aborted) throw abortError(ctx.signal, what);
}

function listed<T extends { name?: string; jobName?: string }>(items: T[], options: ListOptions = {}): T[] {
  const filtered = items.filter(
    (i) => !options.nameContains || (i.name ?? i.jobName ?? "").includes(options.nameContains),
  );
  return filtered.reverse().slice(0, options.maxResults ?? filtered.length);
}

// ---------------------------------------------------------------------------------------------------
// Invoker

/** What a fake model does with a request: return rows/values (encoded per `accept`) or a full response. */
export type FakeInvokeHandler = (
  request: InvokeRequest & { values: Values },
) => Values | InvokeResponse | Promise<Values | InvokeResponse>;

export interface FakeInvoker extends Invoker {
  /** Every request received, in order. */
  readonly requests: InvokeRequest[];
  readonly closed: boolean;
  close(): Promise<void>;
}

const SUPPORTED = [CONTENT_TYPES.json, CONTENT_TYPES.csv, CONTENT_TYPES.npy];

/** One probability per row: the logistic of the mean of the row's numbers (0.5 for none). Deterministic. */
export function fakeProbabilities(values: Values): number[] {
  return values.map((row) => {
    const cells = Array.isArray(row) ? row : [row];
    const numbers = cells.filter((c): c is number => typeof c === "number" && Number.isFinite(c));
    const mean = numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : 0;
    return 1 / (1 + Math.exp(-mean));
  });
}

/**
 * An in-memory model server. Decodes the body with core's codecs (a body it cannot read is a 400-style
 * E_MODEL_ERROR, an unknown content type E_UNSUPPORTED_MEDIA_TYPE), calls `handler` (default:
 * fakeProbabilities) and encodes the answer per `accept` (default JSON).
 */
export function fakeInvoker(
  handler: FakeInvokeHandler = ({ values }) => fakeProbabilities(values),
): FakeInvoker {
  const requests: InvokeRequest[] = [];
  let closed = false;
  return {
    requests,
    get closed() {
      return closed;
    },
    async invoke(request) {
      if (closed) throw new MlshipError("E_NETWORK", "Fake invoker is closed");
      if (request.signal?.aborted) throw abortError(request.signal, "Invocation");
      requests.push(request);
      const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
      let values: Values;
      try {
        values = deserialize(body, request.contentType);
      } catch (error) {
        if (isMlshipError(error) && error.code === "E_UNSUPPORTED_MEDIA_TYPE") throw error;
        throw new MlshipError(
          "E_MODEL_ERROR",
          `Fake model cannot read the request: ${(error as Error).message}`,
          {
            cause: error,
            details: { status: 400, body: (error as Error).message },
          },
        );
      }
      const accept = negotiateAccept(request.accept, SUPPORTED, CONTENT_TYPES.json);
      const answer = await handler({ ...request, values });
      if (!Array.isArray(answer)) return answer;
      return { body: serialize(answer, accept), contentType: accept };
    },
    async close() {
      closed = true;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Training

export interface FakeTrainTargetOptions {
  /** Default "fake". */
  name?: string;
  /** How jobs end. Default "Completed". A function decides per job. */
  outcome?: "Completed" | "Failed" | ((spec: TrainSpec) => "Completed" | "Failed");
  failureReason?: string;
  /** Log lines every job writes. */
  logLines?: string[];
}

export interface FakeTrainTarget extends TrainTarget {
  /** Jobs by name. */
  readonly jobs: ReadonlyMap<string, TrainingRun>;
  /** Specs in the order train() received them. */
  readonly specs: TrainSpec[];
  downloadArtifacts(jobName: string, dir: string, ctx?: OperationContext): Promise<string[]>;
}

let sequence = 0;
function jobNameFor(spec: TrainSpec): string {
  if (spec.jobName) return spec.jobName;
  const base =
    spec.baseJobName ??
    (spec.entryPoint.split("/").pop() ?? "job").replace(/\.[^.]+$/, "").replace(/[^a-zA-Z0-9-]/g, "-");
  const stamp = new Date().toISOString().replace(/[:.T]/g, "-").replace("Z", "");
  return `${base}-${stamp}-${++sequence}`.slice(0, 63);
}

/**
 * An in-memory TrainTarget. Jobs finish immediately (or on the next describe() with `wait: false`),
 * emitting `training.status` and `training.log`; a failed job rejects with E_TRAINING_FAILED; unknown
 * jobs raise E_NOT_FOUND; a duplicate job name E_ALREADY_EXISTS.
 */
export function fakeTrainTarget(options: FakeTrainTargetOptions = {}): FakeTrainTarget {
  const name = options.name ?? "fake";
  const jobs = new Map<string, TrainingRun>();
  const logs = new Map<string, LogEvent[]>();
  const pending = new Map<string, () => void>();
  const specs: TrainSpec[] = [];

  function get(jobName: string): TrainingRun {
    pending.get(jobName)?.();
    const run = jobs.get(jobName);
    if (!run) throw notFound("training job", jobName);
    return { ...run };
  }

  function finish(run: TrainingRun, spec: TrainSpec, ctx?: OperationContext): void {
    pending.delete(run.jobName);
    if (run.status !== "InProgress") return;
    const outcome =
      typeof options.outcome === "function" ? options.outcome(spec) : (options.outcome ?? "Completed");
    const lines = logs.get(run.jobName) ?? [];
    for (const message of options.logLines ?? [`training ${spec.entryPoint}`, "done"]) {
      const event = { timestamp: Date.now(), message, stream: `${run.jobName}/algo-1` };
      lines.push(event);
      emit(ctx, { type: "training.log", job: run.jobName, ...event });
    }
    logs.set(run.jobName, lines);
    run.status = outcome;
    run.endedAt = new Date().toISOString();
    if (outcome === "Completed") {
      run.modelArtifact = `s3://fake-bucket/${run.jobName}/output/model.tar.gz`;
    } else {
      run.failureReason = options.failureReason ?? "AlgorithmError: fake failure";
    }
    emit(ctx, { type: "training.status", job: run.jobName, status: run.status, message: run.failureReason });
  }

  return {
    name,
    jobs,
    specs,
    async train(spec, ctx) {
      checkSignal(ctx, "Training");
      const jobName = jobNameFor(spec);
      if (jobs.has(jobName)) {
        throw new MlshipError("E_ALREADY_EXISTS", `Training job "${jobName}" already exists`, {
          where: jobName,
        });
      }
      specs.push(spec);
      const now = new Date().toISOString();
      const hyperparameters = Object.fromEntries(
        Object.entries(spec.hyperparameters ?? {}).map(([k, v]) => [k, JSON.stringify(v)]),
      );
      const run: TrainingRun = {
        target: name,
        jobName,
        status: "InProgress",
        entryPoint: spec.entryPoint,
        framework: spec.framework ?? "sklearn",
        hyperparameters,
        sourceBundle: `s3://fake-bucket/${jobName}/source/sourcedir.tar.gz`,
        createdAt: now,
        startedAt: now,
      };
      if (spec.frameworkVersion) run.frameworkVersion = spec.frameworkVersion;
      if (spec.image) run.image = spec.image;
      jobs.set(jobName, run);
      logs.set(jobName, []);
      emit(ctx, { type: "training.status", job: jobName, status: "InProgress" });
      if (spec.wait === false) {
        pending.set(jobName, () => finish(run, spec));
        return { ...run };
      }
      finish(run, spec, ctx);
      if (run.status === "Failed") {
        throw new MlshipError("E_TRAINING_FAILED", `Training job ${jobName} failed: ${run.failureReason}`, {
          where: jobName,
          details: { jobName, failureReason: run.failureReason },
        });
      }
      return { ...run };
    },
    async describe(jobName) {
      return get(jobName);
    },
    async list(listOptions) {
      for (const complete of [...pending.values()]) complete();
      return listed([...jobs.values()], listOptions).map((r) => ({ ...r }));
    },
    async stop(jobName) {
      const run = jobs.get(jobName);
      if (!run) throw notFound("training job", jobName);
      if (run.status === "InProgress") {
        pending.delete(jobName);
        run.status = "Stopped";
        run.endedAt = new Date().toISOString();
      }
    },
    async *logs(jobName) {
      if (!jobs.has(jobName)) throw notFound("training job", jobName);
      pending.get(jobName)?.();
      yield* logs.get(jobName) ?? [];
    },
    async downloadArtifacts(jobName, dir, ctx) {
      checkSignal(ctx, "Download");
      const run = get(jobName);
      if (run.status !== "Completed") {
        throw new MlshipError(
          "E_NOT_FOUND",
          `Training job ${jobName} has no model artifacts (status ${run.status})`,
          { where: jobName },
        );
      }
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "model.json");
      writeFileSync(file, JSON.stringify({ fake: true, jobName }));
      return [file];
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Deployment

export interface FakeDeployTargetOptions {
  /** Default "fake". */
  name?: string;
  /** Make deploy/update fail (E_DEPLOY_FAILED) with this reason, for all or for chosen specs. */
  fail?: string | ((spec: DeploySpec) => string | undefined);
  /** What invokers of every deployment answer. Default fakeProbabilities. */
  handler?: FakeInvokeHandler;
}

export interface FakeDeployTarget extends DeployTarget {
  /** Deployments by name. */
  readonly deployments: ReadonlyMap<string, Deployment>;
  /** Invokers handed out, by deployment name. */
  readonly invokers: ReadonlyMap<string, FakeInvoker>;
}

function modelDescription(spec: Omit<DeploySpec, "name">): string {
  return spec.model.trainingJob ?? spec.model.modelData ?? spec.model.sourceDir ?? "unknown";
}

/**
 * An in-memory DeployTarget. deploy() goes Creating -> InService (or stays Creating until the next
 * get() with `wait: false`), emitting `deploy.status`; get/update/invoker of an unknown name raise
 * E_NOT_FOUND; delete is idempotent; invokers are fakeInvoker()s.
 */
export function fakeDeployTarget(options: FakeDeployTargetOptions = {}): FakeDeployTarget {
  const name = options.name ?? "fake";
  const deployments = new Map<string, Deployment>();
  const invokers = new Map<string, FakeInvoker>();
  const pending = new Map<string, () => void>();

  function settle(d: Deployment, spec: Omit<DeploySpec, "name">, ctx?: OperationContext): void {
    pending.delete(d.name);
    const reason =
      typeof options.fail === "function" ? options.fail({ ...spec, name: d.name }) : options.fail;
    d.status = reason ? "Failed" : "InService";
    if (reason) d.failureReason = reason;
    else delete d.failureReason;
    d.updatedAt = new Date().toISOString();
    emit(ctx, { type: "deploy.status", name: d.name, status: d.status, message: reason });
  }

  async function apply(
    deploymentName: string,
    spec: Omit<DeploySpec, "name">,
    transition: "Creating" | "Updating",
    ctx?: OperationContext,
  ) {
    checkSignal(ctx, "Deployment");
    const now = new Date().toISOString();
    const existing = deployments.get(deploymentName);
    const d: Deployment = {
      target: name,
      name: deploymentName,
      status: transition,
      url: `http://fake.invalid/${deploymentName}`,
      model: modelDescription(spec),
      instanceType: spec.instanceType ?? "ml.m5.large",
      instanceCount: spec.instanceCount ?? 1,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    deployments.set(deploymentName, d);
    emit(ctx, { type: "deploy.status", name: deploymentName, status: transition });
    if (spec.wait === false) {
      pending.set(deploymentName, () => settle(d, spec));
      return { ...d };
    }
    settle(d, spec, ctx);
    if (d.status === "Failed") {
      throw new MlshipError("E_DEPLOY_FAILED", `Deployment ${deploymentName} failed: ${d.failureReason}`, {
        where: deploymentName,
        details: { name: deploymentName, failureReason: d.failureReason },
      });
    }
    return { ...d };
  }

  function get(deploymentName: string): Deployment {
    pending.get(deploymentName)?.();
    const d = deployments.get(deploymentName);
    if (!d) throw notFound("deployment", deploymentName);
    return { ...d };
  }

  return {
    name,
    deployments,
    invokers,
    async deploy(spec, ctx) {
      if (!spec.name)
        throw new MlshipError("E_INVALID_INPUT", "A deployment needs a name", { where: "name" });
      return apply(spec.name, spec, deployments.has(spec.name) ? "Updating" : "Creating", ctx);
    },
    async get(deploymentName) {
      return get(deploymentName);
    },
    async list(listOptions) {
      for (const complete of [...pending.values()]) complete();
      return listed([...deployments.values()], listOptions).map((d) => ({ ...d }));
    },
    async update(deploymentName, spec, ctx) {
      if (!deployments.has(deploymentName)) throw notFound("deployment", deploymentName);
      return apply(deploymentName, spec, "Updating", ctx);
    },
    async delete(deploymentName, ctx) {
      checkSignal(ctx, "Delete");
      pending.delete(deploymentName);
      if (deployments.delete(deploymentName))
        emit(ctx, { type: "deploy.status", name: deploymentName, status: "NotFound" });
      await invokers.get(deploymentName)?.close();
      invokers.delete(deploymentName);
    },
    async invoker(deploymentName) {
      const d = get(deploymentName);
      if (d.status !== "InService") {
        throw new MlshipError(
          "E_INVOKE_FAILED",
          `Deployment ${deploymentName} is ${d.status}, not InService`,
          { where: deploymentName },
        );
      }
      const invoker = fakeInvoker(options.handler);
      invokers.set(deploymentName, invoker);
      return invoker;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Container

export interface TestContainerOptions {
  /** Training targets to register. Default: one fakeTrainTarget() named "fake". */
  trainTargets?: TrainTarget[];
  /** Deployment targets to register. Default: one fakeDeployTarget() named "fake". */
  deployTargets?: DeployTarget[];
}

/** A fresh child container with fake targets registered; never the global one. */
export function createTestContainer(options: TestContainerOptions = {}): Container {
  const container = createContainer();
  for (const t of options.trainTargets ?? [fakeTrainTarget()])
    container.register(TrainTargetToken, { useValue: t });
  for (const t of options.deployTargets ?? [fakeDeployTarget()])
    container.register(DeployTargetToken, { useValue: t });
  return container;
}
