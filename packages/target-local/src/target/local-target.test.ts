import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  collectingSink,
  createContainer,
  createTargetPlugin,
  isMlshipError,
  type MlshipEvent,
  resolveDeployTarget,
  resolveTrainTarget,
} from "@mlship/core";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import plugin, { createLocalTarget, type LocalTarget } from "../index.js";
import {
  dirObjectStore,
  nodeExample,
  processesMatching,
  SAMPLE_ROW,
  tempDir,
  trainCsv,
  waitGone,
  writeFiles,
} from "../test-support/fixtures.js";
import { type JobRecord, jobNameFor } from "./local-training.js";

let tmp: { dir: string; cleanup: () => Promise<void> };
let target: LocalTarget;
const serverPids = new Set<number>();

beforeAll(async () => {
  tmp = await tempDir();
  target = createLocalTarget({ stateDir: join(tmp.dir, "state"), workers: 1 });
});
afterAll(async () => {
  for (const d of await target.listDeployments()) await target.delete(d.name);
  expect(await waitGone([...serverPids])).toEqual([]);
  await tmp.cleanup();
});

const pidOf = (d: { details?: Record<string, unknown> }) => d.details?.pid as number;
const codeOf = (e: unknown) => (isMlshipError(e) ? e.code : String(e));

describe("the local target plugin", () => {
  it("creates a training and a deployment target named local from validated options", async () => {
    const container = createContainer();
    const found = { name: plugin.name, specifier: "@mlship/target-local", resolved: "", plugin };
    const loaded = await createTargetPlugin(
      found,
      { config: { stateDir: join(tmp.dir, "plugin-state"), workers: "2" } },
      container,
    );
    expect(loaded.options).toEqual({ stateDir: join(tmp.dir, "plugin-state"), workers: 2 });
    expect(resolveTrainTarget(container, "local").name).toBe("local");
    expect(resolveDeployTarget(container, "local").name).toBe("local");
    const typo = createTargetPlugin(
      found,
      { config: { stateDri: "x" }, configFile: "mlship.config.json" },
      container,
    );
    await expect(typo).rejects.toMatchObject({
      code: "E_CONFIG",
      where: "mlship.config.json#targets.local.stateDri",
    });
  });

  it("names jobs like the SageMaker SDK, within 63 characters", () => {
    const now = new Date(Date.UTC(2026, 10, 23, 14, 5, 9, 7));
    expect(jobNameFor({ entryPoint: "train.py" }, now)).toBe("train-2026-11-23-14-05-09-007");
    const long = jobNameFor({ entryPoint: "x.py", baseJobName: "a_very/long name".repeat(8) }, now);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^a-very-long-name.*-2026-11-23-14-05-09-007$/);
    expect(() => jobNameFor({ entryPoint: "x.py", jobName: "../etc" })).toThrow(/Invalid training job name/);
  });
});

describe("training with the local target", () => {
  let jobName: string;

  it("trains the Node example and keeps the job for describe, list, logs and downloadArtifacts", async () => {
    const sink = collectingSink();
    const run = await target.train(
      {
        entryPoint: "train.mjs",
        sourceDir: nodeExample,
        channels: { train: trainCsv },
        hyperparameters: { epochs: 200 },
        baseJobName: "breast-cancer",
        metricDefinitions: [{ name: "train:accuracy", regex: "train_accuracy=([0-9.]+);" }],
      },
      { events: sink },
    );
    jobName = run.jobName;
    const accuracy = sink.of("training.metric").map((e) => e.value);
    expect(accuracy).toHaveLength(1);
    expect(run.finalMetrics).toEqual([
      { name: "train:accuracy", value: accuracy[0], timestamp: expect.any(String) },
    ]);
    expect(jobName).toMatch(/^breast-cancer-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$/);
    expect(run).toMatchObject({ target: "local", status: "Completed", framework: "node" });
    expect(run.modelArtifact).toMatch(/^file:\/\/.*model\.tar\.gz$/);
    expect(run.hyperparameters).toMatchObject({ epochs: "200", sagemaker_program: '"train.mjs"' });
    expect(sink.of("training.status").map((e) => e.secondaryStatus)).toContain("Training");

    const again = createLocalTarget({ stateDir: join(tmp.dir, "state") }); // another process, same state dir
    expect(await again.describe(jobName)).toMatchObject({
      status: "Completed",
      jobName,
      finalMetrics: run.finalMetrics,
    });
    expect((await again.listTrainingJobs()).map((r) => r.jobName)).toContain(jobName);
    const lines: string[] = [];
    for await (const event of again.logs(jobName)) lines.push(event.message);
    expect(lines.some((l) => l.startsWith("training on 455 rows"))).toBe(true);

    const files = await again.downloadArtifacts(jobName, join(tmp.dir, "artifacts"));
    expect(files.map((f) => f.slice(join(tmp.dir, "artifacts").length + 1)).sort()).toEqual([
      "model.json",
      "output/metrics.json",
    ]);
  });

  it("rejects with E_TRAINING_FAILED when the script fails and records why", async () => {
    const code = await writeFiles(join(tmp.dir, "failing"), {
      "train.mjs": 'throw new Error("no label column");\n',
    });
    const error = await target
      .train({ entryPoint: "train.mjs", sourceDir: code, jobName: "fails-1" })
      .catch((e) => e);
    expect(codeOf(error)).toBe("E_TRAINING_FAILED");
    expect((error as Error).message).toContain("no label column");
    expect(await target.describe("fails-1")).toMatchObject({ status: "Failed" });
    await expect(
      target.train({ entryPoint: "train.mjs", sourceDir: code, jobName: "fails-1" }),
    ).rejects.toMatchObject({
      code: "E_ALREADY_EXISTS",
    });
    await expect(target.describe("nope")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("stop() from another process kills the job's process tree and marks it Stopped", async () => {
    const code = await writeFiles(join(tmp.dir, "hanging"), {
      "train.mjs": "setInterval(() => {}, 1000);\n",
    });
    const run = await target.train({
      entryPoint: "train.mjs",
      sourceDir: code,
      jobName: "hangs-1",
      wait: false,
    });
    expect(run.status).toBe("InProgress");
    const file = join(tmp.dir, "state", "jobs", "hangs-1", "job.json");
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      pid = (JSON.parse(await readFile(file, "utf8")) as JobRecord).pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pid).toBeDefined();
    const other = createLocalTarget({ stateDir: join(tmp.dir, "state") });
    await other.stop("hangs-1");
    expect(await waitGone([pid as number])).toEqual([]);
    let status = "";
    for (let i = 0; i < 100 && status !== "Stopped"; i++) {
      status = (await target.describe("hangs-1")).status;
      if (status !== "Stopped") await new Promise((r) => setTimeout(r, 50));
    }
    const final = await target.describe("hangs-1");
    expect(final, JSON.stringify(final)).toMatchObject({ status: "Stopped" });
  });

  it("stop() from another process while the job still downloads its data stops it there", async () => {
    const code = await writeFiles(join(tmp.dir, "downloading"), {
      "train.mjs": "console.log('the script ran');\n",
    });
    const store = dirObjectStore(join(tmp.dir, "bucket-root"));
    await writeFiles(join(tmp.dir, "bucket-root", "b"), { "train.csv": "a,b\n1,2\n" });
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = {
      ...store,
      download: async (...a: Parameters<typeof store.download>) => {
        await gate;
        return store.download(...a);
      },
    };
    const runner = createLocalTarget({ stateDir: join(tmp.dir, "state"), objectStore: slow });
    let downloading = () => {};
    const reached = new Promise<void>((r) => {
      downloading = r;
    });
    const events = (e: MlshipEvent) => {
      if (e.type === "training.status" && e.secondaryStatus === "Downloading") downloading();
    };
    const done = runner.train(
      {
        entryPoint: "train.mjs",
        sourceDir: code,
        jobName: "downloading-1",
        channels: { train: "s3://b/train.csv" },
      },
      { events },
    );
    await reached;
    await createLocalTarget({ stateDir: join(tmp.dir, "state") }).stop("downloading-1");
    await new Promise((r) => setTimeout(r, 600));
    release();
    expect(await done).toMatchObject({ status: "Stopped" });
    const log = await readFile(join(tmp.dir, "state", "jobs", "downloading-1", "training.log"), "utf8");
    expect(log).not.toContain("the script ran");
  });

  it("rejects with E_ABORTED when the caller's signal stops the job, which is recorded Stopped", async () => {
    const code = await writeFiles(join(tmp.dir, "interrupted"), {
      "train.mjs": "console.log('started'); setInterval(() => {}, 1000);\n",
    });
    const controller = new AbortController();
    const events = (e: MlshipEvent) => {
      if (e.type === "training.log" && e.message === "started") controller.abort(new Error("Ctrl-C"));
    };
    const error = await target
      .train(
        { entryPoint: "train.mjs", sourceDir: code, jobName: "interrupted-1" },
        { signal: controller.signal, events },
      )
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe("E_ABORTED");
    expect(await target.describe("interrupted-1")).toMatchObject({ status: "Stopped" });
  });

  it("follows a running job's log until it ends", async () => {
    const code = await writeFiles(join(tmp.dir, "chatty"), {
      "train.mjs":
        "for (let i = 1; i <= 3; i++) { console.log('step ' + i); await new Promise((r) => setTimeout(r, 300)); }\n",
    });
    await target.train({ entryPoint: "train.mjs", sourceDir: code, jobName: "chatty-1", wait: false });
    const lines: string[] = [];
    for await (const event of target.logs("chatty-1", { follow: true })) lines.push(event.message);
    expect(lines.filter((l) => l.startsWith("step "))).toEqual(["step 1", "step 2", "step 3"]);
    expect(lines.at(-1)).toBe("Training job Completed");
    expect((await target.describe("chatty-1")).status).toBe("Completed");
  });

  describe("deploying it", () => {
    it("serves the job's model, found again by a later process, then updates and deletes it", async () => {
      const sink = collectingSink();
      const deployed = await target.deploy(
        { name: "bc", model: { trainingJob: jobName, entryPoint: "inference.mjs" } },
        { events: sink },
      );
      serverPids.add(pidOf(deployed));
      expect(deployed).toMatchObject({ target: "local", name: "bc", status: "InService" });
      expect(sink.of("deploy.status").map((e) => e.status)).toEqual(["Creating", "InService"]);

      const later = createLocalTarget({ stateDir: join(tmp.dir, "state") });
      expect(await later.get("bc")).toMatchObject({ status: "InService", url: deployed.url });
      expect((await later.listDeployments()).map((d) => d.name)).toEqual(["bc"]);
      const invoker = await later.invoker("bc");
      const res = await invoker.invoke({ body: SAMPLE_ROW.join(","), contentType: "text/csv" });
      const [p] = JSON.parse(new TextDecoder().decode(res.body)) as number[];
      expect(p).toBeGreaterThan(0.5);
      expect(p).toBeLessThanOrEqual(1);
      await invoker.close?.();

      const updated = await later.update("bc", {
        model: { trainingJob: jobName, entryPoint: "inference.mjs" },
      });
      serverPids.add(pidOf(updated));
      expect(updated.status).toBe("InService");
      expect(pidOf(updated)).not.toBe(pidOf(deployed));
      expect(await waitGone([pidOf(deployed)])).toEqual([]);

      await later.delete("bc");
      expect(await waitGone([pidOf(updated)])).toEqual([]);
      await expect(target.get("bc")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      await later.delete("bc"); // idempotent
    });

    it("lets one deployer at a time work on a name: the second gets E_CONFLICT naming the first's pid", async () => {
      const spec = { name: "twin", model: { trainingJob: jobName, entryPoint: "inference.mjs" } };
      const results = await Promise.allSettled([target.deploy(spec), target.deploy(spec)]);
      const ok = results.filter((r) => r.status === "fulfilled");
      const refused = results.filter((r) => r.status === "rejected");
      expect(ok).toHaveLength(1);
      serverPids.add(pidOf((ok[0] as PromiseFulfilledResult<{ details?: Record<string, unknown> }>).value));
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
        code: "E_CONFLICT",
        details: expect.objectContaining({ pid: process.pid }),
      });
      await target.delete("twin");
    });

    it("stops every server a deployment ever started on delete, also one its record lost", async () => {
      const deployed = await target.deploy({
        name: "lost",
        model: { trainingJob: jobName, entryPoint: "inference.mjs" },
      });
      const pid = pidOf(deployed);
      serverPids.add(pid);
      // The record keeps only one server (as two racing deployers left it before there was a lock).
      const file = join(tmp.dir, "state", "deployments", "lost", "deployment.json");
      const record = JSON.parse(await readFile(file, "utf8"));
      await writeFile(file, JSON.stringify({ ...record, pid: 999_999_999 }));
      await target.delete("lost");
      expect(await waitGone([pid])).toEqual([]);
    });

    it("refuses an unsafe model archive with E_INVALID_INPUT before writing anything", async () => {
      const src = join(tmp.dir, "unsafe-model");
      await writeFiles(src, { "model.joblib": "x" });
      await symlink("/etc/passwd", join(src, "passwd"));
      const archive = join(tmp.dir, "unsafe.tar.gz");
      await createTar({ gzip: true, file: archive, cwd: src, portable: true }, ["model.joblib", "passwd"]);
      await expect(
        target.deploy({ name: "unsafe", model: { modelData: archive, entryPoint: "inference.mjs" } }),
      ).rejects.toMatchObject({ code: "E_INVALID_INPUT", message: expect.stringContaining("passwd") });
      await target.delete("unsafe");
    });

    it("reports a deployment whose server died as Failed", async () => {
      const deployed = await target.deploy({
        name: "dies",
        model: { trainingJob: jobName, entryPoint: "inference.mjs" },
      });
      const pid = pidOf(deployed);
      serverPids.add(pid);
      process.kill(-pid, "SIGKILL");
      expect(await waitGone([pid])).toEqual([]);
      const seen = await target.get("dies");
      expect(seen.status).toBe("Failed");
      expect(seen.failureReason).toMatch(/not running/);
      await expect(target.invoker("dies")).rejects.toMatchObject({ code: "E_DEPLOY_FAILED" });
      await target.delete("dies");
    });

    it("rejects a deploy from an unknown training job or no model before recording anything", async () => {
      await expect(
        target.deploy({ name: "typo", model: { trainingJob: "no-such-job" } }),
      ).rejects.toMatchObject({ code: "E_NOT_FOUND", where: "model.trainingJob" });
      await expect(target.deploy({ name: "typo", model: {} })).rejects.toMatchObject({
        code: "E_INVALID_INPUT",
      });
      await expect(target.get("typo")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      expect((await target.listDeployments()).map((d) => d.name)).not.toContain("typo");
    });

    it("a deploy called off while model_fn loads stops its server and leaves no deployment", async () => {
      const model = await writeFiles(join(tmp.dir, "called-off"), {
        "inference.mjs":
          "export async function modelFn() { await new Promise((r) => setTimeout(r, 120000)); return {}; }\n",
      });
      const run = await target.train({ entryPoint: "inference.mjs", sourceDir: model, jobName: "slow-1" });
      const controller = new AbortController();
      const events = (e: MlshipEvent) => {
        if (e.type === "deploy.status" && e.status === "Creating") setTimeout(() => controller.abort(), 500);
      };
      const error = await target
        .deploy(
          { name: "called-off", model: { trainingJob: run.jobName } },
          { signal: controller.signal, events },
        )
        .catch((e: unknown) => e);
      expect(codeOf(error)).toBe("E_ABORTED");
      await expect(target.get("called-off")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      expect(await processesMatching(join(tmp.dir, "state", "deployments", "called-off", ""))).toEqual([]);
    });

    it("delete() stops a server still loading its model, e.g. when its deployer was killed", async () => {
      const model = await writeFiles(join(tmp.dir, "loading"), {
        "inference.mjs":
          "export async function modelFn() { await new Promise((r) => setTimeout(r, 120000)); return {}; }\n",
      });
      const run = await target.train({ entryPoint: "inference.mjs", sourceDir: model, jobName: "loading-1" });
      const deploying = target
        .deploy({ name: "loading", model: { trainingJob: run.jobName } })
        .catch((e: unknown) => e);
      const running = async () => processesMatching(join(tmp.dir, "state", "deployments", "loading", ""));
      const file = join(tmp.dir, "state", "deployments", "loading", "deployment.json");
      // Once the server listens, the record names it (without that, only the dying deployer knew its pid).
      let pid: number | undefined;
      for (let i = 0; i < 100 && pid === undefined; i++) {
        pid = (JSON.parse(await readFile(file, "utf8").catch(() => "{}")) as { startingPid?: number })
          .startingPid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      const pids = await running();
      expect(pids).not.toEqual([]);
      const other = createLocalTarget({ stateDir: join(tmp.dir, "state") }); // another process
      // While the deployer runs, it holds the name.
      await expect(other.delete("loading")).rejects.toMatchObject({ code: "E_CONFLICT" });
      // The deployer is killed: its lock names a process that no longer runs, which delete takes over.
      const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
      const lock = join(tmp.dir, "state", "locks", "deployment-loading.lock");
      await writeFile(lock, JSON.stringify({ ...JSON.parse(await readFile(lock, "utf8")), pid: dead }));
      await other.delete("loading");
      expect(await waitGone(pids)).toEqual([]);
      // Here the "killed" deployer still runs and fails as its server dies, while delete removes the state: it
      // must fail with a code, and neither trip up the delete nor bring the deleted deployment back as Failed.
      expect(codeOf(await deploying)).toBe("E_DEPLOY_FAILED");
      await expect(other.get("loading")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
      expect(existsSync(join(tmp.dir, "state", "deployments", "loading"))).toBe(false);
    });

    it("fails a deployment whose model cannot load, leaving nothing running", async () => {
      const model = await writeFiles(join(tmp.dir, "broken"), {
        "inference.mjs": 'export function modelFn() { throw new Error("weights are corrupt"); }\n',
      });
      const run = await target.train({ entryPoint: "inference.mjs", sourceDir: model, jobName: "broken-1" }); // writes nothing: empty model
      const error = await target
        .deploy({ name: "broken", model: { trainingJob: run.jobName } })
        .catch((e: unknown) => e);
      expect(codeOf(error)).toBe("E_DEPLOY_FAILED");
      expect((error as Error).message).toContain("weights are corrupt");
      const seen = await target.get("broken");
      expect(seen.status).toBe("Failed");
      expect(seen.failureReason).toContain("weights are corrupt");
      expect(await processesMatching(join(tmp.dir, "state", "deployments", "broken"))).toEqual([]);
      await target.delete("broken");
    });
  });
});

describe("deleting a training job (deleteJob)", () => {
  const jobDir = (name: string) => join(tmp.dir, "state", "jobs", name);

  it("removes a finished job's state; an unknown or already deleted job is E_NOT_FOUND", async () => {
    const code = await writeFiles(join(tmp.dir, "short"), { "train.mjs": "console.log('done');\n" });
    await target.train({ entryPoint: "train.mjs", sourceDir: code, jobName: "short-1" });
    expect(existsSync(join(jobDir("short-1"), "job.json"))).toBe(true);
    const other = createLocalTarget({ stateDir: join(tmp.dir, "state") }); // another process
    await other.deleteJob("short-1");
    expect(existsSync(jobDir("short-1"))).toBe(false);
    await expect(target.describe("short-1")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    expect((await target.listTrainingJobs()).map((r) => r.jobName)).not.toContain("short-1");
    await expect(other.deleteJob("short-1")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(other.training.deleteJob?.("../jobs")).rejects.toMatchObject({ code: "E_INVALID_INPUT" });
  });

  it("refuses a running job with E_CONFLICT and keeps it; once stopped it can go", async () => {
    const code = await writeFiles(join(tmp.dir, "long"), { "train.mjs": "setInterval(() => {}, 1000);\n" });
    await target.train({ entryPoint: "train.mjs", sourceDir: code, jobName: "long-1", wait: false });
    await expect(target.deleteJob("long-1")).rejects.toMatchObject({
      code: "E_CONFLICT",
      message: expect.stringContaining("still running"),
    });
    expect((await target.describe("long-1")).status).toBe("InProgress");
    await target.stop("long-1");
    for (let i = 0; i < 200 && (await target.describe("long-1")).status === "InProgress"; i++)
      await new Promise((r) => setTimeout(r, 50));
    await target.deleteJob("long-1");
    expect(existsSync(jobDir("long-1"))).toBe(false);
  });

  it("refuses a job a deployment serves (it runs the job's code) until that deployment is deleted", async () => {
    const code = await writeFiles(join(tmp.dir, "served"), {
      "inference.mjs": "export function modelFn() { return {}; }\n",
    });
    await target.train({ entryPoint: "inference.mjs", sourceDir: code, jobName: "served-1" });
    const deployed = await target.deploy({ name: "serves", model: { trainingJob: "served-1" } });
    serverPids.add(pidOf(deployed));
    await expect(target.deleteJob("served-1")).rejects.toMatchObject({
      code: "E_CONFLICT",
      message: expect.stringContaining("serves"),
    });
    expect(existsSync(join(jobDir("served-1"), "job.json"))).toBe(true);
    await target.delete("serves");
    await target.deleteJob("served-1");
    expect(existsSync(jobDir("served-1"))).toBe(false);
  });
});
