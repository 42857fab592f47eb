import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isMlshipError, type MlshipError } from "../errors.js";
import { collectingSink } from "../events.js";
import { createHttpInvoker, type HttpInvoker, type HttpInvokerOptions } from "./http-invoker.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  bytes: Buffer;
}

interface TestServer {
  url: string;
  seen: Seen[];
  connections: number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, n: number) => void;

const servers: Server[] = [];
const invokers: HttpInvoker[] = [];

async function startServer(handler: Handler): Promise<TestServer> {
  const state: TestServer = { url: "", seen: [], connections: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const bytes = Buffer.concat(chunks);
      const seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: bytes.toString(),
        bytes,
      };
      state.seen.push(seen);
      handler(req, res, seen, state.seen.length);
    });
  });
  server.on("connection", () => {
    state.connections++;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

function invoker(options: HttpInvokerOptions): HttpInvoker {
  const inv = createHttpInvoker({ retryBaseDelayMs: 1, ...options });
  invokers.push(inv);
  return inv;
}

async function rejection(p: Promise<unknown>): Promise<MlshipError> {
  try {
    await p;
  } catch (e) {
    if (isMlshipError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection");
}

const csv = { body: "1,2\n3,4\n", contentType: "text/csv", accept: "application/json" };
const ok: Handler = (_req, res, seen) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ echo: seen.body }));
};

afterEach(async () => {
  await Promise.all(invokers.splice(0).map((i) => i.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

describe("createHttpInvoker", () => {
  it("POSTs the body with content-type, accept, auth and custom headers", async () => {
    const server = await startServer(ok);
    const inv = invoker({ url: server.url, bearerToken: "tok-123", headers: { "x-team": "ml" } });
    const res = await inv.invoke({ ...csv, customAttributes: "trace=1" });
    expect(JSON.parse(new TextDecoder().decode(res.body))).toEqual({ echo: "1,2\n3,4\n" });
    expect(res.contentType).toBe("application/json");
    const [seen] = server.seen;
    expect(seen).toMatchObject({ method: "POST", url: "/invocations" });
    expect(seen?.headers).toMatchObject({
      "content-type": "text/csv",
      accept: "application/json",
      authorization: "Bearer tok-123",
      "x-team": "ml",
      "x-amzn-sagemaker-custom-attributes": "trace=1",
    });
  });

  it("reads the response content type and custom attributes, whatever their case", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/csv; charset=utf-8",
        "X-Amzn-SageMaker-Custom-Attributes": "model=v2",
      });
      res.end("0.5\n");
    });
    const res = await invoker({ url: server.url }).invoke(csv);
    expect(res).toMatchObject({ contentType: "text/csv; charset=utf-8", customAttributes: "model=v2" });
  });

  it("waits at least the server's Retry-After, capped by maxRetryDelayMs", async () => {
    const server = await startServer((req, res, seen, n) => {
      if (n === 1) res.writeHead(429, { "retry-after": "5" }).end();
      else ok(req, res, seen, n);
    });
    const sink = collectingSink();
    await invoker({ url: server.url, maxRetryDelayMs: 300, events: sink }).invoke(csv);
    expect(sink.of("invoke.retry").map((e) => e.delayMs)).toEqual([300]);
  });

  it("sends binary bodies unchanged and keeps a base path prefix", async () => {
    const server = await startServer((_req, res, seen) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(seen.bytes);
    });
    const inv = invoker({ url: `${server.url}/models/m1/`, pingPath: "/healthz" });
    const bytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const res = await inv.invoke({ body: bytes, contentType: "application/x-npy" });
    expect(Array.from(res.body)).toEqual(Array.from(bytes));
    expect(server.seen[0]?.url).toBe("/models/m1/invocations");
    await inv.ping();
    expect(server.seen[1]?.url).toBe("/models/m1/healthz");
  });

  it("reuses keep-alive connections for sequential requests", async () => {
    const server = await startServer(ok);
    const inv = invoker({ url: server.url });
    for (let i = 0; i < 10; i++) await inv.invoke(csv);
    expect(server.seen).toHaveLength(10);
    // undici may open a second socket while the first is draining; never one per request.
    expect(server.connections).toBeLessThanOrEqual(2);
  });

  it("retries 503 and 429 with backoff events, then succeeds", async () => {
    const server = await startServer((req, res, seen, n) => {
      if (n === 1) res.writeHead(503).end("busy");
      else if (n === 2) res.writeHead(429, { "retry-after": "0" }).end("slow down");
      else ok(req, res, seen, n);
    });
    const sink = collectingSink();
    const inv = invoker({ url: server.url, events: sink });
    const res = await inv.invoke(csv);
    expect(res.contentType).toBe("application/json");
    expect(server.seen).toHaveLength(3);
    const retries = sink.of("invoke.retry");
    expect(retries.map((e) => [e.attempt, e.reason])).toEqual([
      [1, "HTTP 503"],
      [2, "HTTP 429"],
    ]);
    for (const e of retries) expect(e.delayMs).toBeGreaterThanOrEqual(0);
  });

  it("gives up after the configured retries with E_MODEL_ERROR and the status", async () => {
    const server = await startServer((_req, res) => res.writeHead(502).end("bad gateway"));
    const sink = collectingSink();
    const inv = invoker({ url: server.url, retries: 2, events: sink });
    const e = await rejection(inv.invoke(csv));
    expect(e.code).toBe("E_MODEL_ERROR");
    expect(e.details).toMatchObject({ status: 502, body: "bad gateway", attempts: 3 });
    expect(server.seen).toHaveLength(3);
    expect(sink.of("invoke.retry")).toHaveLength(2);
  });

  it("does not retry a model error and keeps a body excerpt", async () => {
    const server = await startServer((_req, res) =>
      res.writeHead(500).end(`ValueError: bad input ${"x".repeat(5000)}`),
    );
    const inv = invoker({ url: server.url });
    const e = await rejection(inv.invoke(csv));
    expect(e.code).toBe("E_MODEL_ERROR");
    expect(e.message).toContain("HTTP 500: ValueError: bad input");
    expect(String(e.details?.body).length).toBeLessThanOrEqual(1001);
    expect(server.seen).toHaveLength(1);
  });

  it("maps 413 and 415 to their own codes", async () => {
    const server = await startServer((_req, res, _seen, n) => res.writeHead(n === 1 ? 413 : 415).end());
    const inv = invoker({ url: server.url });
    expect((await rejection(inv.invoke(csv))).code).toBe("E_PAYLOAD_TOO_LARGE");
    expect((await rejection(inv.invoke(csv))).code).toBe("E_UNSUPPORTED_MEDIA_TYPE");
  });

  it("retries a connection reset", async () => {
    const server = await startServer((req, res, seen, n) => {
      if (n === 1) req.socket.destroy();
      else ok(req, res, seen, n);
    });
    const sink = collectingSink();
    const inv = invoker({ url: server.url, events: sink });
    await inv.invoke(csv);
    expect(server.seen).toHaveLength(2);
    const [retry] = sink.of("invoke.retry");
    expect(retry?.reason).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
  });

  it("fails with E_NETWORK once resets exhaust the retries", async () => {
    const server = await startServer((req) => req.socket.destroy());
    const inv = invoker({ url: server.url, retries: 1 });
    const e = await rejection(inv.invoke(csv));
    expect(e.code).toBe("E_NETWORK");
    expect(e.details).toMatchObject({ attempts: 2 });
    expect(server.seen).toHaveLength(2);
  });

  it("times out a request that gets no answer", async () => {
    const server = await startServer(() => {
      // never answers
    });
    const inv = invoker({ url: server.url, timeoutMs: 200 });
    const e = await rejection(inv.invoke(csv));
    expect(e.code).toBe("E_TIMEOUT");
    expect(server.seen).toHaveLength(1);
  });

  it("stops when the caller aborts, even while backing off", async () => {
    const server = await startServer((_req, res) => res.writeHead(503).end());
    const inv = invoker({ url: server.url, retryBaseDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    const controller = new AbortController();
    const sink = collectingSink();
    const inv2 = invoker({
      url: server.url,
      retryBaseDelayMs: 60_000,
      maxRetryDelayMs: 60_000,
      events: sink,
    });
    const pending = rejection(inv2.invoke({ ...csv, signal: controller.signal }));
    for (let i = 0; i < 1000 && sink.of("invoke.retry").length === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect((await pending).code).toBe("E_ABORTED");
    const aborted = AbortSignal.abort();
    expect((await rejection(inv.invoke({ ...csv, signal: aborted }))).code).toBe("E_ABORTED");
  });

  it("never leaks the bearer token into errors or events", async () => {
    const token = "very-secret-token-42";
    const server = await startServer((_req, res, seen) => res.writeHead(503).end(`no ${seen.url}`));
    const sink = collectingSink();
    const inv = invoker({ url: server.url, bearerToken: token, retries: 1, events: sink });
    const e = await rejection(inv.invoke(csv));
    expect(server.seen[0]?.headers.authorization).toBe(`Bearer ${token}`);
    const dump = JSON.stringify([e.toJSON(), e.message, e.stack, String(e.cause), sink.events]);
    expect(dump).not.toContain(token);
  });

  it("keeps the bearer token out of the body excerpt when a server echoes the request", async () => {
    const token = "very-secret-token-42";
    const server = await startServer((req, res) =>
      res.writeHead(401).end(`rejected authorization: ${req.headers.authorization}`),
    );
    const e = await rejection(invoker({ url: server.url, bearerToken: token }).invoke(csv));
    expect(e.code).toBe("E_MODEL_ERROR");
    expect(e.details?.body).toBe("rejected authorization: Bearer <redacted>");
    expect(JSON.stringify([e.toJSON(), e.message, e.stack])).not.toContain(token);
  });

  it("pings: true on 2xx, false otherwise or when nothing listens", async () => {
    const server = await startServer((req, res) => res.writeHead(req.url === "/ping" ? 200 : 404).end());
    expect(await invoker({ url: server.url }).ping()).toBe(true);
    expect(await invoker({ url: server.url, pingPath: "/nope" }).ping()).toBe(false);
    await server.close();
    expect(await invoker({ url: server.url }).ping()).toBe(false);
  });

  it("rejects a non-http URL with E_CONFIG", () => {
    try {
      createHttpInvoker({ url: "ftp://example.com" });
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_CONFIG");
    }
  });

  it("fails with E_NETWORK after close", async () => {
    const server = await startServer(ok);
    const inv = invoker({ url: server.url });
    await inv.invoke(csv);
    await inv.close();
    const e = await rejection(inv.invoke(csv));
    expect(e.code).toBe("E_NETWORK");
    expect(e.details).toMatchObject({ attempts: 1 });
  });
});
