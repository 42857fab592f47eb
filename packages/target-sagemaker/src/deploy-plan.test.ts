// Plan, then apply, over real wires (AWS SDK v3 against the emulator): the plan is made with reads only and
// lists exactly the models, endpoint configs, endpoints, buckets and objects that applying it changes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { DeployPlan } from "@mlship/core";
import { createS3Client } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig } from "@mlship/emulator";
import { mlshipRejection, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerTarget } from "./index.js";
import { startTargetOnEmulator, stopTargetOnEmulator } from "./test/target-on-emulator.js";

let emulator: Emulator;
let target: SageMakerTarget;
let sm: SageMakerClient;
let s3: S3Client;
const modelData = "s3://plan-models/m/model.tar.gz";
let sourceDir: string;

beforeAll(async () => {
  ({ emulator, target, sm } = await startTargetOnEmulator());
  const config = emulatorClientConfig(emulator);
  s3 = createS3Client(config);
  sourceDir = tempDir();
  writeFileSync(
    join(sourceDir, "inference.mjs"),
    "export async function modelFn() { return {}; }\nexport function predictFn(rows) { return rows.map(() => 0.5); }\n",
  );
  const modelDir = tempDir();
  writeFileSync(join(modelDir, "model.json"), "{}");
  const tarball = join(tempDir(), "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["model.json"]);
  await s3.send(new CreateBucketCommand({ Bucket: "plan-models" }));
  await emulator.objectStore.upload(tarball, modelData);
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await stopTargetOnEmulator({ emulator, target, sm });
}, 60_000);

/** Everything a deploy may touch: `Kind name` -> a version (the endpoint's config). */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const m of (await sm.send(new ListModelsCommand({}))).Models ?? [])
    out.set(`Model ${m.ModelName}`, "");
  for (const c of (await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs ?? [])
    out.set(`EndpointConfig ${c.EndpointConfigName}`, "");
  for (const e of (await sm.send(new ListEndpointsCommand({}))).Endpoints ?? []) {
    const described = await target.get(e.EndpointName as string);
    out.set(`Endpoint ${e.EndpointName}`, String(described.details?.endpointConfigName));
  }
  for (const b of (await s3.send(new ListBucketsCommand({}))).Buckets ?? []) {
    out.set(`S3Bucket s3://${b.Name}`, "");
    for (const o of (await s3.send(new ListObjectsV2Command({ Bucket: b.Name }))).Contents ?? [])
      out.set(`S3Object s3://${b.Name}/${o.Key}`, String(o.ETag));
  }
  return out;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, version] of after) {
    if (!before.has(key)) lines.push(`create ${key}`);
    else if (before.get(key) !== version) lines.push(`update ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`delete ${key}`);
  return lines.sort();
}

const listed = (plan: DeployPlan) =>
  plan.changes
    .filter((c) => c.action !== "unchanged")
    .map((c) => `${c.action} ${c.kind} ${c.name}`)
    .sort();

const spec = { name: "planned", model: { modelData, sourceDir: "", entryPoint: "inference.mjs" } };

async function planAndApply(): Promise<{ plan: DeployPlan; changed: string[] }> {
  const before = await snapshot();
  const plan = await target.plan({ ...spec, model: { ...spec.model, sourceDir } });
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  expect(await snapshot()).toEqual(before);
  await target.apply(plan);
  return { plan, changed: diff(before, await snapshot()) };
}

describe("plan, then apply (SageMaker on the emulator)", () => {
  it("a first deploy creates the default bucket, the code, the model, its config and the endpoint", async () => {
    const { plan, changed } = await planAndApply();
    expect(plan.operation).toBe("create");
    expect(changed).toEqual(listed(plan));
    expect(plan.changes.map((c) => `${c.action} ${c.kind}`)).toEqual([
      "create S3Bucket",
      "create S3Object",
      "create Model",
      "create EndpointConfig",
      "create Endpoint",
    ]);
  });

  it("a redeploy points the endpoint at a new config, then deletes the old config and model", async () => {
    const old = (await target.get("planned")).details?.endpointConfigName as string;
    const { plan, changed } = await planAndApply();
    expect(plan.operation).toBe("update");
    expect(changed).toEqual(listed(plan));
    expect(plan.changes.filter((c) => c.action === "delete").map((c) => `${c.kind} ${c.name}`)).toEqual([
      `EndpointConfig ${old}`,
      `Model ${old}`,
    ]);
    expect(plan.changes).toContainEqual(
      expect.objectContaining({ action: "update", kind: "Endpoint", name: "planned" }),
    );
  });

  it("refuses a plan the endpoint no longer matches, before creating anything", async () => {
    const plan = await target.plan({ ...spec, name: "stale", model: { ...spec.model, sourceDir } });
    await target.deploy({ ...spec, name: "stale", model: { ...spec.model, sourceDir } });
    const before = await snapshot();
    expect((await mlshipRejection(target.apply(plan))).code).toBe("E_PLAN_STALE");
    expect(await snapshot()).toEqual(before);
  });
});
