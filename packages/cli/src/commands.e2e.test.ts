import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTrainingJobCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { type KubeApiServer, startKubeApiServer } from "@mlship/testing";
import { describe, expect, it } from "vitest";
import {
  breastCancerData as data,
  emulatorForFile,
  examples,
  json,
  nodeExample,
} from "./test/emulator-cli.js";
import { runCli } from "./test/run-cli.js";

// The built CLI, spawned as a user would, against the emulator with the real AWS SDK underneath.
const work = mkdtempSync(join(tmpdir(), "mlship-cli-e2e-"));
const e2e = emulatorForFile({ role: "cli-e2e", work });
const { env } = e2e;

const cli = (args: string[]) => runCli([...args, "--target", "sagemaker"], { cwd: work, env });

describe("mlship against the emulator", () => {
  let job = "";

  it("trains the Node example and reports the job", async () => {
    const result = await runCli(
      [
        "train",
        "--target",
        "sagemaker",
        "--entry-point",
        "train.mjs",
        "--source-dir",
        nodeExample,
        "--framework",
        "node",
        "--data",
        `train=${join(data, "train.csv")}`,
        "--hp",
        "epochs=200",
        "--metric",
        "train:accuracy=train_accuracy=([0-9.]+);",
        "--content-type",
        "text/csv;label_size=1",
        "--json",
        "--events",
      ],
      { cwd: work, env },
    );
    const run = json<{
      jobName: string;
      status: string;
      modelArtifact: string;
      finalMetrics: Array<{ name: string; value: number }>;
    }>(result);
    // --events: every stderr line is one JSON event; the status walk and the job's own log lines are there.
    const events = result.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; status?: string; message?: string });
    expect(events.filter((e) => e.type === "training.status").map((e) => e.status)).toContain("Completed");
    expect(events.some((e) => e.type === "upload.progress")).toBe(true);
    expect(events.some((e) => e.type === "training.log" && e.message?.includes("train_accuracy="))).toBe(
      true,
    );
    expect(run.status).toBe("Completed");
    expect(run.modelArtifact).toMatch(/^s3:\/\/.+\/output\/model\.tar\.gz$/);
    // --metric: parsed from the job's log as events, the last value final (FinalMetricDataList).
    const metricEvents = events.filter((e) => e.type === "training.metric") as Array<{ value?: number }>;
    expect(metricEvents.length).toBeGreaterThan(0);
    expect(run.finalMetrics).toMatchObject([{ name: "train:accuracy", value: metricEvents.at(-1)?.value }]);
    job = run.jobName;
    // --content-type reaches the job's channel definition on the wire.
    const sm = new SageMakerClient({
      endpoint: e2e.emulator.endpoint,
      region: e2e.emulator.region,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const wire = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: job }));
    sm.destroy();
    expect(wire.InputDataConfig?.[0]).toMatchObject({
      ChannelName: "train",
      ContentType: "text/csv;label_size=1",
    });

    const described = json<{ jobName: string; status: string }>(
      await runCli(["jobs", "describe", job, "--target", "sagemaker", "--json"], { cwd: work, env }),
    );
    expect(described).toMatchObject({ jobName: job, status: "Completed" });
    const human = await runCli(["jobs", "describe", job, "--target", "sagemaker"], { cwd: work, env });
    expect(human.stdout).toMatch(new RegExp(`metrics: +train:accuracy=${run.finalMetrics[0]?.value}`));
    const badMetric = await cli([
      "train",
      "--entry-point",
      "train.mjs",
      "--source-dir",
      nodeExample,
      "--metric",
      "acc=acc=[0-9]+",
    ]);
    expect(badMetric.code).not.toBe(0);
    expect(badMetric.stderr).toMatch(/E_INVALID_INPUT[\s\S]*0 capture groups/);
    const listed = json<Array<{ jobName: string }>>(
      await runCli(["jobs", "list", "--target", "sagemaker", "--json"], { cwd: work, env }),
    );
    expect(listed.map((j) => j.jobName)).toContain(job);
    const logs = await runCli(["jobs", "logs", job, "--target", "sagemaker"], { cwd: work, env });
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("train_accuracy=");
  });

  it("deploys, invokes, scores, exports for RIME and deletes", async () => {
    const name = "cli-e2e";
    const planned = json<{ target: string; changes: Array<{ action: string; kind: string; name: string }> }>(
      await runCli(
        [
          "deploy",
          "--target",
          "sagemaker",
          "--model",
          job,
          "--name",
          name,
          "--entry-point",
          "inference.mjs",
        ].concat(["--dry-run", "--json"]),
        { cwd: work, env },
      ),
    );
    expect(planned.target).toBe("sagemaker");
    expect(planned.changes.map((c) => `${c.action} ${c.kind}`)).toEqual([
      "create Model",
      "create EndpointConfig",
      "create Endpoint",
    ]);
    expect(
      (await runCli(["deployments", "get", name, "--target", "sagemaker"], { cwd: work, env })).code,
    ).not.toBe(0);
    const deployed = json<{ name: string; status: string }>(
      await runCli(
        [
          "deploy",
          "--target",
          "sagemaker",
          "--model",
          job,
          "--name",
          name,
          "--entry-point",
          "inference.mjs",
          "--json",
        ],
        { cwd: work, env },
      ),
    );
    expect(deployed).toMatchObject({ name, status: "InService" });

    const rows = readFileSync(join(data, "test.csv"), "utf8")
      .split("\n")
      .slice(1, 4)
      .map((l) => l.split(",").slice(1).join(","));
    writeFileSync(join(work, "rows.csv"), `${rows.join("\n")}\n`);
    const answer = json<{ body: number[] }>(
      await runCli(["invoke", name, "--target", "sagemaker", "--file", "rows.csv", "--json"], {
        cwd: work,
        env,
      }),
    );
    expect(answer.body).toHaveLength(3);
    for (const p of answer.body) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }

    const human = await runCli(
      ["invoke", name, "--target", "sagemaker", "--body", rows[0] ?? "", "--accept", "text/csv"],
      { cwd: work, env },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(Number(human.stdout.trim())).toBeCloseTo(answer.body[0] ?? -1, 6);

    const summary = json<{ rows: number; failed: number; metrics: { rocAuc: number }; report: string }>(
      await cli([
        "score",
        name,
        "--data",
        join(data, "test.csv"),
        "--label",
        "target",
        "--out",
        "scores.csv",
        "--report",
        "report.html",
        "--json",
      ]),
    );
    expect(summary.rows).toBe(114);
    expect(summary.failed).toBe(0);
    expect(summary.metrics.rocAuc).toBeGreaterThan(0.95);
    expect(readFileSync(join(work, "scores.csv"), "utf8").trim().split("\n")).toHaveLength(115);
    expect(readFileSync(summary.report, "utf8")).toContain("ROC curve");

    const parquet = json<{ rows: number; columns: string[] }>(
      await cli([
        "score",
        name,
        "--data",
        join(data, "test.csv"),
        "--label",
        "target",
        "--keep",
        "target",
        "--out",
        "scores.parquet",
        "--json",
      ]),
    );
    expect(parquet).toMatchObject({ rows: 114, columns: ["target", "score", "error"] });
    const written = readFileSync(join(work, "scores.parquet"));
    expect([written.subarray(0, 4).toString(), written.subarray(-4).toString()]).toEqual(["PAR1", "PAR1"]);

    const features =
      readFileSync(join(data, "test.csv"), "utf8").split("\n")[0]?.split(",").slice(1).join(",") ?? "";
    json(await cli(["rime", "export", name, "--features", features, "--out", "model.py", "--json"]));
    const modelFile = readFileSync(join(work, "model.py"), "utf8");
    expect(modelFile).toContain("def predict_dict");
    expect(modelFile).toContain(name);

    const list = await cli(["deployments", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${name}\\s+InService`));

    // A misspelt name is not found, with the name the user meant; deleting it deletes nothing.
    const typo = await cli(["invoke", "cli-e2f", "--body", rows[0] ?? ""]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("E_NOT_FOUND");
    expect(typo.stderr).toContain('Did you mean "cli-e2e"?');
    const typoDelete = await cli(["deployments", "delete", "cli-e2"]);
    expect(typoDelete.code).toBe(1);
    expect(typoDelete.stderr).toContain('Did you mean "cli-e2e"?');
    expect(json<{ status: string }>(await cli(["deployments", "get", name, "--json"])).status).toBe(
      "InService",
    );

    json(await cli(["deployments", "delete", name, "--json"]));
    const gone = await cli(["deployments", "get", name]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("E_NOT_FOUND");
    // Like kubectl: deleting what is not there fails, unless --ignore-not-found.
    const again = await cli(["deployments", "delete", name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("E_NOT_FOUND");
    expect(json(await cli(["deployments", "delete", name, "--ignore-not-found", "--json"]))).toMatchObject({
      deleted: false,
      found: false,
    });
  });

  it("says a finished job has nothing to stop", async () => {
    const stopped = await cli(["jobs", "stop", job]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toContain("has already finished (Completed); nothing to stop");
  });

  it("trains the scikit-learn example and deploys it to Kyma, shows, lists and deletes it", async () => {
    const sklearn = json<{ jobName: string; status: string }>(
      await cli([
        "train",
        "--entry-point",
        "train.py",
        "--source-dir",
        join(examples, "sklearn-breast-cancer"),
        "--data",
        `train=${join(data, "train.csv")}`,
        "--json",
      ]),
    );
    expect(sklearn.status).toBe("Completed");
    const kube: KubeApiServer = await startKubeApiServer();
    // Stand-ins for the cluster's controllers: the rollout completes and the APIRule turns Ready.
    kube.onWrite((e) => {
      if (e.type === "DELETED" || e.subresource) return;
      const { namespace = "", name } = e.object.metadata as { namespace?: string; name: string };
      if (e.object.kind === "APIRule") kube.setStatus(e.object, namespace, name, { state: "Ready" });
      if (e.object.kind === "Deployment") {
        const ready = { replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
        kube.setStatus(e.object, namespace, name, {
          observedGeneration: e.object.metadata.generation,
          ...ready,
          conditions: [{ type: "Available", status: "True" }],
        });
      }
    });
    try {
      // A project whose config names the cluster and namespace, as a Kyma user would keep them.
      const project = mkdtempSync(join(work, "kyma-"));
      writeFileSync(join(project, "kubeconfig.yml"), kube.kubeconfig);
      writeFileSync(
        join(project, "mlship.config.json"),
        JSON.stringify({
          targets: [["kyma", { namespace: "ml", kubeconfig: join(project, "kubeconfig.yml") }]],
        }),
      );
      const kyma = (args: string[]) => runCli([...args, "--target", "kyma"], { cwd: project, env });
      const deployArgs = [
        "deploy",
        "--model",
        sklearn.jobName,
        "--name",
        "bc",
        "--entry-point",
        "inference.py",
        "--namespace",
        "ml",
        "--kubeconfig",
        "kubeconfig.yml",
        "--domain",
        "c-1.kyma.example.com",
        "--jwt-issuer",
        "https://issuer.example.com",
        "--jwks-uri",
        "https://issuer.example.com/jwks",
      ];
      // --dry-run prints the plan and writes nothing; the deploy then makes exactly those changes.
      const plan = json<{
        operation: string;
        changes: Array<{ action: string; kind: string; name: string }>;
      }>(await kyma([...deployArgs, "--dry-run", "--json"]));
      expect(plan.operation).toBe("create");
      expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(
        expect.arrayContaining(["create Deployment ml/bc", "create Service ml/bc", "create APIRule ml/bc"]),
      );
      const human = await kyma([...deployArgs, "--dry-run"]);
      expect(human.stdout).toMatch(/\+ create\s+Deployment\s+ml\/bc/);
      expect(human.stdout).toContain("Dry run: nothing was changed.");
      expect(kube.requests.filter((r) => r.method !== "GET" && r.query.dryRun !== "All")).toEqual([]);
      const deployed = json<{ name: string; status: string; url: string }>(
        await kyma([...deployArgs, "--json"]),
      );
      expect(deployed).toMatchObject({
        name: "bc",
        status: "InService",
        url: "https://bc.c-1.kyma.example.com",
      });
      const rule = kube.get({ apiVersion: "gateway.kyma-project.io/v2", kind: "APIRule" }, "ml", "bc");
      const spec = rule?.spec as { rules: Array<{ jwt?: unknown; noAuth?: boolean }> } | undefined;
      const rules = spec?.rules ?? [];
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((r) => r.jwt && !r.noAuth)).toBe(true);

      expect(json<{ name: string }>(await kyma(["deployments", "get", "bc", "--json"])).name).toBe("bc");
      expect((await kyma(["deployments", "list"])).stdout).toMatch(/bc\s+InService/);
      const refreshed = json<{ renewed: Array<{ credential: string; expiresAt: string }> }>(
        await kyma(["deployments", "refresh-credentials", "bc", "--json"]),
      );
      expect(refreshed.renewed.map((r) => r.credential)).toEqual([
        "ECR pull secret bc-ecr-pull",
        "model URLs (secret bc-model-urls)",
      ]);
      const urls = kube.get({ apiVersion: "v1", kind: "Secret" }, "ml", "bc-model-urls");
      expect(urls?.metadata.annotations?.["mlship.io/model-urls-expire-at"]).toBe(
        refreshed.renewed[1]?.expiresAt,
      );
      // Without a config file, the flags say where the deployment lives.
      const elsewhere = mkdtempSync(join(work, "elsewhere-"));
      const where = ["--namespace", "ml", "--kubeconfig", join(project, "kubeconfig.yml")];
      const found = json<{ name: string; status: string }>(
        await runCli(["deployments", "get", "bc", "--target", "kyma", ...where, "--json"], {
          cwd: elsewhere,
          env,
        }),
      );
      expect(found).toMatchObject({ name: "bc", status: "InService" });
      const lost = await runCli(["deployments", "get", "bc", "--target", "kyma", "--namespace", "other"], {
        cwd: project,
        env,
      });
      expect(lost.code).toBe(1);
      expect(lost.stderr).toContain("E_NOT_FOUND");
      const sagemaker = await runCli(["deployments", "refresh-credentials", "bc", "--target", "sagemaker"], {
        cwd: work,
        env,
      });
      expect(sagemaker.code).toBe(2);
      expect(sagemaker.stderr).toContain("The sagemaker target keeps no credentials that expire");
      json(await kyma(["deployments", "delete", "bc", "--json"]));
      expect(kube.list({ apiVersion: "apps/v1", kind: "Deployment" }, "ml")).toEqual([]);
    } finally {
      await kube.stop();
    }
  });

  it("stops the training job on Ctrl-C and exits 130", async () => {
    const src = join(work, "slow");
    mkdirSync(src, { recursive: true });
    writeFileSync(
      join(src, "train.mjs"),
      'console.log("training started"); setInterval(() => console.log("still training"), 500);\n',
    );
    let sent = false;
    const r = await runCli(
      [
        "train",
        "--target",
        "sagemaker",
        "--entry-point",
        "train.mjs",
        "--source-dir",
        src,
        "--framework",
        "node",
        "--base-job-name",
        "slow",
      ],
      {
        cwd: work,
        env,
        onOutput: (text, child) => {
          if (!sent && text.includes("training started")) {
            sent = true;
            child.kill("SIGINT");
          }
        },
      },
    );
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    const jobs = json<Array<{ jobName: string; status: string }>>(
      await runCli(["jobs", "list", "--target", "sagemaker", "--json"], { cwd: work, env }),
    );
    const slow = jobs.find((j) => j.jobName.startsWith("slow-"));
    expect(slow?.status).toBe("Stopped");
  });

  it("says credentials are missing, with a hint, as a usage error", async () => {
    const home = mkdtempSync(join(work, "home-"));
    const r = await runCli(["deployments", "list", "--target", "sagemaker"], {
      cwd: work,
      env: {
        AWS_ENDPOINT_URL: e2e.emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        HOME: home,
        AWS_CONFIG_FILE: join(home, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "none"),
        AWS_EC2_METADATA_DISABLED: "true",
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("E_CREDENTIALS");
    expect(r.stderr).toContain("hint:");
  });
});

describe("mlship demo", () => {
  it("runs offline end to end and cleans up", async () => {
    const dir = mkdtempSync(join(work, "demo-"));
    const r = await runCli(["demo", "--json"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_ENDPOINT_URL: undefined },
    });
    const doc = json<{
      framework: string;
      endpoint: string;
      score: { rows: number; failed: number; metrics: { rocAuc: number } };
      report: string;
    }>(r);
    expect(["sklearn", "node"]).toContain(doc.framework);
    expect(doc.score.rows).toBe(114);
    expect(doc.score.failed).toBe(0);
    expect(doc.score.metrics.rocAuc).toBeGreaterThan(0.95);
    expect(existsSync(doc.report)).toBe(true);
    expect(readFileSync(doc.report, "utf8")).toContain("Precision-recall curve");
  });
});
