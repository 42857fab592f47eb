import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeJson, decodeNpy, encodeNpy, ndArrayToValues } from "@mlship/core";

/** How the test endpoint shapes its answer. */
export type ResponseShape = "list" | "pairs" | "predictions" | "csv" | "csv-pairs" | "npy" | "npy-pairs";

export interface TestModel {
  /** Binary: one weight row. Multi-class: one row per class (softmax). */
  weights: number[][];
  bias: number[];
}

export interface Faults {
  /** Answer these statuses to the next requests, one per request. */
  statuses?: number[];
  /** A row whose first feature equals this makes the whole request fail with HTTP 500 (a model error). */
  poisonValue?: number;
  /** A row whose first feature equals this gets a score of 1.5. */
  outOfRangeValue?: number;
  /** A row whose first feature equals this gets NaN. */
  nanValue?: number;
  /** Requests with more than one row answer one result short. */
  dropOne?: boolean;
  /** Answer every request this much later. */
  delayMs?: number;
}

export interface TestServer {
  url: string;
  /** When set, requests without `Authorization: Bearer <token>` get 401. */
  token?: string;
  port: number;
  requests: number;
  rows: number;
  /** Largest request body seen, in bytes. */
  maxBody: number;
  /** Most requests being answered at the same time. */
  maxInFlight: number;
  faults: Faults;
  shape: ResponseShape;
  /** Stops listening and drops open connections (the endpoint "dies"). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

export function predict(model: TestModel, x: readonly number[]): number[] {
  const z = model.weights.map((w, k) =>
    w.reduce((acc, wi, i) => acc + wi * (x[i] as number), model.bias[k] as number),
  );
  if (z.length === 1) return [1 / (1 + Math.exp(-(z[0] as number)))];
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function parseRows(body: Buffer, contentType: string): number[][] {
  if (contentType.startsWith("application/x-npy")) {
    const v = ndArrayToValues(decodeNpy(new Uint8Array(body)));
    return (Array.isArray(v[0]) ? v : [v]) as number[][];
  }
  if (contentType.startsWith("application/json")) return decodeJson(body.toString()) as number[][];
  return body
    .toString()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(",").map(Number));
}

function render(shape: ResponseShape, scores: number[][], res: ServerResponse): void {
  const binary = scores[0]?.length === 1;
  const flat = scores.map((s) => (binary ? (s[0] as number) : s));
  const pairs = scores.map((s) => (binary ? [1 - (s[0] as number), s[0] as number] : s));
  switch (shape) {
    case "list":
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(flat));
      return;
    case "pairs":
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(pairs));
      return;
    case "predictions":
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ predictions: flat }));
      return;
    case "csv":
      res.setHeader("content-type", "text/csv");
      res.end(flat.map((v) => (Array.isArray(v) ? v.join(",") : String(v))).join("\n"));
      return;
    case "csv-pairs":
      res.setHeader("content-type", "text/csv");
      res.end(`${pairs.map((p) => p.join(",")).join("\n")}\n`);
      return;
    case "npy":
    case "npy-pairs": {
      res.setHeader("content-type", "application/x-npy");
      const rows = shape === "npy" ? flat : pairs;
      res.end(Buffer.from(encodeNpy(rows as number[] | number[][])));
      return;
    }
  }
}

/** A real HTTP endpoint speaking the SageMaker serving contract, with a fixed model and fault switches. */
export async function startTestServer(model: TestModel, shape: ResponseShape = "list"): Promise<TestServer> {
  let server: Server | undefined;
  const sockets = new Set<import("node:net").Socket>();
  let inFlight = 0;
  const state: TestServer = {
    url: "",
    port: 0,
    requests: 0,
    rows: 0,
    maxBody: 0,
    maxInFlight: 0,
    faults: {},
    shape,
    kill: async () => {
      if (!server) return;
      const s = server;
      server = undefined;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
    revive: () => listen(state.port),
    close: () => state.kill(),
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/ping") {
      res.end("");
      return;
    }
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      state.requests++;
      state.maxBody = Math.max(state.maxBody, body.length);
      if (state.token && req.headers.authorization !== `Bearer ${state.token}`) {
        res.statusCode = 401;
        res.end("missing or wrong bearer token");
        return;
      }
      const status = state.faults.statuses?.shift();
      if (status !== undefined) {
        res.statusCode = status;
        res.end(`injected ${status}`);
        return;
      }
      const rows = parseRows(body, req.headers["content-type"] ?? "text/csv");
      state.rows += rows.length;
      const f = state.faults;
      if (f.poisonValue !== undefined && rows.some((r) => r[0] === f.poisonValue)) {
        const reject = () => {
          res.statusCode = 500;
          res.end("ValueError: could not convert poisoned row");
        };
        if (f.delayMs) setTimeout(reject, f.delayMs);
        else reject();
        return;
      }
      let scores = rows.map((r) => {
        if (r[0] === f.outOfRangeValue) return [1.5];
        if (r[0] === f.nanValue) return [Number.NaN];
        return predict(model, r);
      });
      if (f.dropOne && scores.length > 1) scores = scores.slice(1);
      const send = () => {
        try {
          render(state.shape, scores, res);
        } catch {
          // NaN cannot be written as JSON: send it as text, as a broken model server might.
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(scores.map((s) => s[0])).replace(/null/g, "NaN"));
        }
      };
      if (f.delayMs) setTimeout(send, f.delayMs);
      else send();
    });
  };

  async function listen(port: number): Promise<void> {
    const s = createServer({ keepAliveTimeout: 5000 }, handle);
    s.on("connection", (sock) => {
      sockets.add(sock);
      sock.on("close", () => sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    server = s;
    state.port = (s.address() as AddressInfo).port;
    state.url = `http://127.0.0.1:${state.port}`;
  }
  await listen(0);
  return state;
}
