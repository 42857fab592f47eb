// Plan, then apply, over real wires: the plan (reads and server-side dry runs only) must list exactly what
// applying it changes on the Kubernetes API test server, and change nothing itself.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DeployPlan } from "@mlship/core";
import type { Emulator } from "@mlship/emulator";
import {
  type KubeApiServer,
  mlshipRejection,
  simulateControllers,
  startKubeApiServer,
  tempDir,
} from "@mlship/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { KymaTarget } from "./index.js";
import { kymaTargetOn, startEmulatorWithModel, stopEmulatorWithModel } from "./test/kyma-on-emulator.js";

const BUCKET = "kyma-plans";
const MODEL = `s3://${BUCKET}/bc/output/model.tar.gz`;
const JWT = { jwtIssuer: "https://issuer.example.com", jwksUri: "https://issuer.example.com/certs" };
// What mlship writes; pods and events are the cluster's own doing.
const KINDS = [
  { apiVersion: "v1", kind: "Namespace" },
  { apiVersion: "v1", kind: "Secret" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "gateway.kyma-project.io/v2", kind: "APIRule" },
];

let emulator: Emulator;
let s3: S3Client;
let ecr: ECRClient;
let kube: KubeApiServer;

beforeAll(async () => {
  ({ emulator, s3, ecr } = await startEmulatorWithModel(BUCKET, MODEL));
}, 60_000);

afterAll(() => stopEmulatorWithModel({ emulator, s3, ecr }), 60_000);

beforeEach(async () => {
  kube = await startKubeApiServer({ contextNamespace: "ml" });
  simulateControllers(kube);
});

afterEach(async () => {
  await kube.stop();
});

function target(): KymaTarget {
  return kymaTargetOn(kube, { s3, ecr }, { domain: "c-1.kyma.example.com", ...JWT });
}

/** `Kind name` -> resourceVersion of everything mlship may write. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  for (const type of KINDS) {
    for (const o of kube.list(type)) {
      const name = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
      out.set(`${type.kind} ${name}`, String(o.metadata.resourceVersion));
    }
  }
  return out;
}

/** What changed between two snapshots, as `action Kind name` lines. */
function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const [key, rv] of after) {
    if (!before.has(key)) lines.push(`create ${key}`);
    else if (before.get(key) !== rv) lines.push(`update ${key}`);
  }
  for (const key of before.keys()) if (!after.has(key)) lines.push(`delete ${key}`);
  return lines.sort();
}

function listed(plan: DeployPlan): string[] {
  return plan.changes
    .filter((c) => c.action !== "unchanged" && c.kind !== "S3Object")
    .map((c) => `${c.action} ${c.kind} ${c.name}`)
    .sort();
}

const spec = (extra: Record<string, unknown> = {}) => ({
  name: "bc",
  model: {
    modelData: MODEL,
    sourceDir: `s3://${BUCKET}/bc/source/sourcedir.tar.gz`,
    entryPoint: "inference.py",
  },
  ...extra,
});

/** Plans, checks the plan changed nothing, applies it, and returns the plan with what really changed. */
async function planAndApply(t: KymaTarget, s: ReturnType<typeof spec>) {
  const before = snapshot();
  const writesBefore = kube.requests.filter((r) => r.method !== "GET" && r.query.dryRun !== "All").length;
  const plan = await t.plan(s);
  expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  expect(snapshot()).toEqual(before);
  expect(kube.requests.filter((r) => r.method !== "GET" && r.query.dryRun !== "All").length).toBe(
    writesBefore,
  );
  await t.apply(plan);
  return { plan, changed: diff(before, snapshot()) };
}

describe("plan, then apply", () => {
  it("a first deploy creates exactly what the plan lists, in a new namespace", async () => {
    const { plan, changed } = await planAndApply(target(), spec());
    expect(plan.operation).toBe("create");
    expect(changed).toEqual(listed(plan));
    expect(listed(plan)).toEqual([
      "create APIRule ml/bc",
      "create Deployment ml/bc",
      "create Namespace ml",
      "create Secret ml/bc-ecr-pull",
      "create Secret ml/bc-model-urls",
      "create Service ml/bc",
    ]);
    expect(JSON.stringify(plan)).not.toMatch(/X-Amz-Signature|password/i);
  });

  it("an identical redeploy renews the credentials and leaves the workload unchanged", async () => {
    const t = target();
    await t.deploy(spec());
    const { plan, changed } = await planAndApply(t, spec());
    expect(plan.operation).toBe("update");
    expect(changed).toEqual(listed(plan));
    expect(changed).toEqual(["update Secret ml/bc-ecr-pull", "update Secret ml/bc-model-urls"]);
    expect(plan.changes.filter((c) => c.action === "unchanged").map((c) => c.kind)).toEqual([
      "Deployment",
      "Service",
      "APIRule",
    ]);
  });

  it("a new image updates the Deployment and deletes the pull secret it no longer needs", async () => {
    const t = target();
    await t.deploy(spec());
    const { plan, changed } = await planAndApply(
      t,
      spec({ image: "ghcr.io/acme/serving:1", instanceCount: 2 }),
    );
    expect(changed).toEqual(listed(plan));
    expect(changed).toEqual([
      "delete Secret ml/bc-ecr-pull",
      "update Deployment ml/bc",
      "update Secret ml/bc-model-urls",
    ]);
  });

  it("a local source dir is uploaded by apply, not by plan", async () => {
    const code = tempDir("kyma-plan-code-");
    writeFileSync(join(code, "inference.py"), "def model_fn(model_dir):\n    return None\n");
    const t = target();
    const key = "mlship/kyma/ml/bc/sourcedir.tar.gz";
    const plan = await t.plan(
      spec({ model: { modelData: MODEL, sourceDir: code, entryPoint: "inference.py" } }),
    );
    expect(plan.changes[0]).toMatchObject({
      action: "create",
      kind: "S3Object",
      name: `s3://${BUCKET}/${key}`,
    });
    const head = () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    await expect(head()).rejects.toThrow();
    await t.apply(plan);
    expect((await head()).ContentLength).toBeGreaterThan(0);
  });

  it("a plan made stale by another deploy is refused before anything is written", async () => {
    const t = target();
    const plan = await t.plan(spec());
    await t.deploy(spec());
    const before = snapshot();
    const error = await mlshipRejection(t.apply(plan));
    expect(error.code).toBe("E_PLAN_STALE");
    expect(snapshot()).toEqual(before);
  });
});
