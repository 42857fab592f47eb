import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdir, rm, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { abortError, emit, MlshipError, type ObjectStore, type OperationContext } from "@mlship/core";
import { extractTarGz } from "@mlship/core/archive";
import { findPython } from "../python.js";
import { fetchFile, isS3Uri, localPath } from "../sources.js";
import { type CrashInfo, nodeScriptCommand, PYTHON_SERVER, ServerProcess } from "./server-process.js";

export interface ModelServerOptions {
  /** Scratch directory: the model is unpacked to `<workDir>/model` (the /opt/ml/model analogue). */
  workDir: string;
  /** model.tar.gz: a local path or s3://. */
  modelData?: string;
  /** An already unpacked model directory (used as it is). */
  modelDir?: string;
  /** The inference script (SAGEMAKER_PROGRAM), relative to the code. */
  program?: string;
  /** The code (SAGEMAKER_SUBMIT_DIRECTORY): a directory, a .tar.gz path or s3://; default `model/code`. */
  submitDirectory?: string;
  /** Default: by the program's extension (.js/.mjs/.cjs -> node). */
  runtime?: "python" | "node";
  python?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Worker processes; default the number of CPUs. */
  workers?: number;
  /** Extra environment for the server (SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT, ...). */
  env?: Record<string, string>;
  objectStore?: ObjectStore;
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /** Names the `deploy.log` events sent to the context's sink. */
  name?: string;
  /** How long ready() waits for model_fn in every worker; default 300 000 ms. */
  readyTimeoutMs?: number;
}

export interface ModelServer {
  url: string;
  port: number;
  /** The master and its workers. */
  pids(): number[];
  /** Resolves once /ping answers 200; rejects (E_DEPLOY_FAILED, the load error) if the model cannot load. */
  ready(): Promise<void>;
  onCrash(listener: (info: CrashInfo) => void): void;
  /** Test hook: kills one worker with SIGKILL (the server replaces it and reports the crash). */
  crashWorker(): void;
  close(): Promise<void>;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

export const runtimeOfProgram = (program: string): "python" | "node" =>
  /\.(mjs|cjs|js)$/.test(program) ? "node" : "python";

/** Model dir, code dir and program for a server, laid out under `workDir` as the container does. */
export async function prepareModel(
  options: ModelServerOptions,
  ctx?: OperationContext,
): Promise<{ modelDir: string; codeDir: string; program: string }> {
  const workDir = resolve(options.workDir);
  await mkdir(workDir, { recursive: true });
  let modelDir: string;
  if (options.modelDir) {
    modelDir = resolve(options.modelDir);
  } else if (options.modelData) {
    modelDir = join(workDir, "model");
    await rm(modelDir, { recursive: true, force: true });
    const file = await fetchFile(
      options.modelData,
      join(workDir, "download"),
      options.objectStore,
      "model data",
      ctx,
    );
    await extractTarGz(file, modelDir);
  } else {
    throw new MlshipError("E_INVALID_INPUT", "startModelServer needs modelData (model.tar.gz) or modelDir", {
      where: "modelData",
    });
  }

  const program = options.program ?? options.env?.SAGEMAKER_PROGRAM;
  if (!program) {
    throw new MlshipError("E_INVALID_INPUT", "No inference script: set `program` (SAGEMAKER_PROGRAM)", {
      hint: "e.g. program: 'inference.py' with model_fn/input_fn/predict_fn/output_fn.",
      where: "program",
    });
  }
  let codeDir: string;
  const submit = options.submitDirectory ?? options.env?.SAGEMAKER_SUBMIT_DIRECTORY;
  if (!submit || submit === "/opt/ml/model/code") {
    codeDir = join(modelDir, "code");
  } else if (!isS3Uri(submit) && (await stat(localPath(submit)).catch(() => undefined))?.isDirectory()) {
    codeDir = localPath(submit);
  } else {
    codeDir = join(workDir, "code");
    await rm(codeDir, { recursive: true, force: true });
    const file = await fetchFile(
      submit,
      join(workDir, "download"),
      options.objectStore,
      "inference code",
      ctx,
    );
    await extractTarGz(file, codeDir);
  }
  if (!(await exists(join(codeDir, program)))) {
    throw new MlshipError("E_NOT_FOUND", `Inference script ${program} is not in ${codeDir}`, {
      hint: "Set submitDirectory to the code directory (or ship the code in model.tar.gz under code/).",
      where: "program",
      details: { program, codeDir },
    });
  }
  return { modelDir, codeDir, program };
}

/**
 * A detached process that appends what the server writes to `logFile`, each line after the time it came
 * (`<ISO 8601> <line>`), so the log can say when and be read from a time on; it outlives this process, as the
 * server does, and ends when the server's output does.
 */
function startLogStamper(logFile: string): ChildProcess {
  const [command = "", ...args] = nodeScriptCommand("log-stamper");
  const stamper = spawn(command, [...args, logFile], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  if (stamper.pid === undefined) {
    throw new MlshipError("E_DEPLOY_FAILED", `Cannot start the log writer for ${logFile}`, {
      details: { command },
    });
  }
  stamper.unref();
  return stamper;
}

/** Launch a model server process; the target uses `logFile` to run it detached from this process. */
export async function launchModelServer(
  options: ModelServerOptions,
  ctx?: OperationContext,
  detached?: { logFile: string },
): Promise<ServerProcess> {
  const { modelDir, codeDir, program } = await prepareModel(options, ctx);
  const runtime = options.runtime ?? runtimeOfProgram(program);
  const command =
    runtime === "python"
      ? [await findPython({ python: options.python }), PYTHON_SERVER]
      : nodeScriptCommand("node-server");
  const env: Record<string, string | undefined> = {
    ...process.env,
    PYTHONUNBUFFERED: "TRUE",
    PYTHONDONTWRITEBYTECODE: "1",
    SAGEMAKER_PROGRAM: program,
    SAGEMAKER_SUBMIT_DIRECTORY: codeDir,
    SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/json",
    ...options.env,
  };
  const name = options.name ?? "local";
  const onLog = (line: string, stream: "stdout" | "stderr") => {
    emit(ctx, { type: "deploy.log", name, message: line, timestamp: Date.now(), stream });
    try {
      options.onLog?.(line, stream);
    } catch {
      // listener bugs do not take the server down
    }
  };
  if (detached) await mkdir(join(detached.logFile, ".."), { recursive: true });
  const stamper = detached ? startLogStamper(detached.logFile) : undefined;
  let server: ServerProcess;
  try {
    server = new ServerProcess({
      command,
      cwd: codeDir,
      env,
      config: {
        host: options.host ?? "127.0.0.1",
        port: options.port ?? 0,
        workers: Math.max(1, options.workers ?? availableParallelism()),
        modelDir,
        codeDir,
        program,
        controlFd: 3,
        watchStdin: !detached,
      },
      logFd: stamper?.stdin ?? undefined,
      logWriter: stamper,
      onLog,
      readyTimeoutMs: options.readyTimeoutMs,
    });
  } finally {
    // The server has its own copy of the pipe: the stamper ends once the server (and its workers) have.
    stamper?.stdin?.destroy();
  }
  try {
    await server.waitListening();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Serves a model with the SageMaker container contract (`GET /ping`, `POST /invocations`) on this
 * machine: Python hooks through the bundled standard-library server, Node hooks through node:cluster.
 * Resolves once the port listens; `ready()` waits for model_fn in every worker.
 */
export async function startModelServer(
  options: ModelServerOptions,
  ctx?: OperationContext,
): Promise<ModelServer> {
  if (ctx?.signal?.aborted) throw abortError(ctx.signal, "Starting the model server");
  const server = await launchModelServer(options, ctx);
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
  const onAbort = () => void server.close();
  ctx?.signal?.addEventListener("abort", onAbort, { once: true });
  let readyCheck: Promise<void> | undefined;
  return {
    url,
    port: server.port,
    pids: () => server.pids(),
    ready: () => {
      readyCheck ??= server.ready().then(async () => {
        if (!(await ping(url))) {
          throw new MlshipError(
            "E_DEPLOY_FAILED",
            `The model server reported ready but ${url}/ping did not answer 200`,
          );
        }
      });
      return readyCheck;
    },
    onCrash: (listener) => server.onCrash(listener),
    crashWorker: () => {
      const pid = server.workerPids()[0];
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    },
    close: async () => {
      ctx?.signal?.removeEventListener("abort", onAbort);
      await server.close();
    },
  };
}
