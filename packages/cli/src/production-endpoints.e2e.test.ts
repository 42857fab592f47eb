// The sagemaker plugin's production-endpoint deploy flags (autoscaling, data capture), the built CLI spawned
// as a user would, against the emulator. One quick Node training job serves every deploy here.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { breastCancerData as data, emulatorForFile, json, trainNodeExample } from "./test/emulator-cli.js";
import { runCli } from "./test/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "mlship-cli-production-"));
const e2e = emulatorForFile({ role: "cli-e2e", work });
let job = "";

beforeAll(async () => {
  job = await trainNodeExample(e2e, 50);
}, 300_000);

const cli = (args: string[]) => runCli([...args, "--target", "sagemaker"], { cwd: work, env: e2e.env });
const deployArgs = (name: string) => [
  "deploy",
  "--model",
  job,
  "--name",
  name,
  "--entry-point",
  "inference.mjs",
];
const PRODUCTION = [
  "--min-instances",
  "1",
  "--max-instances",
  "2",
  "--target-invocations",
  "100",
  "--scale-in-cooldown",
  "30",
  "--capture",
  "100",
  "--capture-destination",
];

describe("mlship deploy with the sagemaker plugin's production flags", () => {
  it("plans, then deploys with autoscaling and data capture; deployments get shows both", async () => {
    const name = "prod-flags";
    // The bucket the training job used; a capture bucket that does not exist is refused before deploying.
    const capture = `s3://sagemaker-${e2e.emulator.region}-${e2e.emulator.accountId}/capture`;
    const planned = json<{ changes: Array<{ action: string; kind: string }> }>(
      await cli([...deployArgs(name), ...PRODUCTION, capture, "--dry-run", "--json"]),
    );
    expect(planned.changes.map((c) => `${c.action} ${c.kind}`)).toEqual(
      expect.arrayContaining(["create Endpoint", "create ScalableTarget", "create ScalingPolicy"]),
    );
    expect((await cli(["deployments", "get", name])).code).not.toBe(0); // the dry run created nothing

    const deployed = json<{ status: string }>(
      await cli([...deployArgs(name), ...PRODUCTION, capture, "--json"]),
    );
    expect(deployed.status).toBe("InService");
    const got = json<{ details: Record<string, unknown> }>(await cli(["deployments", "get", name, "--json"]));
    expect(got.details.autoscaling).toMatchObject({
      minInstances: 1,
      maxInstances: 2,
      policy: { name: "mlship-invocations-per-instance", targetInvocations: 100, scaleInCooldown: 30 },
    });
    expect(got.details.dataCapture).toMatchObject({ destination: capture, percentage: 100 });

    // The human view prints each detail as compact JSON (the CLI renders details generically).
    const human = await cli(["deployments", "get", name]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/autoscaling: +\{"minInstances":1,"maxInstances":2,/);
    expect(human.stdout).toMatch(/dataCapture: +\{.*"percentage":100/);
    expect((await cli(["deployments", "delete", name])).code).toBe(0);
  });

  it("deploys an asynchronous endpoint (--async-output); invoke --async waits for the output, --no-wait prints where", async () => {
    const name = "prod-async";
    const output = `s3://sagemaker-${e2e.emulator.region}-${e2e.emulator.accountId}/async-outputs`; // the bucket mlship uploads to
    const deployed = json<{ status: string }>(
      await cli([...deployArgs(name), "--async-output", output, "--json"]),
    );
    expect(deployed.status).toBe("InService");
    const rows = readFileSync(join(data, "test.csv"), "utf8")
      .split("\n")
      .slice(1, 6)
      .map((l) => l.split(",").slice(1).join(","));
    writeFileSync(join(work, "big.csv"), `${rows.join("\n")}\n`);

    const waited = await cli(["invoke", name, "--async", "--file", "big.csv", "--json", "--events"]);
    const answer = json<{ status: string; outputLocation: string; body: number[] }>(waited);
    expect(answer.status).toBe("Completed");
    expect(answer.outputLocation.startsWith(`${output}/`)).toBe(true);
    expect(answer.body).toHaveLength(5);
    const statuses = waited.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; status?: string })
      .filter((e) => e.type === "invoke.async")
      .map((e) => e.status);
    expect(statuses).toEqual(expect.arrayContaining(["Queued", "Completed"]));

    const queued = await cli(["invoke", name, "--async", "--no-wait", "--file", "big.csv"]);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toMatch(
      new RegExp(`^Queued \\S+; the output will be written to ${output}/\\S+\\.out\n$`),
    );

    const noAsync = await cli(["invoke", name, "--no-wait", "--file", "big.csv"]);
    expect(noAsync.code).not.toBe(0);
    expect(noAsync.stderr).toContain("--no-wait only applies to --async");
    expect((await cli(["deployments", "delete", name])).code).toBe(0);
  });

  it("refuses a partial or bad group before anything is created", async () => {
    const partial = await cli([...deployArgs("prod-partial"), "--max-instances", "2", "--json"]);
    expect(partial.code).not.toBe(0);
    expect(JSON.parse(partial.stdout)).toMatchObject({
      error: { code: "E_USAGE", where: "--min-instances" },
    });
    const bad = await cli([
      ...deployArgs("prod-bad"),
      "--capture",
      "50",
      "--capture-destination",
      "bucket/x",
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("Capture destination must be an s3:// URI");
    expect(bad.stderr).toContain("where: --capture-destination");
    const missing = await cli([...deployArgs("prod-missing"), "--async-output", "s3://mlship-missing/out"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("The asynchronous output bucket mlship-missing does not exist");
    expect(missing.stderr).toContain("where: --async-output");
    for (const name of ["prod-partial", "prod-bad", "prod-missing"]) {
      expect((await cli(["deployments", "get", name])).code).not.toBe(0);
    }
  });

  it("a flag of another target's is a usage error naming the target", async () => {
    const kyma = await runCli([...deployArgs("x"), "--target", "kyma", "--capture", "5"], {
      cwd: work,
      env: e2e.env,
    });
    expect(kyma.code).not.toBe(0);
    expect(kyma.stderr).toContain('--capture is not a flag of the "kyma" target');
  });
});
