// The sagemaker plugin's spot, checkpoint and tag flags: the built CLI spawned as a user would, against the
// emulator, running the README's example (two spot jobs on one checkpoint URI, then a tagged deploy), and the
// bad values each refused before anything is uploaded or created.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { ListTagsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { emulatorClientConfig } from "@mlship/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorForFile, json } from "./test/emulator-cli.js";
import { runCli } from "./test/run-cli.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const e2e = emulatorForFile({ role: "cli-e2e" });
let sm: SageMakerClient;

beforeAll(async () => {
  const config = emulatorClientConfig(e2e.emulator);
  sm = new SageMakerClient(config);
  const s3 = new S3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: "my-bucket" })); // the README's checkpoint bucket
  s3.destroy();
}, 120_000);

afterAll(() => sm?.destroy());

const cli = (args: string[]) => runCli(args, { cwd: repo, env: e2e.env });

/** The README example's commands, as written: continuation lines joined, comments dropped, `mlship` removed. */
function readmeCommands(): string[][] {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  const block = /<!-- example: spot-checkpoints-tags[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((line) => line.startsWith("mlship "))
    .map((line) => line.split(/ +/).slice(1));
}

interface Run {
  jobName: string;
  status: string;
  billableSeconds?: number;
  details: Record<string, unknown>;
}

describe("mlship train/deploy with the sagemaker plugin's spot, checkpoint and tag flags", () => {
  it("runs the README's example: the second spot job resumes from the first one's checkpoint; tags reach ListTags", async () => {
    const commands = readmeCommands();
    expect(commands.map((c) => c[0])).toEqual(["train", "train", "jobs", "deploy"]);
    const [first, second, describe, deploy] = commands as [string[], string[], string[], string[]];

    const firstRun = await cli(first);
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(firstRun.stderr).toContain("checkpoint saved after 50 epochs");
    expect(firstRun.stderr).not.toContain("resuming");
    const secondRun = json<Run>(await cli([...second, "--json"]));
    const job = secondRun.jobName;
    const logs = await cli(["jobs", "logs", job, "--target", "sagemaker"]);
    expect(logs.stdout).toContain("resuming from the checkpoint after 50 epochs");
    expect(logs.stdout).toContain("checkpoint saved after 100 epochs");

    const described = json<Run>(await cli([...describe.map((a) => (a === "<job>" ? job : a)), "--json"]));
    expect(described.status).toBe("Completed");
    expect(described.billableSeconds).toBeGreaterThanOrEqual(1);
    expect(described.details).toMatchObject({
      spot: true,
      maxRuntimeSeconds: 3600,
      maxWaitSeconds: 7200,
      checkpoint: { s3Uri: "s3://my-bucket/checkpoints/bc", localPath: "/opt/ml/checkpoints" },
      tags: { team: "ml" },
    });
    const human = await cli(describe.map((a) => (a === "<job>" ? job : a)));
    expect(human.stdout).toMatch(/tags: +\{"team":"ml"\}/);

    const deployed = json<{ status: string; details: Record<string, unknown> }>(
      await cli([...deploy.map((a) => (a === "<job>" ? job : a)), "--json"]),
    );
    expect(deployed.status).toBe("InService");
    expect(deployed.details.tags).toEqual({ team: "ml", stage: "dev" });
    const arn = (kind: string, name: string) =>
      `arn:aws:sagemaker:${e2e.emulator.region}:${e2e.emulator.accountId}:${kind}/${name}`;
    const tagged = [
      arn("endpoint", "bc-tagged"),
      arn("endpoint-config", deployed.details.endpointConfigName as string),
      arn("model", deployed.details.modelName as string),
    ];
    for (const resource of tagged) {
      const { Tags } = await sm.send(new ListTagsCommand({ ResourceArn: resource.toLowerCase() }));
      expect(Tags, resource).toEqual([
        { Key: "team", Value: "ml" },
        { Key: "stage", Value: "dev" },
      ]);
    }
    expect((await cli(["deployments", "delete", "bc-tagged", "--target", "sagemaker"])).code).toBe(0);
  });

  it("tune --spot --tag: every training job of the tuning job runs on spot and carries the tags", async () => {
    const tuned = json<{ name: string; status: string; trials: Array<{ jobName: string }> }>(
      await cli([
        ...["tune", "--target", "sagemaker", "--entry-point", "train.mjs"],
        ...["--source-dir", "examples/node-breast-cancer", "--name", "spot-tune"],
        ...["--data", "train=examples/sklearn-breast-cancer/data/train.csv"],
        ...["--metric", "acc=train_accuracy=([0-9.]+);", "--objective", "acc"],
        ...[
          "--range",
          "epochs=integer:10:20",
          "--strategy",
          "Random",
          "--max-jobs",
          "2",
          "--max-parallel",
          "2",
        ],
        ...["--spot", "--max-runtime", "600", "--max-wait", "20m", "--tag", "team=ml", "--json"],
      ]),
    );
    expect(tuned.status).toBe("Completed");
    const tuningArn = `arn:aws:sagemaker:${e2e.emulator.region}:${e2e.emulator.accountId}:hyper-parameter-tuning-job/spot-tune`;
    expect((await sm.send(new ListTagsCommand({ ResourceArn: tuningArn }))).Tags).toEqual([
      { Key: "team", Value: "ml" },
    ]);
    expect(tuned.trials).toHaveLength(2);
    for (const { jobName } of tuned.trials) {
      const described = json<Run>(
        await cli(["jobs", "describe", jobName, "--target", "sagemaker", "--json"]),
      );
      expect(described.details).toMatchObject({ spot: true, maxWaitSeconds: 1200, tags: { team: "ml" } });
    }
  });

  it("refuses bad values in CLI terms before anything is uploaded or created", async () => {
    const train = (...extra: string[]) =>
      cli([
        ...["train", "--target", "sagemaker", "--entry-point", "train.mjs"],
        ...["--source-dir", "examples/node-breast-cancer", "--base-job-name", "refused"],
        ...["--data", "train=examples/sklearn-breast-cancer/data/train.csv", ...extra],
      ]);
    const cases: Array<[string[], number, RegExp[]]> = [
      [["--tag", "novalue"], 2, [/error \[E_USAGE\]: --tag takes key=value/, /where: --tag/]],
      [
        ["--spot", "--max-wait", "600"],
        2,
        [
          /--max-wait \(600 s\) is shorter than the job's max runtime \(86400 s\)/,
          /hint: .*raise --max-wait, or lower --max-runtime\./,
        ],
      ],
      [["--max-wait", "1h"], 2, [/--max-wait needs --spot/, /where: --spot/]],
      [["--spot", "--max-wait", "soon"], 2, [/error \[E_CONFIG\].*"soon".*\(from --max-wait\)/]],
      [
        ["--checkpoint-s3-uri", "/tmp/ckpt"],
        2,
        [/E_INVALID_INPUT.*not an s3:\/\/ URI/, /where: --checkpoint-s3-uri/, /as --checkpoint-s3-uri\./],
      ],
      [["--checkpoint-local-path", "/opt/ml/c"], 2, [/needs --checkpoint-s3-uri/]],
    ];
    for (const [extra, code, patterns] of cases) {
      const r = await train(...extra);
      expect(r.code, `${extra.join(" ")}: ${r.stderr}`).toBe(code);
      for (const pattern of patterns) expect(r.stderr, extra.join(" ")).toMatch(pattern);
    }
    const jobs = json<Array<{ jobName: string }>>(
      await cli(["jobs", "list", "--target", "sagemaker", "--json"]),
    );
    expect(jobs.filter((j) => j.jobName.startsWith("refused"))).toEqual([]);
    const s3 = new S3Client(emulatorClientConfig(e2e.emulator));
    const bucket = `sagemaker-${e2e.emulator.region}-${e2e.emulator.accountId}`;
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    s3.destroy();
    expect((objects.Contents ?? []).map((o) => o.Key).filter((k) => k?.includes("refused"))).toEqual([]);

    // The local target takes none of these flags: the CLI says so (the plugin declares no such flag).
    const local = await cli(["train", "--target", "local", "--entry-point", "x.mjs", "--spot"]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--spot is not a flag of the "local" target/);
  });
});
