import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type {
  CreateEndpointConfigCommandInput,
  CreateModelCommandInput,
  DescribeEndpointCommandOutput,
  EndpointStatus,
} from "@aws-sdk/client-sagemaker";
import { collectingSink } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { describe, expect, it } from "vitest";
import type { SageMakerApi } from "./api.js";
import { createSageMakerTarget } from "./target.js";

const ROLE = "arn:aws:iam::123456789012:role/R";
const notFound = (what: string) =>
  Object.assign(new Error(`Could not find ${what}.`), { name: "ValidationException" });

/**
 * An in-memory fake of our SageMakerApi port: endpoints move through the statuses queued for them, one per
 * DescribeEndpoint, so tests can script what SageMaker would report. Records every call.
 */
function fakeSageMaker() {
  const calls: string[] = [];
  const models = new Map<string, CreateModelCommandInput>();
  const configs = new Map<string, CreateEndpointConfigCommandInput>();
  const endpoints = new Map<string, { config: string; queue: EndpointStatus[]; status: EndpointStatus }>();
  const describe = (name: string): DescribeEndpointCommandOutput => {
    const e = endpoints.get(name);
    if (!e) throw notFound(`endpoint "${name}"`);
    e.status = e.queue.shift() ?? e.status;
    if (e.status === ("Gone" as EndpointStatus)) {
      endpoints.delete(name);
      throw notFound(`endpoint "${name}"`);
    }
    return {
      EndpointName: name,
      EndpointStatus: e.status,
      EndpointConfigName: e.config,
      $metadata: {},
    } as never;
  };
  const unused = async (): Promise<never> => {
    throw new Error("not used by these tests");
  };
  const api: SageMakerApi = {
    createTrainingJob: unused,
    describeTrainingJob: unused,
    listTrainingJobs: unused,
    stopTrainingJob: unused,
    createTransformJob: unused,
    describeTransformJob: unused,
    stopTransformJob: unused,
    listTransformJobs: unused,
    async createModel(i) {
      calls.push(`createModel ${i.ModelName}`);
      models.set(i.ModelName as string, i);
      return { $metadata: {} } as never;
    },
    async describeModel(i) {
      const m = models.get(i.ModelName as string);
      if (!m) throw notFound(`model "${i.ModelName}"`);
      return { ...m, $metadata: {} } as never;
    },
    async deleteModel(i) {
      calls.push(`deleteModel ${i.ModelName}`);
      if (!models.delete(i.ModelName as string)) throw notFound(`model "${i.ModelName}"`);
      return {};
    },
    async createEndpointConfig(i) {
      calls.push(`createEndpointConfig ${i.EndpointConfigName}`);
      configs.set(i.EndpointConfigName as string, i);
      return { $metadata: {} } as never;
    },
    async describeEndpointConfig(i) {
      const c = configs.get(i.EndpointConfigName as string);
      if (!c) throw notFound(`endpoint configuration "${i.EndpointConfigName}"`);
      return { ...c, $metadata: {} } as never;
    },
    async deleteEndpointConfig(i) {
      calls.push(`deleteEndpointConfig ${i.EndpointConfigName}`);
      if (!configs.delete(i.EndpointConfigName as string)) throw notFound("endpoint configuration");
      return {};
    },
    async createEndpoint(i) {
      calls.push(`createEndpoint ${i.EndpointName}`);
      endpoints.set(i.EndpointName as string, {
        config: i.EndpointConfigName as string,
        queue: ["Creating", "InService"],
        status: "Creating",
      });
      return { $metadata: {} } as never;
    },
    async describeEndpoint(i) {
      calls.push(`describeEndpoint ${i.EndpointName}`);
      return describe(i.EndpointName as string);
    },
    async updateEndpoint(i) {
      calls.push(`updateEndpoint ${i.EndpointName}`);
      const e = endpoints.get(i.EndpointName as string);
      if (e?.status !== "InService")
        throw Object.assign(new Error("Cannot update in-progress endpoint"), { name: "ValidationException" });
      e.config = i.EndpointConfigName as string;
      e.queue = ["Updating", "InService"];
      return { $metadata: {} } as never;
    },
    async deleteEndpoint(i) {
      calls.push(`deleteEndpoint ${i.EndpointName}`);
      const e = endpoints.get(i.EndpointName as string);
      if (!e) throw notFound("endpoint");
      e.queue = ["Deleting", "Gone" as EndpointStatus];
      return {};
    },
    listEndpoints: unused,
  };
  return { api, calls, models, configs, endpoints };
}

function targetOver(api: SageMakerApi) {
  const none = {} as never;
  return createSageMakerTarget({
    region: "us-east-1",
    role: ROLE,
    api,
    logs: none,
    runtime: none,
    sts: none,
    s3: {} as S3Client,
    poll: { intervalMs: 1, maxIntervalMs: 1 },
  });
}

const model = { modelData: "s3://bucket-1/job/output/model.tar.gz" };

describe("deploy (over a fake SageMakerApi port)", () => {
  it("waits for an endpoint that is still updating before updating it", async () => {
    const fake = fakeSageMaker();
    const target = targetOver(fake.api);
    await target.deploy({ name: "ep", model });
    const first = fake.endpoints.get("ep")?.config as string;
    // Someone else's update is in flight: two more Updating reports before InService.
    (fake.endpoints.get("ep") as { queue: EndpointStatus[] }).queue = ["Updating", "Updating", "InService"];
    const events = collectingSink();
    const dep = await target.deploy({ name: "ep", model }, { events });
    expect(dep.status).toBe("InService");
    expect(fake.calls.filter((c) => c.startsWith("updateEndpoint"))).toHaveLength(1);
    expect(fake.endpoints.get("ep")?.config).not.toBe(first);
    // The previous config and model are gone, the new ones stay.
    expect([...fake.configs.keys()]).toEqual([fake.endpoints.get("ep")?.config]);
    expect([...fake.models.keys()]).toEqual([fake.endpoints.get("ep")?.config]);
    expect(events.of("deploy.status").map((e) => e.status)).toEqual([
      "Updating",
      "InService",
      "Updating",
      "InService",
    ]);
  });

  it("builds the model from an artifact: image for the version, env, no program without code", async () => {
    const fake = fakeSageMaker();
    await targetOver(fake.api).deploy({ name: "ep", model, frameworkVersion: "1.0-1" });
    const [created] = [...fake.models.values()];
    expect(created?.PrimaryContainer).toEqual({
      Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.0-1-cpu-py3",
      ModelDataUrl: model.modelData,
      Environment: { SAGEMAKER_CONTAINER_LOG_LEVEL: "20", SAGEMAKER_REGION: "us-east-1" },
    });
  });

  it("checks the endpoint config before it creates a model or replaces a failed endpoint", async () => {
    const fake = fakeSageMaker();
    const target = targetOver(fake.api);
    await target.deploy({ name: "ep", model });
    fake.calls.length = 0;
    const err = await target.deploy({ name: "ep", model, instanceCount: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_INVALID_INPUT", where: "instanceCount" });
    expect(fake.calls).toEqual([]);
  });

  it("refuses a local model.sourceDir without the entry point, or a bad version, before uploading it", async () => {
    const fake = fakeSageMaker();
    const sourceDir = tempDir();
    writeFileSync(join(sourceDir, "inference.py"), "def model_fn(d): pass\n");
    const uploads: unknown[] = [];
    const target = createSageMakerTarget({
      region: "us-east-1",
      role: ROLE,
      api: fake.api,
      logs: {} as never,
      runtime: {} as never,
      sts: {} as never,
      s3: { send: async (c: unknown) => uploads.push(c) } as unknown as S3Client,
      bucket: "bucket-1",
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ model: { ...model, sourceDir, entryPoint: "inferenze.py" } }, "model.entryPoint"],
      [
        { model: { ...model, sourceDir, entryPoint: "inference.py" }, frameworkVersion: "9.9" },
        "frameworkVersion",
      ],
    ];
    for (const [spec, where] of cases) {
      const err = await target.deploy({ name: "ep", ...spec } as never).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "E_INVALID_INPUT", where });
    }
    expect(uploads).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it("deletes idempotently and removes the config and model after the endpoint is gone", async () => {
    const fake = fakeSageMaker();
    const target = targetOver(fake.api);
    await target.deploy({ name: "ep", model });
    await target.delete("ep");
    expect(fake.endpoints.size + fake.configs.size + fake.models.size).toBe(0);
    const order = fake.calls.filter((c) => /^delete/.test(c)).map((c) => c.split(" ")[0]);
    expect(order).toEqual(["deleteEndpoint", "deleteEndpointConfig", "deleteModel"]);
    await target.delete("ep");
  });
});
