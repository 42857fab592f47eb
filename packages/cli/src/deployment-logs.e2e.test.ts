// `mlship deployments logs <name> [--follow] [--since] [--json]`: the built CLI, spawned as a user would,
// against the emulator (CloudWatch Logs of the endpoint), the local target (the server's log) and the
// Kubernetes API test server (pod logs through client-node; no pod runs there, so the test writes them).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type KubeApiServer, simulateControllers, startKubeApiServer } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  breastCancerData as data,
  emulatorForFile,
  examples,
  ok,
  trainNodeExample,
} from "./test/emulator-cli.js";
import { runCli } from "./test/run-cli.js";

const work = mkdtempSync(join(tmpdir(), "mlship-cli-logs-"));
const code = join(work, "code");
const e2e = emulatorForFile({
  role: "cli-logs",
  work,
  env: { MLSHIP_LOCAL_STATE_DIR: join(work, "local-state") },
});
const { env } = e2e;
let job = "";

// An inference script that logs every request it scores, with the sum of its first row: a line the test
// can ask for by value, so a line from an earlier request cannot pass for it.
const INFERENCE = `
export function modelFn() {
  console.log("model loaded");
  return {};
}
export function predictFn(input) {
  const rows = input.length > 0 && !Array.isArray(input[0]) ? [input] : input;
  const sum = rows[0].reduce((a, b) => a + Number(b), 0);
  if (sum < 0) throw new Error(\`negative sums are not scored: \${sum}\`);
  console.log(\`scoring \${rows.length} row(s), first sums to \${sum}\`);
  return rows.map(() => 0.5);
}
`;

beforeAll(async () => {
  mkdirSync(code, { recursive: true });
  writeFileSync(join(code, "inference.mjs"), INFERENCE);
  job = await trainNodeExample(e2e, 5);
}, 300_000);

const cli = (target: string, args: string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli([...args, "--target", target], { cwd: work, env, ...options });

/**
 * `mlship <args>` (a `deployments logs --follow`) until it has printed `first`, then `write()` (something that
 * logs), until it has printed `then`; then Ctrl-C. Returns what it printed and how it exited.
 */
function follow(
  args: string[],
  options: Parameters<typeof runCli>[1],
  first: string,
  write: () => unknown,
  then: string,
) {
  let wrote = false;
  let stopped = false;
  return runCli(args, {
    ...options,
    timeoutMs: 60_000,
    onOutput: (text, child) => {
      if (!wrote && text.includes(first)) {
        wrote = true;
        void write();
      }
      if (!stopped && text.includes(then)) {
        stopped = true;
        child.kill("SIGINT");
      }
    },
  });
}

/** The README's example commands (example: deployment-logs), as written, without `mlship` and comments. */
function readmeCommands(): string[][] {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const block = /<!-- example: deployment-logs[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .trim()
    .split("\n")
    .map((line) => (line.split("#")[0] ?? "").trim().split(/ +/).slice(1));
}
const README = readmeCommands();

describe.each([
  { target: "sagemaker", stream: /^AllTraffic\/i-[0-9a-f]+$/ },
  { target: "local", stream: undefined },
])("mlship deployments logs --target $target", ({ target, stream }) => {
  // The README's example names the SageMaker endpoint.
  const name = target === "sagemaker" ? "breast-cancer" : `logs-${target}`;

  beforeAll(async () => {
    if (target === "local") {
      ok(
        await cli("local", [
          "train",
          "--entry-point",
          "train.mjs",
          "--source-dir",
          join(examples, "node-breast-cancer"),
          "--data",
          `train=${join(data, "train.csv")}`,
          "--hp",
          "epochs=5",
          "--base-job-name",
          "logs-local",
        ]),
      );
    }
    const model = target === "local" ? (await localJob()).jobName : job;
    ok(
      await cli(target, [
        "deploy",
        "--model",
        model,
        "--name",
        name,
        "--source-dir",
        code,
        "--entry-point",
        "inference.mjs",
      ]),
    );
  }, 300_000);
  afterAll(async () => {
    await cli(target, ["deployments", "delete", name, "--ignore-not-found"]);
  }, 120_000);

  it("prints what the model's server wrote, as lines or JSON lines", async () => {
    ok(await cli(target, ["invoke", name, "--body", "1,2,3"]));
    const human = ok(await cli(target, ["deployments", "logs", name]));
    expect(human.stdout).toContain("model loaded");
    expect(human.stdout).toContain("scoring 1 row(s), first sums to 6");
    const lines = ok(await cli(target, ["deployments", "logs", name, "--json"]))
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { message: string; timestamp?: number; stream?: string });
    const line = lines.find((l) => l.message === "scoring 1 row(s), first sums to 6");
    expect(line).toBeDefined();
    if (stream) expect(line?.stream).toMatch(stream);
    expect(Math.abs((line?.timestamp ?? 0) - Date.now())).toBeLessThan(120_000);
  });

  it("--follow prints a line written after it started, and Ctrl-C exits 130", async () => {
    const r = await follow(
      [...(README[2] ?? []).map((a) => (a === "breast-cancer" ? name : a)), "--target", target],
      { cwd: work, env },
      "model loaded",
      () => cli(target, ["invoke", name, "--body", "40,2"]),
      "first sums to 42",
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("E_ABORTED");
    expect(r.stderr).not.toContain("bug in mlship");
    expect(r.stdout).toContain("first sums to 42");
  }, 90_000);

  it("runs the README's example (example: deployment-logs)", async () => {
    expect(README.map((args) => args.slice(0, 3).join(" "))).toEqual([
      "deployments logs breast-cancer",
      "deployments logs breast-cancer",
      "deployments logs breast-cancer",
      "deployments logs bc",
    ]);
    if (target !== "sagemaker") return;
    expect(ok(await cli(target, README[0] ?? [])).stdout).toContain("first sums to 6");
    const recent = ok(await cli(target, README[1] ?? []))
      .stdout.trim()
      .split("\n");
    expect(recent.map((l) => (JSON.parse(l) as { message: string }).message)).toContain(
      "scoring 1 row(s), first sums to 6",
    );
  });

  it("a model error's hint names the command, and the command shows the model's error", async () => {
    if (target !== "sagemaker") return;
    const failed = await cli(target, ["invoke", name, "--body", "-1,-2"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("E_MODEL_ERROR");
    expect(failed.stderr).toContain(
      `hint: The model's inference code rejected the request. Its log says why: \`mlship deployments logs ${name}\``,
    );
    expect(ok(await cli(target, ["deployments", "logs", name])).stdout).toContain(
      "Error: negative sums are not scored: -3",
    );
  });

  it("an unknown name is E_NOT_FOUND with did you mean", async () => {
    const r = await cli(target, ["deployments", "logs", `${name}x`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("E_NOT_FOUND");
    expect(r.stderr).toContain(`Did you mean "${name}"?`);
  });

  it("--since takes durations and times, and refuses anything else as a usage error", async () => {
    const bad = await cli(target, ["deployments", "logs", name, "--since", "ten minutes"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since takes a duration");
    const future = await cli(target, ["deployments", "logs", name, "--since", "2099-01-01T00:00:00Z"]);
    expect(ok(future).stdout).toBe("");
    expect(ok(await cli(target, ["deployments", "logs", name, "--since", "1h"])).stdout).toContain(
      "model loaded",
    );
  });
});

async function localJob(): Promise<{ jobName: string }> {
  const jobs = JSON.parse(ok(await cli("local", ["jobs", "list", "--json"])).stdout) as Array<{
    jobName: string;
  }>;
  const found = jobs.find((j) => j.jobName.startsWith("logs-local"));
  if (!found) throw new Error("the local training job is missing");
  return found;
}

describe("mlship deployments logs --target kyma", () => {
  let kube: KubeApiServer;
  let project = "";
  const kyma = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli([...args, "--target", "kyma"], { cwd: project, env, ...options });
  const POD = { apiVersion: "v1", kind: "Pod" };
  /** The model container of the deployment's one pod writes `text` now. */
  const podWrites = (text: string) => {
    const [pod] = kube.list(POD, "ml", "app.kubernetes.io/instance=bc");
    kube.appendPodLog("ml", pod?.metadata.name as string, "model", text);
  };

  beforeAll(async () => {
    kube = await startKubeApiServer();
    simulateControllers(kube, { logs: { model: "serving on 8080\n" } });
    project = mkdtempSync(join(work, "kyma-"));
    writeFileSync(join(project, "kubeconfig.yml"), kube.kubeconfig);
    writeFileSync(
      join(project, "mlship.config.json"),
      JSON.stringify({ targets: [["kyma", { namespace: "ml", kubeconfig: "kubeconfig.yml" }]] }),
    );
    ok(
      await kyma([
        "deploy",
        "--model",
        job,
        "--name",
        "bc",
        "--entry-point",
        "inference.mjs",
        "--domain",
        "c-1.kyma.example.com",
        "--auth",
        "none",
        "--image",
        "ghcr.io/acme/node-serving:1",
      ]),
    );
  }, 120_000);
  afterAll(async () => {
    await kube?.stop();
  });

  it("prints the model container's log of each pod, --json tagged <pod>/model with its time", async () => {
    podWrites("scored 3 rows with https://bucket.s3.amazonaws.com/m?X-Amz-Signature=abc\n");
    const human = ok(await kyma(["deployments", "logs", "bc"]));
    expect(human.stdout).toBe("serving on 8080\nscored 3 rows with <presigned-url>\n");
    const lines = ok(await kyma(["deployments", "logs", "bc", "--json"]))
      .stdout.trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { message: string; timestamp: number; stream: string });
    expect(lines.map((l) => l.message)).toEqual(["serving on 8080", "scored 3 rows with <presigned-url>"]);
    for (const l of lines) {
      expect(l.stream).toMatch(/^bc-[0-9a-f]{10}-[0-9a-f]{5}\/model$/);
      expect(Math.abs(l.timestamp - Date.now())).toBeLessThan(120_000);
    }
    expect(ok(await kyma(["deployments", "logs", "bc", "--since", "2099-01-01T00:00:00Z"])).stdout).toBe("");
    // The kubelet's pods/log, with the parameters kubectl sends.
    const logCalls = kube.requests.filter((r) => r.path.endsWith("/log"));
    expect(logCalls.at(-1)?.query).toMatchObject({ container: "model", timestamps: "true", follow: "false" });
    expect(logCalls.at(-1)?.query.sinceTime).toBe("2099-01-01T00:00:00.000Z");
  });

  it("--follow prints lines the pod writes after it started, and Ctrl-C exits 130", async () => {
    const r = await follow(
      README[3] ?? [],
      { cwd: project, env },
      "serving on 8080",
      () => podWrites("a line written while following\n"),
      "while following",
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain("E_ABORTED");
    expect(r.stderr).not.toContain("bug in mlship");
    expect(r.stdout).toContain("a line written while following");
  }, 90_000);

  it("an unknown name is E_NOT_FOUND with did you mean", async () => {
    const r = await kyma(["deployments", "logs", "bd"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("E_NOT_FOUND");
    expect(r.stderr).toContain('Did you mean "bc"?');
  });
});
