import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createHttpInvoker, NODE_RUNTIME_IMAGE } from "@mlship/core";
import { startEmulator } from "@mlship/emulator";
import { startModelServer } from "@mlship/target-local";
import { tempDir } from "@mlship/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createModelSource } from "./model-source.js";
import { exportRimeModelFile } from "./rime-export.js";
import { score } from "./score.js";
import { BINARY, dataset, MULTI, writeCsv } from "./test/data.js";
import { predict, type ResponseShape, startTestServer, type TestModel } from "./test/model-server.js";
import { sklearnPython } from "./test/python.js";

const run = promisify(execFile);
let dir: string;
const cleanup: Array<() => Promise<void>> = [];
beforeEach(() => {
  dir = tempDir("mlship-scoring-");
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/**
 * Loads the generated file as RIME would (a module with predict_dict / predict_df), scores the CSV with
 * predict_df and its first rows with predict_dict, and prints both as JSON.
 */
const RUNNER = `
import importlib.util, json, sys
import pandas as pd
path, data, integration = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spec = importlib.util.spec_from_file_location("rime_model", path)
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
df = pd.read_csv(data, float_precision="round_trip")
kwargs = {"integration_dict": integration} if integration else {}
batch = m.predict_df(df, **kwargs)
single = [m.predict_dict(df.iloc[i].to_dict(), **kwargs) for i in range(3)]
print(json.dumps({"batch": batch.tolist(), "single": [s if isinstance(s, list) else float(s) for s in single]}))
`;

async function runGenerated(file: string, data: string, integration: unknown = null) {
  const { stdout } = await run(sklearnPython(), ["-c", RUNNER, file, data, JSON.stringify(integration)], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return JSON.parse(stdout) as { batch: Array<number | number[]>; single: Array<number | number[]> };
}

async function tsScores(
  url: string,
  features: string[],
  data: string,
  task: "binary" | "multiclass" = "binary",
) {
  const invoker = createHttpInvoker({ url });
  cleanup.push(() => invoker.close());
  const summary = await score({ model: createModelSource({ invoker, features, task }), data });
  return summary.results as Array<number | number[]>;
}

async function testEndpoint(model: TestModel, shape: ResponseShape) {
  const server = await startTestServer(model, shape);
  cleanup.push(() => server.close());
  return server;
}

describe("RIME model file", () => {
  it("fills everything in: no TODOs, valid Python, the feature order", async () => {
    const { source } = await exportRimeModelFile({
      target: "sagemaker",
      deployment: "breast-cancer",
      region: "eu-central-1",
      features: ["mean radius", 'odd "name"'],
    });
    expect(source).not.toMatch(/TODO/i);
    expect(source).toContain('ENDPOINT_NAME = "breast-cancer"');
    expect(source).toContain('REGION = "eu-central-1"');
    expect(source).toContain('FEATURES = ["mean radius","odd \\"name\\""]');
    expect(source).toMatch(/def predict_dict\(x, integration_dict=None\)/);
    expect(source).toMatch(/def predict_df\(df, integration_dict=None\)/);
    const file = join(dir, "model.py");
    await writeFile(file, source);
    await run(sklearnPython(), ["-m", "py_compile", file]);
    await expect(
      exportRimeModelFile({ target: "sagemaker", deployment: "x", features: ["a"] }),
    ).rejects.toMatchObject({
      code: "E_CONFIG",
    });
  });

  for (const shape of ["list", "pairs", "csv-pairs", "npy"] as const) {
    it(`scores like the TypeScript scorer over HTTP (${shape})`, async () => {
      const d = dataset(BINARY, 1200, 51);
      const data = join(dir, "data.csv");
      await writeCsv(data, d);
      const server = await testEndpoint(BINARY, shape);
      const { path } = await exportRimeModelFile({
        target: "http",
        deployment: "local",
        url: server.url,
        features: d.features,
        batchSize: 500,
        out: join(dir, "model.py"),
      });
      const py = await runGenerated(path as string, data);
      const ts = await tsScores(server.url, d.features, data);
      expect(py.batch).toHaveLength(1200);
      py.batch.forEach((s, i) => {
        expect(Math.abs((s as number) - (ts[i] as number))).toBeLessThan(1e-6);
      });
      py.single.forEach((s, i) => {
        expect(Math.abs((s as number) - (ts[i] as number))).toBeLessThan(1e-6);
      });
      expect(server.requests).toBe(3 + 3 + 2);
    });
  }

  it("sends the Kyma bearer token from integration_dict, and refuses to run without one", async () => {
    const d = dataset(BINARY, 50, 52);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const server = await testEndpoint(BINARY, "pairs");
    server.token = "s3cret";
    const { path } = await exportRimeModelFile({
      target: "kyma",
      deployment: "breast-cancer",
      url: `${server.url}/`,
      features: d.features,
      out: join(dir, "model.py"),
    });
    const py = await runGenerated(path as string, data, { token: "s3cret" });
    py.batch.forEach((s, i) => {
      expect(s).toBeCloseTo((d.expected[i] as number[])[0] as number, 12);
    });
    await expect(runGenerated(path as string, data)).rejects.toThrow(/no bearer token/);
    await expect(runGenerated(path as string, data, { token: "wrong" })).rejects.toThrow(/HTTP 401/);
  });

  it("sends numpy scalars in a predict_dict row as JSON numbers", async () => {
    const server = await testEndpoint(BINARY, "pairs");
    const { path } = await exportRimeModelFile({
      target: "http",
      deployment: "local",
      url: server.url,
      features: ["f0", "f1", "f2", "f3"],
      contentType: "application/json",
      out: join(dir, "model.py"),
    });
    const rows = dataset(BINARY, 4, 54).rows.map((r, i) => [r[0], r[1], i - 2, i % 2] as number[]);
    const code = `
import importlib.util, json, sys
import numpy as np
spec = importlib.util.spec_from_file_location("rime_model", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
types = [np.float64, np.float32, np.int64, np.bool_]
rows = [{f: t(v) for f, t, v in zip(m.FEATURES, types, row)} for row in json.loads(sys.argv[2])]
print(json.dumps([m.predict_dict(row) for row in rows]))
`;
    const { stdout } = await run(sklearnPython(), ["-c", code, path as string, JSON.stringify(rows)]);
    const got = JSON.parse(stdout) as number[];
    rows.forEach((r, i) => {
      const x = [r[0] as number, Math.fround(r[1] as number), r[2] as number, r[3] as number];
      expect(got[i]).toBeCloseTo(predict(BINARY, x)[0] as number, 12);
    });
  });

  it("returns class probabilities for a multi-class deployment", async () => {
    const d = dataset(MULTI, 300, 53);
    const data = join(dir, "data.csv");
    await writeCsv(data, d);
    const server = await testEndpoint(MULTI, "csv");
    const { path } = await exportRimeModelFile({
      target: "http",
      deployment: "iris-like",
      url: server.url,
      features: d.features,
      task: "multiclass",
      out: join(dir, "model.py"),
    });
    const py = await runGenerated(path as string, data);
    const ts = await tsScores(server.url, d.features, data, "multiclass");
    py.batch.forEach((row, i) => {
      (row as number[]).forEach((p, k) => {
        expect(Math.abs(p - ((ts[i] as number[])[k] as number))).toBeLessThan(1e-6);
      });
    });
    expect(py.single[0]).toHaveLength(3);
  });

  it("scores a target-local Node deployment like the TypeScript scorer", async () => {
    const modelDir = fileURLToPath(new URL("../../../bench/score/model/", import.meta.url));
    const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
    const data = join(dir, "data.csv");
    const rows = Array.from({ length: 400 }, (_, r) =>
      features.map((_, c) => (((r * 37 + c * 11) % 200) / 50 - 2).toFixed(3)).join(","),
    );
    await writeFile(data, `${features.join(",")}\n${rows.join("\n")}\n`);
    const server = await startModelServer({
      workDir: join(dir, "serve"),
      modelDir,
      submitDirectory: modelDir,
      program: "inference.mjs",
      runtime: "node",
      workers: 1,
    });
    cleanup.push(() => server.close());
    await server.ready();
    const { path } = await exportRimeModelFile({
      target: "http",
      deployment: "bench",
      url: server.url,
      features,
      batchSize: 128,
      out: join(dir, "model.py"),
    });
    const py = await runGenerated(path as string, data);
    const ts = await tsScores(server.url, features, data);
    expect(ts).toHaveLength(400);
    py.batch.forEach((s, i) => {
      expect(Math.abs((s as number) - (ts[i] as number))).toBeLessThan(1e-6);
    });
    expect(await readFile(path as string, "utf8")).not.toMatch(/TODO/);
  });

  it("scores a SageMaker endpoint (the emulator) through boto3 like the TypeScript scorer", async () => {
    const python = sklearnPython();
    const boto = await run(python, ["-c", "import boto3"]).then(
      () => true,
      () => false,
    );
    // Not skipped silently: the generated SageMaker file needs boto3 (Debian: python3-boto3).
    expect(boto, `${python} cannot import boto3; install python3-boto3 (add it to .ci/run)`).toBe(true);
    const emulator = await startEmulator({ dataDir: join(dir, "emulator") });
    cleanup.push(() => emulator.stop());
    const modelDir = fileURLToPath(new URL("../../../bench/score/model/", import.meta.url));
    const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
    const data = join(dir, "data.csv");
    const rows = Array.from({ length: 300 }, (_, r) =>
      features.map((_, c) => (((r * 53 + c * 7) % 160) / 40 - 2).toFixed(3)).join(","),
    );
    await writeFile(data, `${features.join(",")}\n${rows.join("\n")}\n`);
    const env = {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_DEFAULT_REGION: emulator.region,
      PATH: process.env.PATH ?? "",
    };
    // Deploy with boto3 too: bucket, code bundle, model, endpoint config, endpoint; wait for InService.
    await run(
      python,
      [
        "-c",
        `
import io, sys, tarfile, time, boto3
url, code_dir, image = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client("s3", endpoint_url=url)
sm = boto3.client("sagemaker", endpoint_url=url)
s3.create_bucket(Bucket="rime-e2e")
def targz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, path in files:
            tar.add(path, arcname=name)
    return buf.getvalue()
s3.put_object(Bucket="rime-e2e", Key="code/sourcedir.tar.gz", Body=targz([("inference.mjs", code_dir + "/inference.mjs")]))
s3.put_object(Bucket="rime-e2e", Key="model/model.tar.gz", Body=targz([("inference.mjs", code_dir + "/inference.mjs")]))
sm.create_model(ModelName="bench", ExecutionRoleArn="arn:aws:iam::000000000000:role/mlship",
  PrimaryContainer={"Image": image, "ModelDataUrl": "s3://rime-e2e/model/model.tar.gz",
    "Environment": {"SAGEMAKER_PROGRAM": "inference.mjs", "SAGEMAKER_SUBMIT_DIRECTORY": "s3://rime-e2e/code/sourcedir.tar.gz"}})
sm.create_endpoint_config(EndpointConfigName="bench", ProductionVariants=[{"VariantName": "AllTraffic",
  "ModelName": "bench", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
sm.create_endpoint(EndpointName="bench", EndpointConfigName="bench")
for _ in range(600):
    status = sm.describe_endpoint(EndpointName="bench")["EndpointStatus"]
    if status != "Creating":
        break
    time.sleep(0.2)
assert status == "InService", status
`,
        emulator.endpoint,
        modelDir,
        NODE_RUNTIME_IMAGE,
      ],
      { env, timeout: 150_000 },
    );
    const { path } = await exportRimeModelFile({
      target: "sagemaker",
      deployment: "bench",
      region: emulator.region,
      endpointUrl: emulator.endpoint,
      features,
      batchSize: 100,
      out: join(dir, "model.py"),
    });
    const { stdout } = await run(python, ["-c", RUNNER, path as string, data, "null"], {
      env,
      timeout: 120_000,
    });
    const py = JSON.parse(stdout) as { batch: number[]; single: number[] };
    const server = await startModelServer({
      workDir: join(dir, "serve"),
      modelDir,
      submitDirectory: modelDir,
      program: "inference.mjs",
      runtime: "node",
      workers: 1,
    });
    cleanup.push(() => server.close());
    await server.ready();
    const ts = await tsScores(server.url, features, data);
    expect(py.batch).toHaveLength(300);
    py.batch.forEach((s, i) => {
      expect(Math.abs(s - (ts[i] as number))).toBeLessThan(1e-6);
    });
    py.single.forEach((s, i) => {
      expect(Math.abs(s - (ts[i] as number))).toBeLessThan(1e-6);
    });
  });
});
