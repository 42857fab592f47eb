// The Kyma invoker against a real model server (target-local serving the Node example) behind a
// loopback stand-in for the Istio gateway that enforces the bearer token the way a jwt APIRule does.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Client } from "@aws-sdk/client-s3";
import { KubeConfig } from "@kubernetes/client-node";
import { collectingSink, decodeNpy } from "@mlship/core";
import { type ModelServer, runTrainingJob, startModelServer } from "@mlship/target-local";
import {
  type KubeApiServer,
  mlshipRejection,
  simulateControllers,
  startKubeApiServer,
  tempDir,
} from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKymaInvoker, createKymaTarget, invokeKymaEndpoint, payloadBody } from "./index.js";

const EXAMPLES = resolve(fileURLToPath(new URL("../../../examples", import.meta.url)));
const DATA = join(EXAMPLES, "sklearn-breast-cancer", "data");
const ROWS = readFileSync(join(DATA, "test.csv"), "utf8").trim().split("\n").slice(1, 11);
const FEATURES = ROWS.map((r) => r.split(",").slice(1).map(Number));
const CSV = `${FEATURES.map((r) => r.join(",")).join("\n")}\n`;
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtbHNoaXAtdGVzdCJ9.c2lnbmF0dXJlLXZhbHVl";

let model: ModelServer;
let gateway: Server;
let gatewayUrl: string;
const seen: Array<{ url: string; authorization?: string }> = [];
let failNext = 0;

/** Like Istio with a RequestAuthentication + AuthorizationPolicy: no or wrong token -> 403/401, else proxy. */
function gatewayHandler(req: IncomingMessage, res: ServerResponse): void {
  const authorization = req.headers.authorization;
  seen.push({ url: req.url ?? "", ...(authorization ? { authorization } : {}) });
  const open = req.url?.startsWith("/open/");
  if (!open && authorization === undefined) {
    res.writeHead(403, { "content-type": "text/plain" }).end("RBAC: access denied");
    return;
  }
  if (!open && authorization !== `Bearer ${TOKEN}`) {
    res.writeHead(401, { "content-type": "text/plain" }).end("Jwt verification fails");
    return;
  }
  if (failNext > 0) {
    failNext--;
    res.writeHead(503, { "content-type": "text/plain" }).end("upstream connect error");
    return;
  }
  const target = new URL(model.url);
  const path = (req.url ?? "/").replace(/^\/open/, "");
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      path,
      method: req.method,
      headers: { ...req.headers, host: target.host },
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", () => res.writeHead(502).end("bad gateway"));
  req.pipe(upstream);
}

beforeAll(async () => {
  const work = tempDir("kyma-invoke-");
  const run = await runTrainingJob({
    jobName: "kyma-invoke",
    workDir: join(work, "job"),
    runtime: "node",
    entryPoint: "train.mjs",
    sourceDir: join(EXAMPLES, "node-breast-cancer"),
    channels: { train: join(DATA, "train.csv") },
    hyperparameters: { epochs: "200" },
  });
  expect(run.status).toBe("Completed");
  model = await startModelServer({
    workDir: join(work, "serve"),
    runtime: "node",
    modelData: run.modelTarGz as string,
    program: "inference.mjs",
    submitDirectory: join(EXAMPLES, "node-breast-cancer"),
  });
  await model.ready();
  gateway = createServer(gatewayHandler);
  await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", r));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
  await model?.close();
});

const probabilities = (body: Uint8Array) => JSON.parse(new TextDecoder().decode(body)) as number[];

describe("createKymaInvoker", () => {
  it("POSTs /invocations with the bearer token and returns the model's answer", async () => {
    const invoker = createKymaInvoker({ url: gatewayUrl, token: TOKEN });
    try {
      const res = await invoker.invoke({ body: CSV, contentType: "text/csv", accept: "application/json" });
      const p = probabilities(res.body);
      expect(p).toHaveLength(FEATURES.length);
      for (const x of p) expect(x).toBeGreaterThanOrEqual(0);
      for (const x of p) expect(x).toBeLessThanOrEqual(1);
      expect(seen.at(-1)).toEqual({ url: "/invocations", authorization: `Bearer ${TOKEN}` });
      expect(await invoker.ping()).toBe(true);
    } finally {
      await invoker.close();
    }
  });

  it("takes the token from MLSHIP_KYMA_TOKEN and keeps it out of errors and events", async () => {
    process.env.MLSHIP_KYMA_TOKEN = TOKEN;
    const fromEnv = createKymaInvoker({ url: gatewayUrl });
    delete process.env.MLSHIP_KYMA_TOKEN;
    const events = collectingSink();
    const wrong = createKymaInvoker({ url: gatewayUrl, token: `${TOKEN}x`, retries: 1, events });
    const none = createKymaInvoker({ url: gatewayUrl, anonymous: true });
    try {
      await fromEnv.invoke({ body: CSV, contentType: "text/csv" });
      expect(seen.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
      const unauthorized = await mlshipRejection(wrong.invoke({ body: CSV, contentType: "text/csv" }));
      expect(unauthorized.details).toMatchObject({ status: 401 });
      expect(
        JSON.stringify({ e: unauthorized.toJSON(), m: unauthorized.message, events: events.events }),
      ).not.toContain(TOKEN);
      const denied = await mlshipRejection(none.invoke({ body: CSV, contentType: "text/csv" }));
      expect(denied.details).toMatchObject({ status: 403, body: "RBAC: access denied" });
    } finally {
      await Promise.all([fromEnv.close(), wrong.close(), none.close()]);
    }
  });

  it("retries a 503 from the gateway with backoff events", async () => {
    const events = collectingSink();
    const invoker = createKymaInvoker({ url: gatewayUrl, token: TOKEN, events });
    failNext = 2;
    try {
      const res = await invoker.invoke({ body: CSV, contentType: "text/csv" });
      expect(probabilities(res.body)).toHaveLength(FEATURES.length);
      expect(events.of("invoke.retry").map((e) => e.reason)).toEqual(["HTTP 503", "HTTP 503"]);
    } finally {
      failNext = 0;
      await invoker.close();
    }
  });
});

describe("invokeKymaEndpoint (the seed's payload / payload_path)", () => {
  it("accepts a payload string, a payload file, or values, and decodes the answer", async () => {
    const file = join(tempDir("kyma-payload-"), "rows.csv");
    writeFileSync(file, CSV);
    const a = await invokeKymaEndpoint(gatewayUrl, { contentType: "text/csv", payload: CSV, token: TOKEN });
    const b = await invokeKymaEndpoint(gatewayUrl, {
      contentType: "text/csv",
      payloadPath: file,
      token: TOKEN,
    });
    const c = await invokeKymaEndpoint(gatewayUrl, {
      contentType: "application/json",
      payload: FEATURES,
      token: TOKEN,
    });
    expect(a.values).toHaveLength(FEATURES.length);
    expect(b.values).toEqual(a.values);
    expect(c.values).toEqual(a.values);
    const npy = await invokeKymaEndpoint(gatewayUrl, {
      contentType: "text/csv",
      payload: CSV,
      accept: "application/x-npy",
      token: TOKEN,
    });
    expect(npy.contentType).toBe("application/x-npy");
    expect(Array.from(decodeNpy(npy.body).data as Float64Array)).toEqual(a.values);
  });

  it("needs exactly one of payload and payloadPath", async () => {
    expect((await mlshipRejection(payloadBody({ contentType: "text/csv" }))).code).toBe("E_USAGE");
    expect(
      (await mlshipRejection(payloadBody({ contentType: "text/csv", payload: "1", payloadPath: "x" }))).code,
    ).toBe("E_USAGE");
    expect(
      (await mlshipRejection(payloadBody({ contentType: "text/csv", payloadPath: "/nonexistent/rows.csv" })))
        .code,
    ).toBe("E_INVALID_INPUT");
  });
});

describe("KymaTarget.invoker", () => {
  let kube: KubeApiServer;

  beforeAll(async () => {
    kube = await startKubeApiServer({ contextNamespace: "ml" });
    simulateControllers(kube);
  });

  afterAll(async () => {
    await kube?.stop();
  });

  function target(baseUrl: string, token?: string) {
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig);
    return createKymaTarget({
      kubeConfig: kc,
      region: "us-east-1",
      // Presigning is local computation: no S3 call is made.
      s3: new S3Client({
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        forcePathStyle: true,
        credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" },
      }),
      domain: "c-1a2b.kyma.ondemand.com",
      jwtIssuer: "https://tenant.accounts.ondemand.com",
      jwksUri: "https://tenant.accounts.ondemand.com/oauth2/certs",
      pollIntervalMs: 10,
      invokeBaseUrl: baseUrl,
      ...(token ? { token } : {}),
    });
  }

  const model = {
    modelData: "s3://bucket-m/m/model.tar.gz",
    sourceDir: "s3://bucket-m/m/sourcedir.tar.gz",
    entryPoint: "inference.py",
  };

  it("invokes a jwt deployment with the token and a noAuth one without it", async () => {
    const t = target(gatewayUrl, TOKEN);
    const d = await t.deploy({ name: "secured", model, image: "ghcr.io/acme/serving:1" });
    expect(d.url).toBe("https://secured.c-1a2b.kyma.ondemand.com");
    const secured = await t.invoker("secured");
    try {
      const res = await secured.invoke({ body: CSV, contentType: "text/csv" });
      expect(probabilities(res.body)).toHaveLength(FEATURES.length);
      expect(seen.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      await secured.close?.();
    }
    const openTarget = target(`${gatewayUrl}/open`, TOKEN);
    await openTarget.deploy({ name: "public", model, image: "ghcr.io/acme/serving:1", auth: "noAuth" });
    const open = await openTarget.invoker("public");
    try {
      await open.invoke({ body: CSV, contentType: "text/csv" });
      expect(seen.at(-1)).toEqual({ url: "/open/invocations" });
    } finally {
      await open.close?.();
    }
  });

  it("asks for a token before calling a jwt deployment without one", async () => {
    const t = target(gatewayUrl);
    await t.deploy({ name: "needs-token", model, image: "ghcr.io/acme/serving:1" });
    const err = await mlshipRejection(t.invoker("needs-token"));
    expect(err.code).toBe("E_CREDENTIALS");
    expect(err.hint).toContain("MLSHIP_KYMA_TOKEN");
  });
});
