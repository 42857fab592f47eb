// Production endpoint features through the real AWS SDK v3 clients against startEmulator(): Application
// Auto Scaling driving a variant's instances under load, InvokeEndpointAsync, and data capture.
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  ObjectNotFoundException,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  waitUntilEndpointInService,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointAsyncCommand,
  InvokeEndpointCommand,
  SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import { tempDir } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";
import { tinyModel, tinyModelTarball } from "../sagemaker/tiny-model.js";

const BUCKET = "mlship-prod";
const DIMENSION = "sagemaker:variant:DesiredInstanceCount";
let emulator: Emulator;
let s3: S3Client;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let scaling: ApplicationAutoScalingClient;

beforeAll(async () => {
  emulator = await startEmulator({
    // Short CloudWatch periods so a scale-out and a scale-in each take seconds.
    autoscaling: { periodSeconds: 0.5, scaleOutDatapoints: 2, scaleInDatapoints: 4 },
    dataCaptureFlushSeconds: 0.2,
  });
  const config = emulatorClientConfig(emulator);
  s3 = new S3Client(config);
  sm = new SageMakerClient(config);
  runtime = new SageMakerRuntimeClient(config);
  scaling = new ApplicationAutoScalingClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await emulator.objectStore.upload(await tinyModelTarball(tempDir()), `s3://${BUCKET}/tiny/model.tar.gz`);
  await sm.send(new CreateModelCommand(tinyModel("tiny", `s3://${BUCKET}/tiny/model.tar.gz`)));
  await sm.send(
    new CreateModelCommand(tinyModel("tiny-failing", `s3://${BUCKET}/tiny/model.tar.gz`, { TINY_FAIL: "1" })),
  );
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

async function endpoint(
  name: string,
  model: string,
  extra: Partial<CreateEndpointConfigCommandInput> = {},
): Promise<void> {
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: [
        { VariantName: "AllTraffic", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
      ],
      ...extra,
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  await waitUntilEndpointInService(
    { client: sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 },
    { EndpointName: name },
  );
}

async function instances(name: string): Promise<{ current?: number; desired?: number }> {
  const d = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
  const v = d.ProductionVariants?.[0];
  return { current: v?.CurrentInstanceCount, desired: v?.DesiredInstanceCount };
}

/** Sends requests from `workers` loops, pausing `pauseMs` between them, until `stop()` is true; counts outcomes. */
async function load(name: string, workers: number, pauseMs: number, stop: () => boolean) {
  const tally = { ok: 0, failed: 0, errors: [] as string[] };
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stop()) {
        try {
          const out = await runtime.send(
            new InvokeEndpointCommand({ EndpointName: name, ContentType: "text/csv", Body: "1,2,3" }),
          );
          if (new TextDecoder().decode(out.Body) === "[6]") tally.ok++;
          else tally.failed++;
        } catch (error) {
          tally.failed++;
          tally.errors.push(String(error));
        }
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    }),
  );
  return tally;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe("Application Auto Scaling on the emulator", () => {
  it("scales a variant from 1 to 2 instances under load and back to 1 after it, answering every request", async () => {
    await endpoint("scaled", "tiny");
    const resourceId = "endpoint/scaled/variant/AllTraffic";
    await scaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        MinCapacity: 1,
        MaxCapacity: 2,
      }),
    );
    const policy = await scaling.send(
      new PutScalingPolicyCommand({
        PolicyName: "invocations",
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: DIMENSION,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          // Per instance per minute: the load below is far above it, the trickle after it far below.
          TargetValue: 1000,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
          ScaleOutCooldown: 1,
          ScaleInCooldown: 1,
        },
      }),
    );
    expect(policy.PolicyARN).toMatch(
      /^arn:aws:autoscaling:us-east-1:000000000000:scalingPolicy:.+:resource\/sagemaker\/endpoint\/scaled\/variant\/AllTraffic:policyName\/invocations$/,
    );
    expect(policy.Alarms?.map((a) => a.AlarmName)).toEqual([
      expect.stringMatching(/^TargetTracking-endpoint\/scaled\/variant\/AllTraffic-AlarmHigh-/),
      expect.stringMatching(/^TargetTracking-endpoint\/scaled\/variant\/AllTraffic-AlarmLow-/),
    ]);
    expect(await instances("scaled")).toEqual({ current: 1, desired: 1 });

    // Scale-out: load until two instances serve, then a little longer so requests cross the transition.
    let scaledOut = 0;
    const bound = Date.now() + 30_000;
    const heavyLoad = load(
      "scaled",
      3,
      0,
      () => Date.now() > bound || (scaledOut > 0 && Date.now() > scaledOut + 1500),
    );
    const watchOut = await until(async () => {
      const n = await instances("scaled");
      if (n.current === 2) scaledOut = Date.now();
      return n.current === 2;
    }, 30_000);
    const heavy = await heavyLoad;
    expect(watchOut).toBe(true);
    expect(heavy.failed, heavy.errors.slice(0, 3).join("\n")).toBe(0);
    expect(heavy.ok).toBeGreaterThan(100);

    // Scale-in: a trickle (~240 per minute, under 90 % of the target) keeps requests flowing across it.
    let scaledIn = 0;
    const trickleBound = Date.now() + 30_000;
    const trickle = load(
      "scaled",
      1,
      250,
      () => Date.now() > trickleBound || (scaledIn > 0 && Date.now() > scaledIn + 1000),
    );
    const watchIn = await until(async () => {
      const n = await instances("scaled");
      if (n.current === 1) scaledIn = Date.now();
      return n.current === 1 && n.desired === 1;
    }, 30_000);
    const light = await trickle;
    expect(watchIn).toBe(true);
    expect(light.failed, light.errors.slice(0, 3).join("\n")).toBe(0);
    expect(light.ok).toBeGreaterThan(0);
    console.log(`load test: ${heavy.ok} answered during scale-out, ${light.ok} during scale-in, 0 failed`);

    const activities = await scaling.send(
      new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: resourceId }),
    );
    expect(activities.ScalingActivities?.map((a) => [a.Description, a.StatusCode])).toEqual([
      ["Setting desired instance count to 1.", "Successful"],
      ["Setting desired instance count to 2.", "Successful"],
    ]);
    expect(activities.ScalingActivities?.[1]?.Cause).toMatch(/AlarmHigh.*triggered policy invocations/);
  }, 120_000);

  it("registers, describes, updates and deregisters targets and policies with AWS's errors", async () => {
    await endpoint("limits", "tiny");
    const id = {
      ServiceNamespace: "sagemaker" as const,
      ResourceId: "endpoint/limits/variant/AllTraffic",
      ScalableDimension: DIMENSION as "sagemaker:variant:DesiredInstanceCount",
    };
    await expect(
      scaling.send(
        new RegisterScalableTargetCommand({
          ...id,
          ResourceId: "endpoint/nope/variant/AllTraffic",
          MinCapacity: 1,
          MaxCapacity: 2,
        }),
      ),
    ).rejects.toThrow(/does not exist/);
    await expect(
      scaling.send(new RegisterScalableTargetCommand({ ...id, MinCapacity: 3, MaxCapacity: 2 })),
    ).rejects.toThrow(/cannot be greater than maximum/);
    await expect(
      scaling.send(
        new PutScalingPolicyCommand({
          ...id,
          PolicyName: "p",
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 5,
            PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
          },
        }),
      ),
    ).rejects.toBeInstanceOf(ObjectNotFoundException);

    const first = await scaling.send(
      new RegisterScalableTargetCommand({ ...id, MinCapacity: 1, MaxCapacity: 3 }),
    );
    // Registering again updates the limits in place (same ARN), as a redeploy does; the instance count
    // is brought inside the new range.
    const again = await scaling.send(
      new RegisterScalableTargetCommand({ ...id, MinCapacity: 2, MaxCapacity: 4 }),
    );
    expect(again.ScalableTargetARN).toBe(first.ScalableTargetARN);
    const described = await scaling.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [id.ResourceId] }),
    );
    expect(described.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 4]]);
    expect(described.ScalableTargets?.[0]?.CreationTime).toBeInstanceOf(Date);
    expect(await until(async () => (await instances("limits")).current === 2, 20_000)).toBe(true);

    await scaling.send(
      new PutScalingPolicyCommand({
        ...id,
        PolicyName: "p",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 5,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
          ScaleInCooldown: 600,
        },
      }),
    );
    const policies = await scaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: id.ResourceId }),
    );
    expect(
      policies.ScalingPolicies?.map((p) => p.TargetTrackingScalingPolicyConfiguration?.ScaleInCooldown),
    ).toEqual([600]);
    await scaling.send(new DeleteScalingPolicyCommand({ ...id, PolicyName: "p" }));
    await expect(
      scaling.send(new DeleteScalingPolicyCommand({ ...id, PolicyName: "p" })),
    ).rejects.toBeInstanceOf(ObjectNotFoundException);

    await scaling.send(
      new PutScalingPolicyCommand({
        ...id,
        PolicyName: "q",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 5,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerVariantInvocationsPerInstance" },
        },
      }),
    );
    await scaling.send(new DeregisterScalableTargetCommand(id));
    // Deregistering a target removes its policies too.
    expect(
      (
        await scaling.send(
          new DescribeScalingPoliciesCommand({ ServiceNamespace: "sagemaker", ResourceId: id.ResourceId }),
        )
      ).ScalingPolicies,
    ).toEqual([]);
    expect(
      (
        await scaling.send(
          new DescribeScalableTargetsCommand({ ServiceNamespace: "sagemaker", ResourceIds: [id.ResourceId] }),
        )
      ).ScalableTargets,
    ).toEqual([]);
    await expect(scaling.send(new DeregisterScalableTargetCommand(id))).rejects.toBeInstanceOf(
      ObjectNotFoundException,
    );
  }, 60_000);
});

async function text(uri: string): Promise<string | undefined> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) as RegExpExecArray;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    return await out.Body?.transformToString();
  } catch {
    return undefined;
  }
}

describe("InvokeEndpointAsync on the emulator", () => {
  it("queues requests, writes each output object, and writes the error object for a failing model", async () => {
    const async = (name: string) => ({
      AsyncInferenceConfig: {
        ClientConfig: { MaxConcurrentInvocationsPerInstance: 1 },
        OutputConfig: {
          S3OutputPath: `s3://${BUCKET}/async/${name}/out`,
          S3FailurePath: `s3://${BUCKET}/async/${name}/failed`,
        },
      },
    });
    await endpoint("asynchronous", "tiny", async("ok"));
    await endpoint("asynchronous-failing", "tiny-failing", async("bad"));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "async/input.csv", Body: "1,2,3\n4,5,6\n" }));

    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        runtime.send(
          new InvokeEndpointAsyncCommand({
            EndpointName: "asynchronous",
            InputLocation: `s3://${BUCKET}/async/input.csv`,
            ContentType: "text/csv",
          }),
        ),
      ),
    );
    for (const answer of answers) {
      expect(answer.OutputLocation).toBe(`s3://${BUCKET}/async/ok/out/${answer.InferenceId}.out`);
      expect(answer.FailureLocation).toBe(`s3://${BUCKET}/async/ok/failed/${answer.InferenceId}-error.out`);
    }
    let outputs: Array<string | undefined> = [];
    await until(async () => {
      outputs = await Promise.all(answers.map((a) => text(a.OutputLocation as string)));
      return outputs.every((o) => o !== undefined);
    }, 20_000);
    expect(outputs).toEqual(["[6,15]", "[6,15]", "[6,15]"]);

    const failing = await runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: "asynchronous-failing",
        InputLocation: `s3://${BUCKET}/async/input.csv`,
        ContentType: "text/csv",
        InferenceId: "will-fail",
      }),
    );
    expect(failing.InferenceId).toBe("will-fail");
    let error: string | undefined;
    await until(async () => {
      error = await text(failing.FailureLocation as string);
      return error !== undefined;
    }, 20_000);
    expect(error).toMatch(/ModelError|failing on purpose/);
    expect(await text(failing.OutputLocation as string)).toBeUndefined();

    // A real-time endpoint is not an async one.
    await expect(
      runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: "scaled",
          InputLocation: `s3://${BUCKET}/async/input.csv`,
        }),
      ),
    ).rejects.toThrow(/not an asynchronous endpoint/);
  }, 60_000);
});

interface CaptureRecord {
  captureData: Record<string, { data: string; encoding: string }>;
  eventMetadata: { eventId: string; inferenceId: string; inferenceTime: string };
  eventVersion: string;
}

describe("data capture on the emulator", () => {
  async function captured(prefix: string): Promise<CaptureRecord[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const records: CaptureRecord[] = [];
    for (const object of listed.Contents ?? []) {
      expect(object.Key).toMatch(
        new RegExp(
          `^${prefix}AllTraffic/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{2}-\\d{2}-\\d{3}-[0-9a-f-]{36}\\.jsonl$`,
        ),
      );
      const body = (await text(`s3://${BUCKET}/${object.Key}`)) ?? "";
      records.push(
        ...body
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line)),
      );
    }
    return records;
  }

  it("captures every request at 100 percent and none at 0, in SageMaker's JSON Lines format", async () => {
    const capture = (percent: number, name: string) => ({
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: percent,
        DestinationS3Uri: `s3://${BUCKET}/capture/${name}`,
        CaptureOptions: [{ CaptureMode: "Input" as const }, { CaptureMode: "Output" as const }],
        CaptureContentTypeHeader: { CsvContentTypes: ["text/csv"], JsonContentTypes: ["application/json"] },
      },
    });
    await endpoint("captured-all", "tiny", capture(100, "all"));
    await endpoint("captured-none", "tiny", capture(0, "none"));
    const described = await sm.send(new DescribeEndpointCommand({ EndpointName: "captured-all" }));
    expect(described.DataCaptureConfig).toEqual({
      EnableCapture: true,
      CaptureStatus: "Started",
      CurrentSamplingPercentage: 100,
      DestinationS3Uri: `s3://${BUCKET}/capture/all`,
    });
    for (const name of ["captured-all", "captured-none"]) {
      for (let i = 0; i < 5; i++) {
        await runtime.send(
          new InvokeEndpointCommand({
            EndpointName: name,
            ContentType: "text/csv",
            Body: `${i},1`,
            InferenceId: `row-${i}`,
          }),
        );
      }
    }
    let records: CaptureRecord[] = [];
    await until(async () => {
      records = await captured("capture/all/captured-all/");
      return records.length === 5;
    }, 10_000);
    expect(records).toHaveLength(5);
    const sorted = records.sort((a, b) =>
      a.eventMetadata.inferenceId.localeCompare(b.eventMetadata.inferenceId),
    );
    expect(sorted[0]).toEqual({
      captureData: {
        endpointInput: { observedContentType: "text/csv", mode: "INPUT", data: "0,1", encoding: "CSV" },
        endpointOutput: {
          observedContentType: "application/json",
          mode: "OUTPUT",
          data: "[1]",
          encoding: "JSON",
        },
      },
      eventMetadata: {
        eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        inferenceId: "row-0",
        inferenceTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      },
      eventVersion: "0",
    });
    // Give the 0 % endpoint the same flushes the 100 % one needed: still nothing.
    await new Promise((r) => setTimeout(r, 600));
    expect(await captured("capture/none/")).toEqual([]);
  }, 60_000);
});
