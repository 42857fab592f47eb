// The Node model server: the SageMaker serving contract for Node hooks (modelFn, inputFn, predictFn,
// outputFn or transformFn). The primary forks workers with node:cluster; each worker loads the model
// once and serves on the shared port (the primary hands out connections round-robin). The primary
// replaces workers that die and reports on the control file descriptor, like mlship_serve.py.
import cluster from "node:cluster";
import { writeSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Hooks, loadHooks, statusOf, transform } from "./node-hooks.js";
import type { ServerConfig } from "./server-process.js";

const MAX_BODY = 6 * 1024 * 1024;
const DRAIN_LIMIT = 64 * 1024 * 1024;
const LOAD_FAILED_EXIT = 3;

// Workers get the primary's config (with the chosen port) through the environment.
const config = JSON.parse(
  process.env.MLSHIP_SERVER_CONFIG ?? process.argv[process.argv.length - 1] ?? "{}",
) as ServerConfig;

function send(event: string, fields: Record<string, unknown> = {}): void {
  let line = JSON.stringify({ event, ...fields });
  if (line.length > 3900)
    line = JSON.stringify({ event, ...fields, error: String(fields.error ?? "").slice(0, 3000) });
  try {
    writeSync(config.controlFd, `${line}\n`);
  } catch {
    // The launcher went away (a detached deployment): keep serving.
  }
}

function primary(): void {
  let ready = false;
  let stopping = false;
  let loadFailures = 0;
  const readyWorkers = new Set<number>();
  const stop = () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
    setTimeout(() => process.exit(ready ? 0 : 1), 3000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (config.watchStdin) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }
  cluster.setupPrimary({ silent: false });
  const fork = () => {
    const worker = cluster.fork({ MLSHIP_SERVER_CONFIG: JSON.stringify(config) });
    const pid = worker.process.pid;
    send("worker_started", { pid });
    worker.on("message", (message: { event?: string; error?: string; port?: number }) => {
      if (message.event === "load_failed") {
        send("load_failed", { pid, error: message.error });
        if (!ready) {
          send("failed", { error: message.error });
          stop();
        }
      } else if (message.event === "worker_ready" && pid !== undefined) {
        readyWorkers.add(pid);
        send("worker_ready", { pid });
        if (!ready && readyWorkers.size >= config.workers) {
          ready = true;
          send("ready", { pids: [...readyWorkers] });
        }
      }
    });
  };
  cluster.on("exit", (worker, code, signal) => {
    const pid = worker.process.pid;
    if (pid !== undefined) readyWorkers.delete(pid);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(ready ? 0 : 1);
      return;
    }
    send("worker_exited", { pid, code: signal ? null : code, signal: signal ?? null });
    if (code === LOAD_FAILED_EXIT && !ready) return;
    if (code === LOAD_FAILED_EXIT) {
      loadFailures++;
      if (loadFailures >= 5) {
        send("failed", { error: "replacement workers keep failing to load the model" });
        stop();
        return;
      }
      setTimeout(fork, Math.min(5, loadFailures) * 1000);
      return;
    }
    loadFailures = 0;
    fork();
  });
  // Workers only listen once their model has loaded, so the primary picks the port (for port 0)
  // and reports it up front, as the Python master does; connections are refused until a worker is ready.
  void choosePort(config.port, config.host).then(
    (port) => {
      config.port = port;
      send("listening", { pid: process.pid, port });
      for (let i = 0; i < config.workers; i++) fork();
    },
    (error: Error) => {
      send("failed", { error: `cannot listen on ${config.host}:${config.port}: ${error.message}` });
      process.exit(1);
    },
  );
}

function choosePort(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(port, host, () => {
      const chosen = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(chosen));
    });
  });
}

async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > DRAIN_LIMIT) {
    tooLarge(res, declared, true);
    req.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY) chunks.push(chunk as Buffer);
    else if (size > DRAIN_LIMIT) {
      tooLarge(res, size, true);
      req.destroy();
      return undefined;
    }
  }
  if (size > MAX_BODY) {
    tooLarge(res, size, false);
    return undefined;
  }
  return Buffer.concat(chunks);
}

function tooLarge(res: ServerResponse, size: number, close: boolean): void {
  reply(
    res,
    413,
    `Request body is ${size} bytes; the limit is ${MAX_BODY} bytes (6 MB)`,
    "text/plain; charset=utf-8",
    close,
  );
}

function reply(
  res: ServerResponse,
  status: number,
  body: Uint8Array | string,
  type: string,
  close = false,
): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": bytes.length,
    ...(close ? { Connection: "close" } : {}),
  });
  res.end(bytes);
}

async function worker(): Promise<void> {
  let hooks: Hooks;
  let model: unknown;
  try {
    hooks = await loadHooks(pathToFileURL(join(config.codeDir, config.program)).href, config.program);
    model = await hooks.modelFn(config.modelDir);
  } catch (error) {
    const err = error as Error;
    const text = `${err?.name ?? "Error"}: ${err?.message ?? String(error)}\n${err?.stack ?? ""}`;
    process.stderr.write(`${text}\n`);
    process.send?.({ event: "load_failed", error: text }, () => process.exit(LOAD_FAILED_EXIT));
    return;
  }
  const defaultAccept = process.env.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT || "application/json";
  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/ping") return reply(res, 200, "", "text/plain");
    if (req.method === "GET" && path === "/execution-parameters") {
      const body = JSON.stringify({
        MaxConcurrentTransforms: config.workers,
        BatchStrategy: "MULTI_RECORD",
        MaxPayloadInMB: 6,
      });
      return reply(res, 200, body, "application/json");
    }
    if (req.method !== "POST" || path !== "/invocations") return reply(res, 404, "Not Found", "text/plain");
    const body = await readBody(req, res).catch(() => undefined);
    if (!body) return;
    const contentType = req.headers["content-type"] || "application/json";
    const acceptHeader = req.headers.accept;
    const accept = !acceptHeader || acceptHeader.trim() === "*/*" ? defaultAccept : acceptHeader;
    try {
      const out = await transform(hooks, model, body, contentType, accept);
      reply(res, 200, out.body, out.contentType);
    } catch (error) {
      const err = error as Error;
      const status = statusOf(error);
      if (status === 500) process.stderr.write(`${err?.stack ?? String(error)}\n`);
      reply(
        res,
        status,
        `${err?.name ?? "Error"}: ${err?.message ?? String(error)}`,
        "text/plain; charset=utf-8",
      );
    }
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.listen(config.port, config.host, () => {
    process.send?.({ event: "worker_ready" });
  });
  process.on("SIGTERM", () => process.exit(0));
}

if (cluster.isPrimary) primary();
else void worker();
