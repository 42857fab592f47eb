import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { collectingSink } from "@mlship/core";
import { create } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dirObjectStore, tempDir, trainCsv, waitGone, writeFiles } from "../test-support/fixtures.js";
import { checkpointDir } from "./checkpoints.js";
import { runTrainingJob, type SecondaryStatus } from "./run-training-job.js";

// A script for the real SageMaker scikit-learn container: it checks what the toolkit documents and
// writes a report. Any missing variable or file fails the job through output/failure.
const CHECK_ENV_PY = `
import argparse, json, os, sys

REQUIRED = ["SM_MODEL_DIR", "SM_CHANNELS", "SM_CHANNEL_TRAIN", "SM_CHANNEL_TEST", "SM_HPS", "SM_HP_C",
            "SM_HP_MAX-ITER", "SM_HP_NAME", "SM_OUTPUT_DATA_DIR", "SM_OUTPUT_DIR", "SM_INPUT_DIR",
            "SM_INPUT_CONFIG_DIR", "SM_CURRENT_HOST", "SM_HOSTS", "SM_NUM_CPUS", "SM_NUM_GPUS", "SM_USER_ARGS",
            "SM_USER_ENTRY_POINT", "SM_TRAINING_ENV", "SM_MODULE_DIR", "SM_MODULE_NAME", "SM_LOG_LEVEL",
            "SM_RESOURCE_CONFIG", "SM_INPUT_DATA_CONFIG", "SM_NETWORK_INTERFACE_NAME", "SM_FRAMEWORK_PARAMS",
            "SM_OUTPUT_INTERMEDIATE_DIR", "TRAINING_JOB_NAME", "PYTHONPATH"]
problems = [name for name in REQUIRED if name not in os.environ]
for name in ["hyperparameters.json", "resourceconfig.json", "inputdataconfig.json"]:
    if not os.path.isfile(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], name)):
        problems.append(name)
for d in ["SM_MODEL_DIR", "SM_OUTPUT_DATA_DIR", "SM_CHANNEL_TRAIN", "SM_CHANNEL_TEST"]:
    if not os.path.isdir(os.environ.get(d, "/nonexistent")):
        problems.append(d + " dir")
if problems:
    with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
        f.write("missing: " + ", ".join(problems))
    sys.exit(1)

parser = argparse.ArgumentParser()
parser.add_argument("-C", type=float)
parser.add_argument("--max-iter", type=int)
parser.add_argument("--name", type=str)
args, unknown = parser.parse_known_args()

import helper  # importable because PYTHONPATH has the code dir
config = lambda name: json.load(open(os.path.join(os.environ["SM_INPUT_CONFIG_DIR"], name)))
report = {
    "argv": sys.argv[1:], "parsed": vars(args), "unknown": unknown, "cwd": os.getcwd(), "helper": helper.VALUE,
    "env": {k: v for k, v in os.environ.items() if k.startswith(("SM_", "SAGEMAKER_", "TRAINING_", "CURRENT_", "PYTHONPATH"))},
    "hyperparameters": config("hyperparameters.json"), "resourceconfig": config("resourceconfig.json"),
    "inputdataconfig": config("inputdataconfig.json"),
    "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])), "test": sorted(os.listdir(os.environ["SM_CHANNEL_TEST"])),
}
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "report.json"), "w") as f:
    json.dump(report, f)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("ok")
print("report written")
`;

interface Report {
  argv: string[];
  parsed: Record<string, unknown>;
  unknown: string[];
  cwd: string;
  helper: number;
  env: Record<string, string>;
  hyperparameters: Record<string, string>;
  resourceconfig: Record<string, unknown>;
  inputdataconfig: Record<string, unknown>;
  train: string[];
  test: string[];
}

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.cleanup();
});

describe("runTrainingJob: the training toolkit's contract", () => {
  it("gives a script-mode script every documented variable, file and argument (code and a channel from s3://)", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "check_env.py": CHECK_ENV_PY,
      "helper.py": "VALUE = 42\n",
      "requirements.txt": "numpy\n",
    });
    const store = dirObjectStore(join(tmp.dir, "s3"));
    await writeFiles(join(tmp.dir, "s3", "bucket", "data", "test"), {
      "part-1.csv": "1,2\n",
      "sub/part-2.csv": "3,4\n",
    });
    const bundle = join(tmp.dir, "s3", "bucket", "job", "source", "sourcedir.tar.gz");
    await mkdir(join(tmp.dir, "s3", "bucket", "job", "source"), { recursive: true });
    await create({ gzip: true, file: bundle, cwd: code }, ["check_env.py", "helper.py", "requirements.txt"]);
    const submitDirectory = "s3://bucket/job/source/sourcedir.tar.gz";
    const hyperparameters = {
      C: "1.0",
      "max-iter": "100",
      name: '"abc"',
      sagemaker_program: '"check_env.py"',
      sagemaker_submit_directory: JSON.stringify(submitDirectory),
      sagemaker_container_log_level: "20",
      sagemaker_job_name: '"env-job"',
      sagemaker_region: '"us-east-1"',
    };
    const sink = collectingSink();
    const statuses: SecondaryStatus[] = [];
    const workDir = join(tmp.dir, "job");
    const result = await runTrainingJob(
      {
        jobName: "env-job",
        workDir,
        entryPoint: "check_env.py",
        sourceBundle: submitDirectory,
        channels: { train: trainCsv, test: "s3://bucket/data/test/" },
        hyperparameters,
        objectStore: store,
        onSecondaryStatus: (s) => statuses.push(s),
      },
      { events: sink },
    );
    expect(result.failureReason).toBeUndefined();
    expect(result.status).toBe("Completed");
    expect(statuses).toEqual(["Starting", "Downloading", "Training", "Uploading"]);
    expect(store.calls).toEqual([`download ${submitDirectory}`, "download s3://bucket/data/test/"]);

    const report = JSON.parse(
      await readFile(join(workDir, "output", "data", "report.json"), "utf8"),
    ) as Report;
    const codeDir = join(workDir, "code");
    expect(report.argv).toEqual(["-C", "1.0", "--max-iter", "100", "--name", "abc"]);
    expect(report.parsed).toEqual({ C: 1, max_iter: 100, name: "abc" });
    expect(report.unknown).toEqual([]);
    expect(report.cwd).toBe(codeDir);
    expect(report.helper).toBe(42);
    const env = report.env;
    expect(env.SM_HPS).toBe('{"C":1.0,"max-iter":100,"name":"abc"}');
    expect(env.SM_HP_C).toBe("1.0");
    expect(env["SM_HP_MAX-ITER"]).toBe("100");
    expect(env.SM_HP_NAME).toBe("abc");
    expect(Object.keys(env).filter((k) => k.startsWith("SM_HP_SAGEMAKER"))).toEqual([]);
    expect(JSON.parse(env.SM_USER_ARGS ?? "")).toEqual(report.argv);
    expect(env.SM_CHANNELS).toBe('["test","train"]');
    expect(env.SM_CHANNEL_TRAIN).toBe(join(workDir, "input", "data", "train"));
    expect(report.train).toEqual(["train.csv"]);
    expect(report.test).toEqual(["part-1.csv", "sub"]);
    expect(env.SM_MODEL_DIR).toBe(join(workDir, "model"));
    expect(env.SM_OUTPUT_DATA_DIR).toBe(join(workDir, "output", "data"));
    expect(env.SM_INPUT_CONFIG_DIR).toBe(join(workDir, "input", "config"));
    expect(env.SM_CURRENT_HOST).toBe("algo-1");
    expect(env.SM_HOSTS).toBe('["algo-1"]');
    expect(Number(env.SM_NUM_CPUS)).toBeGreaterThan(0);
    expect(env.SM_NUM_GPUS).toBe("0");
    expect(env.SM_USER_ENTRY_POINT).toBe("check_env.py");
    expect(env.SM_MODULE_NAME).toBe("check_env");
    expect(env.SM_MODULE_DIR).toBe(submitDirectory);
    expect(env.SM_LOG_LEVEL).toBe("20");
    expect(env.TRAINING_JOB_NAME).toBe("env-job");
    expect(env.SAGEMAKER_REGION).toBe("us-east-1");
    expect(env.PYTHONPATH?.split(":")[0]).toBe(codeDir);
    const trainingEnv = JSON.parse(env.SM_TRAINING_ENV ?? "{}");
    expect(trainingEnv.hyperparameters).toEqual({ C: 1, "max-iter": 100, name: "abc" });
    expect(trainingEnv.job_name).toBe("env-job");
    expect(trainingEnv.channel_input_dirs).toEqual({
      test: join(workDir, "input", "data", "test"),
      train: join(workDir, "input", "data", "train"),
    });
    expect(trainingEnv.additional_framework_parameters).toEqual({});
    expect(report.hyperparameters).toEqual(hyperparameters);
    expect(report.resourceconfig).toMatchObject({ current_host: "algo-1", hosts: ["algo-1"] });
    expect(report.inputdataconfig).toMatchObject({
      train: { TrainingInputMode: "File" },
      test: { TrainingInputMode: "File" },
    });

    const log = await readFile(result.logFile, "utf8");
    expect(log).toMatch(/requirements\.txt found .*skipped/);
    expect(log).toContain("report written");
    const logEvents = sink.of("training.log").map((e) => e.message);
    expect(logEvents).toContain("report written");
    expect(sink.of("training.status").at(-1)?.status).toBe("Completed");
    expect(result.modelTarGz).toBe(join(workDir, "artifacts", "model.tar.gz"));
  });

  it("runs a Node entry point with the same environment and arguments", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "train.mjs": `import { writeFileSync } from "node:fs";
writeFileSync(process.env.SM_MODEL_DIR + "/seen.json", JSON.stringify({ argv: process.argv.slice(2), train: process.env.SM_CHANNEL_TRAIN, hps: process.env.SM_HPS }));`,
    });
    const workDir = join(tmp.dir, "job");
    const result = await runTrainingJob({
      jobName: "node-env",
      workDir,
      entryPoint: "train.mjs",
      sourceDir: code,
      channels: { train: trainCsv },
      hyperparameters: { epochs: "3", "learning-rate": "0.5" },
    });
    expect(result.status).toBe("Completed");
    const seen = JSON.parse(await readFile(join(workDir, "model", "seen.json"), "utf8"));
    expect(seen).toEqual({
      argv: ["--epochs", "3", "--learning-rate", "0.5"],
      train: join(workDir, "input", "data", "train"),
      hps: '{"epochs":3,"learning-rate":0.5}',
    });
  });
});

describe("runTrainingJob: checkpoints (SageMaker's CheckpointConfig)", () => {
  // Lists what it found in its checkpoint folder (next to SM_MODEL_DIR, as /opt/ml/checkpoints is), then adds its own.
  const RESUMING = `import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
const dir = join(dirname(process.env.SM_MODEL_DIR), "checkpoints");
const found = readdirSync(dir, { recursive: true }).sort();
console.log("found " + JSON.stringify(found));
mkdirSync(join(dir, "epochs"), { recursive: true });
writeFileSync(join(dir, "epochs", process.env.TRAINING_JOB_NAME + ".ckpt"), "state");
writeFileSync(join(process.env.SM_MODEL_DIR, "found.json"), JSON.stringify(found));`;

  it("restores what is under the S3 URI before the script starts and saves what it wrote there", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), { "train.mjs": RESUMING });
    const store = dirObjectStore(join(tmp.dir, "s3"));
    const checkpoints = { s3Uri: "s3://bucket/ckpt/run" };
    const first = await runTrainingJob({
      jobName: "first",
      workDir: join(tmp.dir, "first"),
      entryPoint: "train.mjs",
      sourceDir: code,
      objectStore: store,
      checkpoints,
    });
    expect(first.status, first.failureReason).toBe("Completed");
    expect(store.calls).toContain("upload s3://bucket/ckpt/run/epochs/first.ckpt");
    const second = await runTrainingJob({
      jobName: "second",
      workDir: join(tmp.dir, "second"),
      entryPoint: "train.mjs",
      sourceDir: code,
      objectStore: store,
      checkpoints: { s3Uri: "s3://bucket/ckpt/run/" },
    });
    expect(second.status, second.failureReason).toBe("Completed");
    const found = JSON.parse(await readFile(join(tmp.dir, "second", "model", "found.json"), "utf8"));
    expect(found).toEqual(["epochs", join("epochs", "first.ckpt")]);
    expect(store.calls.filter((c) => c.startsWith("upload s3://bucket/ckpt/"))).toEqual([
      "upload s3://bucket/ckpt/run/epochs/first.ckpt",
      "upload s3://bucket/ckpt/run/epochs/first.ckpt",
      "upload s3://bucket/ckpt/run/epochs/second.ckpt",
    ]);
  });

  it("maps the local path into the job folder; checkpoints without an object store are E_CONFIG", async () => {
    expect(checkpointDir("/w", "/opt/ml/checkpoints")).toBe("/w/checkpoints");
    expect(checkpointDir("/w", "/opt/ml/checkpoints/")).toBe("/w/checkpoints");
    expect(checkpointDir("/w", "/tmp/ckpt")).toBe("/w/fs/tmp/ckpt");
    expect(() => checkpointDir("/w", "ckpt")).toThrow(/must be absolute/);
    const code = await writeFiles(join(tmp.dir, "src"), { "train.mjs": RESUMING });
    const result = await runTrainingJob({
      jobName: "no-store",
      workDir: join(tmp.dir, "no-store"),
      entryPoint: "train.mjs",
      sourceDir: code,
      checkpoints: { s3Uri: "s3://bucket/ckpt" },
    });
    expect(result.status).toBe("Failed");
    expect(result.failureReason).toMatch(/checkpoints s3:\/\/bucket\/ckpt is in S3 but no object store/);
  });
});

describe("runTrainingJob: metric definitions", () => {
  it("reads every metric value from stdout and stderr as it is logged; the last is final", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "train.mjs": `for (let epoch = 1; epoch <= 3; epoch++) console.log("epoch " + epoch + " loss=" + (1 / epoch).toFixed(3));
console.error("validation auc: n/a");
console.error("validation auc: 0.91");`,
    });
    const sink = collectingSink();
    const seen: number[] = [];
    const result = await runTrainingJob(
      {
        jobName: "metrics",
        workDir: join(tmp.dir, "job"),
        entryPoint: "train.mjs",
        sourceDir: code,
        metricDefinitions: [
          { name: "loss", regex: "loss=([0-9.]+)" },
          { name: "auc", regex: "auc: (\\S+)" },
          { name: "never", regex: "never=([0-9.]+)" },
        ],
        onMetric: (v) => seen.push(v.value),
      },
      { events: sink },
    );
    expect(result.status).toBe("Completed");
    expect(sink.of("training.metric").map((e) => [e.name, e.value])).toEqual([
      ["loss", 1],
      ["loss", 0.5],
      ["loss", 0.333],
      ["auc", 0.91],
    ]);
    expect(seen).toEqual([1, 0.5, 0.333, 0.91]);
    expect(result.finalMetrics.map((m) => [m.name, m.value])).toEqual([
      ["loss", 0.333],
      ["auc", 0.91],
    ]);
  });

  it("a regex without a capture group is E_INVALID_INPUT before the job directory exists", async () => {
    const workDir = join(tmp.dir, "never-made");
    await expect(
      runTrainingJob({
        jobName: "bad-metric",
        workDir,
        entryPoint: "train.mjs",
        metricDefinitions: [{ name: "loss", regex: "loss=[0-9.]+" }],
      }),
    ).rejects.toMatchObject({ code: "E_INVALID_INPUT", where: "metricDefinitions[0].regex" });
    await expect(readFile(join(workDir, "training.log"))).rejects.toThrow(/ENOENT/);
  });
});

describe("runTrainingJob: failures and stops", () => {
  it("a script that writes output/failure and exits 1 fails with that text", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "train.py": `import os, sys
print("starting")
with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
    f.write("Bad input: the train channel has no label column")
sys.exit(1)
`,
    });
    const sink = collectingSink();
    const lines: string[] = [];
    const result = await runTrainingJob(
      {
        jobName: "fails",
        workDir: join(tmp.dir, "job"),
        entryPoint: "train.py",
        sourceDir: code,
        onLog: (l) => lines.push(l),
      },
      { events: sink },
    );
    expect(result.status).toBe("Failed");
    expect(result.exitCode).toBe(1);
    expect(result.failureReason).toBe("Bad input: the train channel has no label column");
    expect(result.modelTarGz).toBeUndefined();
    expect(lines).toContain("starting");
    expect(await readFile(result.logFile, "utf8")).toContain("starting");
    expect(sink.of("training.status").at(-1)).toMatchObject({ status: "Failed", job: "fails" });
  });

  it("a script that raises fails with the last stderr lines as the reason", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "train.py": 'raise ValueError("no rows in channel train")\n',
    });
    const result = await runTrainingJob({
      jobName: "raises",
      workDir: join(tmp.dir, "job"),
      entryPoint: "train.py",
      sourceDir: code,
    });
    expect(result.status).toBe("Failed");
    expect(result.failureReason).toContain("ExecuteUserScriptError");
    expect(result.failureReason).toContain("ValueError: no rows in channel train");
    expect(result.failureReason).toContain("ExitCode 1");
  });

  it("a missing entry point fails with a clear reason", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), { "other.py": "" });
    const result = await runTrainingJob({
      jobName: "missing",
      workDir: join(tmp.dir, "job"),
      entryPoint: "train.py",
      sourceDir: code,
    });
    expect(result.status).toBe("Failed");
    expect(result.failureReason).toMatch(/Entry point train\.py is not in the source code/);
  });

  it("abort kills the script and everything it started, and marks the run Stopped", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), {
      "train.py": `import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print("pids", child.pid, flush=True)
time.sleep(600)
`,
    });
    const controller = new AbortController();
    const pids: number[] = [];
    let started = 0;
    const result = await runTrainingJob(
      {
        jobName: "hangs",
        workDir: join(tmp.dir, "job"),
        entryPoint: "train.py",
        sourceDir: code,
        onStart: ({ pid }) => {
          started = pid;
        },
        onLog: (line) => {
          const m = /^pids (\d+)$/.exec(line);
          if (m) {
            pids.push(started, Number(m[1]));
            controller.abort();
          }
        },
      },
      { signal: controller.signal },
    );
    expect(result.status).toBe("Stopped");
    expect(pids).toHaveLength(2);
    expect(await waitGone(pids)).toEqual([]);
  });

  it("maxRuntimeSeconds stops a job that runs too long", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), { "train.mjs": "setInterval(() => {}, 1000);\n" });
    const sink = collectingSink();
    const result = await runTrainingJob(
      {
        jobName: "slow",
        workDir: join(tmp.dir, "job"),
        entryPoint: "train.mjs",
        sourceDir: code,
        maxRuntimeSeconds: 1,
      },
      { events: sink },
    );
    expect(result.status).toBe("Stopped");
    expect(result.failureReason).toMatch(/MaxRuntimeExceeded/);
    expect(sink.of("training.status").at(-1)).toMatchObject({
      status: "Stopped",
      secondaryStatus: "MaxRuntimeExceeded",
    });
  });

  it("an s3:// channel without an object store fails with a hint", async () => {
    const code = await writeFiles(join(tmp.dir, "src"), { "train.py": "" });
    const result = await runTrainingJob({
      jobName: "nostore",
      workDir: join(tmp.dir, "job"),
      entryPoint: "train.py",
      sourceDir: code,
      channels: { train: "s3://bucket/train/" },
    });
    expect(result.status).toBe("Failed");
    expect(result.failureReason).toMatch(/no object store/);
  });
});
