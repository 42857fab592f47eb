import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, MlshipError } from "@mlship/core";
import { outputFile } from "../files.js";
import { importOptional } from "../optional.js";
import type { CommandRun } from "../program.js";
import { renderScoreSummary } from "../render/summary.js";
import { loadTargets } from "../targets.js";

interface DemoFlags {
  framework?: "sklearn" | "node";
  report: string;
  keep?: boolean;
}

/** The bundled examples: packed next to dist/ in a published CLI, at the repository root in a checkout. */
function examplesDir(): string {
  for (const candidate of ["../../examples/", "../../../../examples/"]) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, "sklearn-breast-cancer", "data", "train.csv"))) return dir;
  }
  throw new MlshipError("E_INTERNAL", "The demo's bundled examples are missing from this install", {
    hint: "Reinstall @mlship/cli.",
  });
}

const EXAMPLES = {
  sklearn: { dir: "sklearn-breast-cancer", train: "train.py", serve: "inference.py" },
  node: { dir: "node-breast-cancer", train: "train.mjs", serve: "inference.mjs" },
};

/** The optional peers of the CLI that the demo runs on. */
const DEMO_NEEDS = ["@mlship/emulator", "@mlship/target-local"];

/**
 * The whole path offline: the emulator in-process, the production SageMaker target pointed at it, the
 * breast-cancer example trained, deployed, invoked once and its held-out split scored; then everything removed.
 */
export const run: CommandRun = async (ctx, _args, options) => {
  const o = options as unknown as DemoFlags;
  // The report path is checked before the demo trains and deploys anything.
  const reportPath = outputFile(ctx.io.cwd, o.report, "--report");
  const examples = examplesDir();
  const data = join(examples, "sklearn-breast-cancer", "data");
  const [{ startEmulator }, { findPython }, { createModelSource, renderScoreReport, score }] =
    await Promise.all([
      importOptional("@mlship/emulator", "mlship demo", DEMO_NEEDS, () => import("@mlship/emulator")),
      importOptional("@mlship/target-local", "mlship demo", DEMO_NEEDS, () => import("@mlship/target-local")),
      import("@mlship/scoring"),
    ]);
  const framework =
    o.framework ??
    (await findPython().then(
      () => "sklearn" as const,
      () => "node" as const,
    ));
  const example = EXAMPLES[framework];
  const say = (text: string) => ctx.events({ type: "log", level: "info", message: text });
  const op = { signal: ctx.signal, events: ctx.events };

  const scratch = await mkdtemp(join(tmpdir(), "mlship-demo-"));
  const emulator = await startEmulator({
    dataDir: o.keep ? resolve(ctx.io.cwd, ".mlship", "demo-emulator") : undefined,
  });
  say(`emulator on ${emulator.endpoint}; training with ${framework} (${example.dir})`);
  const name = `mlship-demo-${Date.now().toString(36)}`;
  let deployment: import("@mlship/core").DeployTarget | undefined;
  try {
    const targets = await loadTargets(ctx, ["sagemaker"], {
      overrides: {
        endpoint: emulator.endpoint,
        region: emulator.region,
        credentials: { accessKeyId: "mlship-demo", secretAccessKey: "mlship-demo" },
        role: `arn:aws:iam::${emulator.accountId}:role/mlship-demo`,
      },
      isolated: true, // the demo never touches the user's AWS account, profile or config
    });
    const run = await targets.train("sagemaker").train(
      {
        entryPoint: example.train,
        sourceDir: join(examples, example.dir),
        channels: { train: join(data, "train.csv") },
        framework,
        baseJobName: "mlship-demo",
      },
      op,
    );
    deployment = targets.deploy("sagemaker");
    const deployed = await deployment.deploy(
      { name, model: { trainingJob: run.jobName, entryPoint: example.serve }, framework },
      op,
    );

    const invoker = await deployment.invoker(name, op);
    try {
      const [header = "", first = ""] = (await readFile(join(data, "test.csv"), "utf8")).split("\n");
      const features = header.split(",").slice(1); // `target` is the first column
      const row = first.split(",").slice(1).join(",");
      const answer = await invoker.invoke({
        body: row,
        contentType: "text/csv",
        accept: "application/json",
        signal: ctx.signal,
      });
      const probability = deserialize(answer.body, answer.contentType).flat()[0];
      say(`invoked ${name} with the first held-out row: P(malignant) = ${probability}`);

      const out = join(scratch, "scores.csv");
      const summary = await score({
        model: createModelSource({ invoker, features, events: ctx.events }),
        data: join(data, "test.csv"),
        label: "target",
        out,
        signal: ctx.signal,
        events: ctx.events,
      });
      const shown = { ...summary, out: undefined }; // the scores file lives in the scratch folder removed below
      const report = reportPath;
      await writeFile(
        report,
        renderScoreReport(shown, {
          title: "mlship demo — breast cancer",
          subtitle: `${framework} model, endpoint ${name} on the emulator`,
        }),
      );
      ctx.print(
        {
          framework,
          trainingJob: run.jobName,
          endpoint: deployed.name,
          invoke: { row, response: probability },
          score: shown,
          report,
        },
        () =>
          `\nTrained ${run.jobName}, deployed ${deployed.name}, scored the held-out split:\n${renderScoreSummary(shown, report)}`,
      );
    } finally {
      await invoker.close?.();
    }
  } finally {
    // Clean up even after a failure or Ctrl-C: the endpoint, then the emulator and (unless --keep) its data.
    await deployment?.delete(name, { events: ctx.events }).catch(() => {});
    await emulator.stop();
    await rm(scratch, { recursive: true, force: true });
  }
};
