import { existsSync, readFileSync } from "node:fs";
import { appendFile, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  abortError,
  acquireFileLock,
  createHttpInvoker,
  type Deployment,
  type DeploySpec,
  type DeployTarget,
  emit,
  isMlshipError,
  isNodeRuntimeImage,
  type ListOptions,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import { killGroup, processAlive } from "../process-group.js";
import { launchModelServer, type ModelServerOptions, runtimeOfProgram } from "../serving/model-server.js";
import type { LocalTargetContext } from "./context.js";
import { localDeploymentLogs } from "./local-logs.js";
import type { JobRecord } from "./local-training.js";
import { checkName } from "./state.js";

/** What the state dir keeps per deployment. */
export interface DeploymentRecord {
  deployment: Deployment;
  spec: Omit<DeploySpec, "name">;
  /** Master process of the serving process group. */
  pid?: number;
  port?: number;
  generation: number;
  /** A server still loading its model: recorded so that delete() stops it if its deployer died. */
  startingPid?: number;
}

const FILE = "deployment.json";
/** Every server process a deployment ever launched, one pid a line: delete stops each one still running. */
const SERVERS = "servers.pids";

/** Guards against pid reuse: only signal a process that is one of our servers. */
function isOurServer(pid: number): boolean {
  if (!processAlive(pid)) return false;
  if (!existsSync("/proc/self/cmdline")) return true; // no procfs: trust the recorded pid
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmdline.includes("mlship_serve.py") || cmdline.includes("node-server");
  } catch {
    return false;
  }
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export function createLocalDeploy(
  c: LocalTargetContext,
): Omit<DeployTarget, "name" | "logs"> & Required<Pick<DeployTarget, "logs">> {
  const dirOf = (name: string) => c.state.deploymentDir(name);
  const read = (name: string) => c.state.read<DeploymentRecord>(dirOf(name), FILE);
  /** The first record creates the deployment's directory; later ones only replace it (false: deleted meanwhile). */
  const create = (record: DeploymentRecord) => c.state.write(dirOf(record.deployment.name), FILE, record);
  const write = (record: DeploymentRecord) => c.state.replace(dirOf(record.deployment.name), FILE, record);
  const deletedMeanwhile = (name: string) =>
    new MlshipError("E_DEPLOY_FAILED", `Deployment ${name} was deleted while it was being deployed`, {
      hint: "Deploy it again if it is still wanted.",
      where: name,
    });
  /** A deployer that cannot write its record any more lost the name to a delete: it stops. */
  const mustWrite = async (record: DeploymentRecord) => {
    if (!(await write(record))) throw deletedMeanwhile(record.deployment.name);
  };
  /** The last write of a deploy or update: if a delete took the name meanwhile, the new server goes too. */
  async function commit(record: DeploymentRecord & { pid: number }): Promise<void> {
    if (await write(record)) return;
    if (isOurServer(record.pid)) await killGroup(record.pid);
    throw deletedMeanwhile(record.deployment.name);
  }
  /**
   * One deployer per name: deploy, update and delete hold a lock file (pid + stale check, core's
   * acquireFileLock) beside the state, so a second one at the same time gets E_CONFLICT naming the first.
   */
  async function locked<T>(name: string, what: string, work: () => Promise<T>): Promise<T> {
    checkName(name, "deployment");
    const dir = join(c.state.root, "locks");
    await mkdir(dir, { recursive: true });
    const lock = await acquireFileLock(
      join(dir, `deployment-${name}.lock`),
      `${what} the local deployment ${name}`,
    );
    try {
      return await work();
    } finally {
      await lock.release();
    }
  }
  /** Recorded before the server is waited for: even a deployer that dies leaves it findable. */
  const recordServer = (name: string, pid: number) =>
    appendFile(join(dirOf(name), SERVERS), `${pid}\n`).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "ENOENT" ? deletedMeanwhile(name) : error;
    });
  async function everyServer(name: string, record: DeploymentRecord): Promise<number[]> {
    const text = await readFile(join(dirOf(name), SERVERS), "utf8").catch(() => "");
    const pids = text.split("\n").filter(Boolean).map(Number);
    return [
      ...new Set([record.pid, record.startingPid, ...pids].filter((p): p is number => Number.isInteger(p))),
    ];
  }
  const notFound = (name: string) =>
    new MlshipError("E_NOT_FOUND", `No local deployment named ${name}`, {
      hint: `Deployments live under ${join(c.state.root, "deployments")}.`,
      where: name,
    });

  /** The model, code and runtime a spec points at (a local training job, or an artifact). */
  async function serverOptions(
    name: string,
    spec: Omit<DeploySpec, "name">,
    generation: number,
  ): Promise<ModelServerOptions> {
    const model = spec.model;
    let modelData = model.modelData;
    let program = model.entryPoint ?? spec.environment?.SAGEMAKER_PROGRAM;
    let submitDirectory = model.sourceDir;
    let runtime: "python" | "node" | undefined;
    if (model.trainingJob) {
      const job = await c.state.read<JobRecord>(c.state.jobDir(model.trainingJob), "job.json");
      if (!job) {
        throw new MlshipError("E_NOT_FOUND", `No local training job named ${model.trainingJob}`, {
          where: "model.trainingJob",
        });
      }
      if (job.run.status !== "Completed" || !job.run.modelArtifact) {
        throw new MlshipError(
          "E_DEPLOY_FAILED",
          `Training job ${model.trainingJob} has no model (status ${job.run.status})`,
          {
            where: "model.trainingJob",
          },
        );
      }
      modelData ??= fileURLToPath(job.run.modelArtifact);
      // As the SageMaker SDK does, the training entry point serves unless another script is named.
      program ??= job.run.entryPoint;
      submitDirectory ??= job.codeDir;
      runtime = job.runtime;
    }
    if (!modelData) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Deployment ${name} needs model.trainingJob or model.modelData`,
        {
          where: "model",
        },
      );
    }
    if (spec.framework === "node" || (spec.image && isNodeRuntimeImage(spec.image))) runtime = "node";
    else if (spec.framework === "sklearn") runtime = "python";
    else if (program) runtime = runtimeOfProgram(program);
    return {
      workDir: join(dirOf(name), `serve-${generation}`),
      modelData,
      program,
      submitDirectory,
      runtime,
      python: c.options.python,
      workers: c.options.workers,
      host: c.options.host,
      env: spec.environment,
      objectStore: c.options.objectStore,
      name,
    };
  }

  /** Starts a detached server and waits for it; on failure nothing is left running. */
  async function startServer(
    name: string,
    options: ModelServerOptions,
    ctx: OperationContext,
    onLaunch: (pid: number) => Promise<void>,
  ) {
    const signal = ctx.signal;
    if (signal?.aborted) throw abortError(signal, `Deploying ${name}`);
    const logFile = join(dirOf(name), "server.log");
    const server = await launchModelServer(options, ctx, { logFile });
    const host = options.host ?? "127.0.0.1";
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
    // model_fn may take minutes: a Ctrl-C must not wait for it, nor leave the server behind.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(signal as AbortSignal, `Deploying ${name}`));
    });
    aborted.catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await recordServer(name, server.pid);
      await onLaunch(server.pid);
      if (signal?.aborted) onAbort();
      await Promise.race([server.ready(), aborted]);
      if (!(await ping(url))) throw new MlshipError("E_DEPLOY_FAILED", `${url}/ping did not answer 200`);
      if (signal?.aborted) throw abortError(signal, `Deploying ${name}`);
    } catch (error) {
      await server.close();
      await rm(options.workDir, { recursive: true, force: true });
      throw isMlshipError(error)
        ? error
        : new MlshipError("E_DEPLOY_FAILED", `Deployment ${name} failed: ${(error as Error).message}`, {
            cause: error,
          });
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    server.release();
    return { pid: server.pid, port: server.port, url, logFile, workDir: options.workDir };
  }

  /** The stored record with its status checked against the process and /ping. */
  async function live(record: DeploymentRecord): Promise<Deployment> {
    const d = record.deployment;
    if (d.status !== "InService" || record.pid === undefined) return d;
    if (!isOurServer(record.pid)) {
      return {
        ...d,
        status: "Failed",
        failureReason: `The server process (pid ${record.pid}) is not running; see server.log`,
      };
    }
    if (d.url && !(await ping(d.url)))
      return { ...d, status: "OutOfService", failureReason: "/ping does not answer 200" };
    return d;
  }

  async function deploy(spec: DeploySpec, ctx: OperationContext): Promise<Deployment> {
    const { name, ...rest } = spec;
    if (await read(name)) return update(name, rest, ctx);
    // A missing training job or model is the caller's mistake: say so before recording anything.
    const options = await serverOptions(name, rest, 1);
    const now = new Date().toISOString();
    const deployment: Deployment = {
      target: "local",
      name,
      status: "Creating",
      model: spec.model.trainingJob ? `training job ${spec.model.trainingJob}` : spec.model.modelData,
      instanceType: spec.instanceType ?? "local",
      instanceCount: spec.instanceCount ?? 1,
      createdAt: now,
      updatedAt: now,
    };
    await create({ deployment, spec: rest, generation: 1 });
    emit(ctx, { type: "deploy.status", name, status: "Creating" });
    try {
      const s = await startServer(name, options, ctx, (pid) =>
        mustWrite({ deployment, spec: rest, generation: 1, startingPid: pid }),
      );
      const ready: Deployment = {
        ...deployment,
        status: "InService",
        url: s.url,
        updatedAt: new Date().toISOString(),
        details: { pid: s.pid, port: s.port, logFile: s.logFile },
      };
      await commit({ deployment: ready, spec: rest, pid: s.pid, port: s.port, generation: 1 });
      emit(ctx, { type: "deploy.status", name, status: "InService" });
      return ready;
    } catch (error) {
      const reason = (error as Error).message;
      if (isMlshipError(error) && error.code === "E_ABORTED") {
        // Called off before it served: remove what this call created.
        await c.state.remove(dirOf(name));
        emit(ctx, { type: "deploy.status", name, status: "NotFound", message: reason });
        throw error;
      }
      // Not if a delete took the name meanwhile: a deleted deployment does not come back as Failed.
      await write({
        deployment: { ...deployment, status: "Failed", failureReason: reason },
        spec: rest,
        generation: 1,
      });
      emit(ctx, { type: "deploy.status", name, status: "Failed", message: reason });
      // An archive the hardened extractor refuses is the caller's input: its E_INVALID_INPUT stays.
      throw isMlshipError(error) && (error.code === "E_DEPLOY_FAILED" || error.code === "E_INVALID_INPUT")
        ? error
        : new MlshipError("E_DEPLOY_FAILED", `Deployment ${name} failed: ${reason}`, { cause: error });
    }
  }

  async function update(
    name: string,
    spec: Omit<DeploySpec, "name">,
    ctx: OperationContext,
  ): Promise<Deployment> {
    const record = await read(name);
    if (!record) throw notFound(name);
    const generation = record.generation + 1;
    const options = await serverOptions(name, spec, generation);
    emit(ctx, { type: "deploy.status", name, status: "Updating" });
    const updating = { ...record, deployment: { ...record.deployment, status: "Updating" as const } };
    await mustWrite(updating);
    let started: Awaited<ReturnType<typeof startServer>>;
    try {
      started = await startServer(name, options, ctx, (pid) => mustWrite({ ...updating, startingPid: pid }));
    } catch (error) {
      // Like a SageMaker update that fails (or is called off): the old model keeps serving.
      const reason = (error as Error).message;
      const aborted = isMlshipError(error) && error.code === "E_ABORTED";
      await write(
        aborted ? record : { ...record, deployment: { ...record.deployment, failureReason: reason } },
      );
      emit(ctx, { type: "deploy.status", name, status: (await live(record)).status, message: reason });
      throw error;
    }
    if (record.pid !== undefined && isOurServer(record.pid)) await killGroup(record.pid);
    await rm(join(dirOf(name), `serve-${record.generation}`), { recursive: true, force: true });
    const deployment: Deployment = {
      ...record.deployment,
      status: "InService",
      failureReason: undefined,
      url: started.url,
      model: spec.model.trainingJob ? `training job ${spec.model.trainingJob}` : spec.model.modelData,
      instanceType: spec.instanceType ?? record.deployment.instanceType,
      instanceCount: spec.instanceCount ?? record.deployment.instanceCount,
      updatedAt: new Date().toISOString(),
      details: { pid: started.pid, port: started.port, logFile: started.logFile },
    };
    await commit({ deployment, spec, pid: started.pid, port: started.port, generation });
    emit(ctx, { type: "deploy.status", name, status: "InService" });
    return deployment;
  }

  /** Stops every server the deployment ever launched (still ours), then removes its state. */
  async function remove(name: string, ctx: OperationContext): Promise<void> {
    const record = await read(name);
    if (!record) return;
    emit(ctx, { type: "deploy.status", name, status: "Deleting" });
    for (const pid of await everyServer(name, record)) if (isOurServer(pid)) await killGroup(pid);
    await c.state.remove(dirOf(name));
    emit(ctx, { type: "deploy.status", name, status: "NotFound" });
  }

  const target: ReturnType<typeof createLocalDeploy> = {
    deploy: (spec, ctx = {}) => locked(spec.name, "Deploying", () => deploy(spec, ctx)),
    update: (name, spec, ctx = {}) => locked(name, "Updating", () => update(name, spec, ctx)),
    delete: (name, ctx = {}) => locked(name, "Deleting", () => remove(name, ctx)),

    async get(name) {
      const record = await read(name);
      if (!record) throw notFound(name);
      return live(record);
    },

    async list(options: ListOptions = {}) {
      const out: Deployment[] = [];
      for (const name of await c.state.names("deployments")) {
        if (options.nameContains && !name.includes(options.nameContains)) continue;
        const record = await read(name).catch(() => undefined);
        if (record) out.push(await live(record));
      }
      out.sort((a, b) => (b.createdAt ?? "").localeCompare(a.createdAt ?? ""));
      return out.slice(0, options.maxResults ?? out.length);
    },

    logs: (name, options, ctx) =>
      localDeploymentLogs(dirOf(name), async () => (await read(name)) !== undefined, name, options, ctx),

    async invoker(name) {
      const deployment = await target.get(name);
      if (deployment.status !== "InService" || !deployment.url) {
        throw new MlshipError(
          "E_DEPLOY_FAILED",
          `Deployment ${name} is ${deployment.status}, not InService`,
          {
            hint: deployment.failureReason,
            where: name,
            details: { status: deployment.status },
          },
        );
      }
      return createHttpInvoker({ url: deployment.url });
    },
  };
  return target;
}
