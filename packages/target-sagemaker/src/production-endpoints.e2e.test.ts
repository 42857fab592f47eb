// Autoscaling, asynchronous inference and data capture through the SageMaker target's production code
// path (real SDK clients over HTTP) against the emulator, whose scaling clock is shortened.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import {
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { collectingSink, NODE_RUNTIME_IMAGE } from "@mlship/core";
import { createS3Client } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig } from "@mlship/emulator";
import { mlshipRejection, runReadmeExample, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerDeploySpec, SageMakerTarget } from "./index.js";
import { startTargetOnEmulator, stopTargetOnEmulator } from "./test/target-on-emulator.js";

let emulator: Emulator;
let target: SageMakerTarget;
let sm: SageMakerClient;
let scaling: ApplicationAutoScalingClient;
let bucket: string;
let model: Pick<SageMakerDeploySpec, "model" | "image">;

// Sums each row; TINY_FAIL=1 makes every prediction fail.
const INFERENCE = `export function modelFn() { return { fail: process.env.TINY_FAIL === "1" }; }
export function predictFn(input, model) {
  if (model.fail) throw new Error("tiny model: failing on purpose");
  const rows = input.length > 0 && !Array.isArray(input[0]) ? [input] : input;
  return rows.map((row) => row.reduce((a, b) => a + Number(b), 0));
}
`;

beforeAll(async () => {
  ({ emulator, target, sm } = await startTargetOnEmulator({
    emulator: {
      autoscaling: { periodSeconds: 0.5, scaleOutDatapoints: 2, scaleInDatapoints: 4 },
      dataCaptureFlushSeconds: 0.2,
    },
    maxPollMs: 300,
  }));
  const config = emulatorClientConfig(emulator);
  scaling = new ApplicationAutoScalingClient(config);
  bucket = `sagemaker-${emulator.region}-${emulator.accountId}`;
  const sourceDir = tempDir();
  writeFileSync(join(sourceDir, "inference.mjs"), INFERENCE);
  const modelDir = tempDir();
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, "model.json"), "{}");
  const tarball = join(tempDir(), "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["model.json"]);
  // The target's default bucket (it would create it on first use; the model goes there first).
  await createS3Client(config).send(new CreateBucketCommand({ Bucket: bucket }));
  await emulator.objectStore.upload(tarball, `s3://${bucket}/tiny/model.tar.gz`);
  model = {
    image: NODE_RUNTIME_IMAGE,
    model: { modelData: `s3://${bucket}/tiny/model.tar.gz`, sourceDir, entryPoint: "inference.mjs" },
  };
}, 60_000);

afterAll(async () => {
  scaling?.destroy();
  await stopTargetOnEmulator({ emulator, target, sm });
}, 60_000);

const RESOURCE = (name: string) => `endpoint/${name}/variant/AllTraffic`;

describe("autoscaling", () => {
  it("registers on deploy, shows counts and policy, updates on redeploy, and delete deregisters everything", async () => {
    const deployment = await target.deploy({
      name: "scaled",
      ...model,
      autoscaling: {
        minInstances: 1,
        maxInstances: 2,
        targetInvocations: 100_000,
        scaleInCooldown: 60,
        scaleOutCooldown: 30,
      },
    });
    expect(deployment.details?.instances).toEqual({ current: 1, desired: 1 });
    expect(deployment.details?.autoscaling).toEqual({
      minInstances: 1,
      maxInstances: 2,
      policy: {
        name: "mlship-invocations-per-instance",
        targetInvocations: 100_000,
        scaleInCooldown: 60,
        scaleOutCooldown: 30,
      },
    });

    // Redeploy with new limits: the plan says so, and the variant comes back with them, starting inside them.
    const spec = {
      name: "scaled",
      ...model,
      autoscaling: { minInstances: 2, maxInstances: 3, targetInvocations: 50 },
    };
    const plan = await target.plan(spec);
    expect(plan.changes.filter((c) => c.kind.startsWith("Scal"))).toEqual([
      {
        action: "update",
        kind: "ScalableTarget",
        name: RESOURCE("scaled"),
        reason: "2-3 instances, once the endpoint serves",
      },
      {
        action: "update",
        kind: "ScalingPolicy",
        name: "mlship-invocations-per-instance",
        reason: "50 invocations per instance per minute",
      },
    ]);
    const redeployed = await target.apply(plan);
    expect(redeployed.instanceCount).toBe(2);
    expect(redeployed.details?.autoscaling).toEqual({
      minInstances: 2,
      maxInstances: 3,
      policy: { name: "mlship-invocations-per-instance", targetInvocations: 50 },
    });
    const targets = await scaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: "sagemaker",
        ResourceIds: [RESOURCE("scaled")],
      }),
    );
    expect(targets.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 3]]);

    await target.delete("scaled");
    expect(
      (await scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker" })))
        .ScalableTargets,
    ).toEqual([]);
    expect(
      (await scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker" })))
        .ScalingPolicies,
    ).toEqual([]);
    expect(
      (await sm.send(new ListEndpointConfigsCommand({ NameContains: "scaled" }))).EndpointConfigs,
    ).toEqual([]);
    expect((await sm.send(new ListModelsCommand({ NameContains: "scaled" }))).Models).toEqual([]);
    await expect(target.get("scaled")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  }, 90_000);

  it("refuses bad limits before creating anything", async () => {
    const error = await mlshipRejection(
      target.deploy({
        name: "bad-limits",
        ...model,
        autoscaling: { minInstances: 3, maxInstances: 2, targetInvocations: 10 },
      }),
    );
    expect(error.code).toBe("E_INVALID_INPUT");
    expect(error.where).toBe("autoscaling.maxInstances");
    const zero = await mlshipRejection(
      target.deploy({
        name: "bad-limits",
        ...model,
        autoscaling: { minInstances: 1, maxInstances: 2, targetInvocations: 0 },
      }),
    );
    expect(zero.where).toBe("autoscaling.targetInvocations");
    expect((await sm.send(new ListModelsCommand({ NameContains: "bad-limits" }))).Models).toEqual([]);
  });
});

describe("asynchronous inference", () => {
  it("uploads the input, waits for the output object with progress events, and reports a failing model's error object", async () => {
    const asyncInference = {
      outputPath: `s3://${bucket}/async/out`,
      failurePath: `s3://${bucket}/async/failed`,
    };
    await target.deploy({ name: "async-ok", ...model, asyncInference });
    await target.deploy({ name: "async-bad", ...model, asyncInference, environment: { TINY_FAIL: "1" } });
    const deployed = await target.get("async-ok");
    expect(deployed.details?.asyncInference).toEqual({
      outputPath: asyncInference.outputPath,
      failurePath: asyncInference.failurePath,
    });
    const file = join(tempDir(), "big.csv");
    writeFileSync(file, "1,2\n3,4\n");

    const events = collectingSink();
    const ok = await target.invokeAsync(
      "async-ok",
      { file, contentType: "text/csv", pollMs: 100 },
      { events },
    );
    expect(ok.status).toBe("Completed");
    expect(new TextDecoder().decode(ok.output)).toBe("[3,7]");
    expect(ok.outputLocation).toBe(`${asyncInference.outputPath}/${ok.inferenceId}.out`);
    expect(ok.inputLocation).toMatch(new RegExp(`^s3://${bucket}/async-ok/async-inputs/.+/big\\.csv$`));
    const statuses = events.of("invoke.async").map((e) => e.status);
    expect(statuses[0]).toBe("Queued");
    expect(statuses.at(-1)).toBe("Completed");

    const failed = await target.invokeAsync("async-bad", {
      inputLocation: ok.inputLocation,
      contentType: "text/csv",
      pollMs: 100,
    });
    expect(failed.status).toBe("Failed");
    expect(failed.error).toMatch(/failing on purpose/);
    expect(failed.failureLocation).toBe(`${asyncInference.failurePath}/${failed.inferenceId}-error.out`);

    const queued = await target.invokeAsync("async-ok", { inputLocation: ok.inputLocation, wait: false });
    expect(queued).toMatchObject({
      status: "Queued",
      outputLocation: `${asyncInference.outputPath}/${queued.inferenceId}.out`,
    });
    expect(queued.output).toBeUndefined();

    const bad = await mlshipRejection(
      target.deploy({ name: "async-x", ...model, asyncInference: { outputPath: "/tmp/out" } }),
    );
    expect(bad.where).toBe("async.outputPath");
    await target.delete("async-ok");
    await target.delete("async-bad");
  }, 90_000);
});

describe("destination buckets", () => {
  it("refuses a deploy whose output, failure or capture bucket does not exist, before creating anything", async () => {
    const missing = "mlship-no-such-bucket";
    const cases = [
      { spec: { asyncInference: { outputPath: `s3://${missing}/out` } }, where: "async.outputPath" },
      {
        spec: { asyncInference: { outputPath: `s3://${bucket}/out`, failurePath: `s3://${missing}/failed` } },
        where: "async.failurePath",
      },
      {
        spec: { dataCapture: { destinationS3Uri: `s3://${missing}/capture`, samplingPercentage: 10 } },
        where: "dataCapture.destinationS3Uri",
      },
    ];
    for (const { spec, where } of cases) {
      const error = await mlshipRejection(target.deploy({ name: "no-bucket", ...model, ...spec }));
      expect(error).toMatchObject({ code: "E_CONFIG", where });
      expect(error.message).toContain(`bucket ${missing} does not exist`);
    }
    expect((await sm.send(new ListModelsCommand({ NameContains: "no-bucket" }))).Models).toEqual([]);
    await expect(target.get("no-bucket")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("stops waiting for an asynchronous answer at once when the endpoint's output bucket is gone", async () => {
    const s3 = createS3Client(emulatorClientConfig(emulator));
    await s3.send(new CreateBucketCommand({ Bucket: "async-gone" }));
    await target.deploy({
      name: "async-gone",
      ...model,
      asyncInference: { outputPath: "s3://async-gone/out" },
    });
    await s3.send(new DeleteBucketCommand({ Bucket: "async-gone" }));
    const file = join(tempDir(), "rows.csv");
    writeFileSync(file, "1,2\n");
    const started = Date.now();
    const error = await mlshipRejection(
      target.invokeAsync("async-gone", { file, contentType: "text/csv", pollMs: 100, timeoutMs: 5_000 }),
    );
    expect(error.code).toBe("E_NOT_FOUND");
    expect(error.message).toContain("output bucket async-gone does not exist");
    expect(error.details).toMatchObject({
      outputLocation: expect.stringMatching(/^s3:\/\/async-gone\/out\//),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    // The endpoint's platform log (the `data-log` stream) says why no answer came, naming the request.
    const uploadFailure = async () => {
      for await (const line of target.endpointLogs("async-gone"))
        if (line.message.includes(`InferenceId ${error.details?.inferenceId}: ResponseUploadFailure`))
          return true;
      return false;
    };
    let logged = false;
    for (let i = 0; i < 50 && !logged; i++) {
      logged = await uploadFailure();
      if (!logged) await new Promise((r) => setTimeout(r, 100));
    }
    expect(logged).toBe(true);
    await target.delete("async-gone");
  }, 60_000);
});

describe("data capture", () => {
  it("deploys SageMaker's DataCaptureConfig with CSV/JSON content types, so captured CSV reads as text", async () => {
    const destination = `s3://${bucket}/capture`;
    const deployment = await target.deploy({
      name: "captured",
      ...model,
      dataCapture: { destinationS3Uri: destination, samplingPercentage: 100 },
    });
    expect(deployment.details?.dataCapture).toEqual({ status: "Started", percentage: 100, destination });
    const invoker = await target.invoker("captured");
    await invoker.invoke({ body: "1,2,3", contentType: "text/csv", accept: "application/json" });
    const s3 = createS3Client(emulatorClientConfig(emulator));
    let keys: string[] = [];
    for (let i = 0; i < 50 && keys.length === 0; i++) {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: "capture/captured/AllTraffic/" }),
      );
      keys = (listed.Contents ?? []).map((o) => o.Key as string);
      if (keys.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(keys).toHaveLength(1);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: bucket, Key: keys[0] }))
    ).Body?.transformToString();
    const record = JSON.parse(body?.trim() ?? "{}");
    expect(record.captureData.endpointInput).toEqual({
      observedContentType: "text/csv",
      mode: "INPUT",
      data: "1,2,3",
      encoding: "CSV",
    });
    expect(record.captureData.endpointOutput.encoding).toBe("JSON");
    const bad = await mlshipRejection(
      target.deploy({
        name: "captured",
        ...model,
        dataCapture: { destinationS3Uri: destination, samplingPercentage: 101 },
      }),
    );
    expect(bad.where).toBe("dataCapture.samplingPercentage");
    await target.delete("captured");
  }, 60_000);
});

describe("README", () => {
  // The README's `example: production-endpoints` block, run as written.
  it("runs the production endpoints example as written", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "big.csv"), "1,2\n3,4\n");
    const cwd = process.cwd();
    process.chdir(dir); // the example's big.csv is a relative path
    let printed: unknown[][];
    try {
      printed = await runReadmeExample(new URL("../README.md", import.meta.url), "production-endpoints", {
        sagemaker: target,
        model: model.model,
        bucket,
      });
    } finally {
      process.chdir(cwd);
    }
    expect(printed[0]).toEqual([
      { current: 1, desired: 1 },
      {
        minInstances: 1,
        maxInstances: 4,
        policy: {
          name: "mlship-invocations-per-instance",
          targetInvocations: 70,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      },
    ]);
    expect(printed[1]?.[0]).toBe("Completed");
    expect(printed[1]?.[2]).toBe("[3,7]");
    await expect(target.get("breast-cancer")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  }, 90_000);
});
