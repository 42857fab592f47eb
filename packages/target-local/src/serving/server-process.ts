import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlshipError } from "@mlship/core";
import { forEachLine } from "../lines.js";
import { killGroup, signalGroup, spawnGroup } from "../process-group.js";

/** What the launcher tells the server process (the JSON argument of both servers). */
export interface ServerConfig {
  host: string;
  port: number;
  workers: number;
  modelDir: string;
  codeDir: string;
  program: string;
  /** The launcher's end of fd 3 receives JSON lines (listening, worker_*, ready, failed). */
  controlFd: 3;
  /** Exit when stdin reaches end of file, i.e. when the launcher dies. */
  watchStdin: boolean;
}

export interface CrashInfo {
  pid: number;
  code: number | null;
  signal: string | null;
}

interface ControlMessage {
  event: string;
  pid?: number;
  port?: number;
  code?: number | null;
  signal?: string | null;
  error?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** The package root: `src/serving` or `dist/serving` -> `..` twice. */
const packageRoot = join(here, "..", "..");
export const PYTHON_SERVER = join(packageRoot, "python", "mlship_serve.py");
const fromSource = import.meta.url.endsWith(".ts");

/** Command line of a Node script of ours (`node-server`, `log-stamper`); from sources (tests) through tsx. */
export function nodeScriptCommand(script: "node-server" | "log-stamper"): string[] {
  if (!fromSource) return [process.execPath, join(here, `${script}.js`)];
  const require = createRequire(import.meta.url);
  const tsx = join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs");
  return [
    process.execPath,
    "--conditions=@mlship/source",
    "--import",
    pathToFileURL(tsx).href,
    join(here, `${script}.ts`),
  ];
}

export interface LaunchOptions {
  command: string[];
  config: ServerConfig;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Attached: stdout/stderr lines to onLog, and the server dies with us. Detached: output to `logFd` (a file or a pipe). */
  logFd?: number | Writable;
  /** The process that reads `logFd` into the log file: close() lets it write what the server wrote, then end. */
  logWriter?: ChildProcess;
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  readyTimeoutMs?: number;
}

/** A running server process (master + workers in one process group), driven by its control channel. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  port = 0;
  private readonly workers = new Set<number>();
  private readonly crashListeners: Array<(info: CrashInfo) => void> = [];
  private readonly stderrTail: string[] = [];
  private readonly listening: Promise<number>;
  private readonly readyPromise: Promise<void>;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private closing = false;
  private readonly logWriter: ChildProcess | undefined;
  private readonly logWriterEnded: Promise<unknown>;

  constructor(options: LaunchOptions) {
    const [file = "", ...args] = options.command;
    const detached = options.logFd !== undefined;
    const output = detached ? options.logFd : "pipe";
    this.child = spawnGroup(file, [...args, JSON.stringify(options.config)], {
      cwd: options.cwd,
      env: options.env,
      stdio: [detached ? "ignore" : "pipe", output, output, "pipe"],
    });
    if (this.child.pid === undefined) {
      throw new MlshipError("E_DEPLOY_FAILED", `Cannot start the model server (${file})`, {
        hint: "Check that the interpreter exists and can be run.",
        details: { command: file },
      });
    }
    this.pid = this.child.pid;
    const writer = options.logWriter;
    this.logWriter = writer;
    this.logWriterEnded =
      writer && writer.exitCode === null && writer.signalCode === null
        ? new Promise((r) => writer.once("exit", r))
        : Promise.resolve();
    const onLog = options.onLog;
    if (this.child.stdout) forEachLine(this.child.stdout, (line) => onLog?.(line, "stdout"));
    if (this.child.stderr) {
      forEachLine(this.child.stderr, (line) => {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 30) this.stderrTail.shift();
        onLog?.(line, "stderr");
      });
    }

    let failure: MlshipError | undefined;
    let resolveListening!: (port: number) => void;
    let rejectListening!: (error: Error) => void;
    let resolveReady!: () => void;
    let rejectReady!: (error: Error) => void;
    this.listening = new Promise((res, rej) => {
      resolveListening = res;
      rejectListening = rej;
    });
    this.readyPromise = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.listening.catch(() => {});
    this.readyPromise.catch(() => {});
    const fail = (error: MlshipError) => {
      failure ??= error;
      rejectListening(failure);
      rejectReady(failure);
    };

    const control = this.child.stdio[3] as Readable;
    forEachLine(control, (line) => {
      let message: ControlMessage;
      try {
        message = JSON.parse(line) as ControlMessage;
      } catch {
        return;
      }
      switch (message.event) {
        case "listening":
          this.port = message.port ?? 0;
          resolveListening(this.port);
          break;
        case "worker_started":
          if (message.pid) this.workers.add(message.pid);
          break;
        case "worker_exited":
          if (message.pid) this.workers.delete(message.pid);
          if (!this.closing && message.pid) {
            const info = { pid: message.pid, code: message.code ?? null, signal: message.signal ?? null };
            for (const listener of this.crashListeners) {
              try {
                listener(info);
              } catch {
                // a listener's bug must not take the server down
              }
            }
          }
          break;
        case "ready":
          resolveReady();
          break;
        case "failed":
          fail(loadError(message.error ?? "the model server failed"));
          break;
      }
    });
    control.on("error", () => {});

    const timeout = setTimeout(() => {
      fail(
        new MlshipError(
          "E_DEPLOY_FAILED",
          `The model server did not become ready within ${Math.round((options.readyTimeoutMs ?? 0) / 1000)} s`,
          { hint: "model_fn may hang; check the server log." },
        ),
      );
      void this.close();
    }, options.readyTimeoutMs ?? 300_000);
    this.readyPromise.then(
      () => clearTimeout(timeout),
      () => clearTimeout(timeout),
    );

    this.exitPromise = new Promise((resolveExit) => {
      this.child.on("exit", (code, signal) => {
        this.exited = true;
        this.workers.clear();
        clearTimeout(timeout);
        const tail = this.stderrTail
          .filter((l) => l.trim() !== "")
          .slice(-5)
          .join("\n");
        fail(
          new MlshipError(
            "E_DEPLOY_FAILED",
            `The model server exited (${signal ?? `code ${code}`}) before it was ready${tail ? `: ${tail}` : ""}`,
            { details: { code, signal } },
          ),
        );
        // Workers must not outlive their master.
        signalGroup(this.pid, "SIGKILL");
        resolveExit();
      });
      this.child.on("error", (error) => {
        fail(
          new MlshipError("E_DEPLOY_FAILED", `Cannot start the model server: ${error.message}`, {
            cause: error,
          }),
        );
        resolveExit();
      });
    });
  }

  /** Resolves with the port once the socket listens; rejects if the server fails first. */
  waitListening(): Promise<number> {
    return this.listening;
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  pids(): number[] {
    return this.exited ? [] : [this.pid, ...this.workers];
  }

  workerPids(): number[] {
    return [...this.workers];
  }

  onCrash(listener: (info: CrashInfo) => void): void {
    this.crashListeners.push(listener);
  }

  /** Stops reporting to this process so the server can outlive it (a detached deployment). */
  release(): void {
    (this.child.stdio[3] as Readable | null)?.destroy();
    this.child.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.exited) {
      await killGroup(this.pid);
      await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, 2000))]);
    }
    // The log writer ends once the server's output has (it may still be starting): a failed start leaves
    // nothing running, and its log keeps the server's last words (the load error).
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((r) => {
      timer = setTimeout(r, 10_000, "late");
    });
    if ((await Promise.race([this.logWriterEnded, late])) === "late") this.logWriter?.kill("SIGKILL");
    clearTimeout(timer);
  }
}

/** The server's load error: its first line is the message, the traceback goes in details. */
function loadError(text: string): MlshipError {
  const [first = text, ...rest] = text.split("\n");
  return new MlshipError("E_DEPLOY_FAILED", `The model failed to load: ${first}`, {
    hint: "Fix model_fn (modelFn) or the model artifact; the server log has the full traceback.",
    details: { error: text.slice(0, 4000), traceback: rest.join("\n").slice(0, 4000) || undefined },
  });
}
