import type { CommandName } from "@mlship/core";
import { Command, InvalidArgumentError, Option } from "commander";
import type { CliContext } from "./context.js";
import type { CliIO } from "./io.js";
import { addTargetFlags, type DiscoveredPlugin } from "./target-flags.js";

/** A command's implementation, loaded only when that command runs (keeps `mlship --help` free of cloud SDKs). */
export type CommandRun = (ctx: CliContext, args: string[], options: Record<string, unknown>) => Promise<void>;
export type Lazy = () => Promise<{ run: CommandRun }>;
export type Dispatch = (command: Command, load: Lazy, args: string[]) => Promise<void>;

const collect = (value: string, previous: string[] = []) => [...previous, value];
const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative whole number, got "${value}"`);
  return n;
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** `--since`: a duration back from now (`aws logs tail --since` units) or an ISO 8601 time, as epoch ms. */
export const sinceTime = (value: string, now = Date.now()) => {
  const relative = /^(\d+)([smhdw])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * (UNIT_MS[relative[2] as string] as number);
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      `--since takes a duration such as 30s, 10m, 2h, 1d or 1w, or an ISO 8601 time; got "${value}"`,
    );
  return at;
};

const example = (lines: string) => `\nExamples:\n${lines}\n`;

/**
 * Options a command cannot run without. Not commander's requiredOption: commander checks those before unknown
 * flags, so a typo (`--entrypoint`) was reported as a missing `--entry-point`. These are checked in the action,
 * after commander has refused unknown flags with its "Did you mean" suggestion.
 */
const requiredOptions = new WeakSet<Option>();
const required = (flags: string, description: string) => {
  const option = new Option(flags, description);
  requiredOptions.add(option);
  return option;
};

function checkRequired(cmd: Command): void {
  for (const option of cmd.options) {
    if (requiredOptions.has(option) && cmd.getOptionValue(option.attributeName()) === undefined)
      cmd.error(`error: required option '${option.flags}' not specified`, {
        code: "commander.missingMandatoryOptionValue",
      });
  }
}

/** The commands that take `--target` (and the target plugins' flags); subcommands count as their group. */
export const TARGET_COMMANDS: ReadonlySet<CommandName> = new Set([
  "train",
  "deploy",
  "invoke",
  "score",
  "deployments",
  "jobs",
  "transforms",
  "tune",
  "rime",
]);

/** What the target plugins add to the commands: found before parsing, for the command being run only. */
export interface TargetFlagSource {
  plugins: readonly DiscoveredPlugin[];
  /** The target named on the command line: only its flags are listed in the help. */
  shown?: string;
}

/**
 * Every command and flag; actions import their module lazily through `dispatch`. Target flags come from
 * the plugins in `targets`; no target's flag is written here.
 */
export function buildProgram(
  version: string,
  dispatch: Dispatch,
  io: CliIO,
  targets: TargetFlagSource = { plugins: [] },
): Command {
  // exitOverride and output before any subcommand is added, so every subcommand inherits them.
  const program = new Command("mlship")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .description("Train, deploy, invoke and score scikit-learn models on SageMaker, Kyma or this machine.")
    .version(version, "-V, --version")
    .option("--config <file>", "config file (default: mlship.config.json found upward)")
    .option("--region <region>", "AWS region")
    .option("--profile <profile>", "AWS shared-config profile")
    .option("--endpoint-url <url>", "one endpoint for every AWS service (the emulator, a compatible API)")
    .option("--json", "print exactly one JSON document (the result) on stdout")
    .option("--events", "print events as JSON lines on stderr")
    .option("-q, --quiet", "print only the result")
    .option("-v, --verbose", "more detail, stack traces on errors")
    .option("--no-color", "no colours (also NO_COLOR)")
    .showHelpAfterError()
    .addHelpText(
      "after",
      example(
        "  $ mlship demo\n  $ mlship train --target sagemaker --entry-point train.py --source-dir src --data train=train.csv",
      ),
    );

  const on = (cmd: Command, load: Lazy) =>
    cmd.action(async (...a: unknown[]) => {
      const self = a[a.length - 1] as Command;
      checkRequired(self);
      await dispatch(self, load, self.args);
    });
  // Target flags are added once every command has its own (a clash keeps the command's meaning).
  const targeted: Array<[Command, CommandName]> = [];
  const target = (cmd: Command, command: CommandName) => {
    targeted.push([cmd, command]);
    return cmd.option("-t, --target <name>", "target plugin (sagemaker, kyma, local, or a package)");
  };

  /** The training job's flags, shared by train and tune (a tuning job's trials run that job). */
  const trainingFlags = (cmd: Command) =>
    cmd
      .addOption(required("--entry-point <file>", "training script, relative to --source-dir"))
      .option(
        "--source-dir <dir>",
        "code directory shipped to the job (default: the entry point script alone)",
      )
      .option(
        "--data <channel=source>",
        "channel data: a file, a directory or s3:// URI; repeatable",
        collect,
      )
      .option("--content-type <type>", "content type of the channel data (default from the file extension)")
      .option("--hp <key=value>", "hyperparameter; repeatable (values parsed as JSON when they are)", collect)
      .option(
        "--metric <name=regex>",
        "metric read from the job's log (one capture group, a float; the last value is final); repeatable",
        collect,
      )
      .addOption(new Option("--framework <name>", "runtime").choices(["sklearn", "node"]))
      .option("--framework-version <version>", "scikit-learn container version (default 1.2-1)")
      .option("--image <uri>", "explicit training image")
      .option("--instance-type <type>", "instance type", "ml.m5.large")
      .option("--instance-count <n>", "instances", int("--instance-count"))
      .option("--base-job-name <name>", "job name prefix")
      .option("--max-runtime <seconds>", "stop the job after this long", int("--max-runtime"));

  on(
    trainingFlags(
      target(program.command("train"), "train").description("run a training job (stages local data first)"),
    )
      .option("--no-wait", "return once the job is created")
      .addOption(
        new Option("--logs <which>", "stream the job's logs").choices(["all", "none"]).default("all"),
      )
      .option("--download-output <dir>", "download and extract model and output artifacts here")
      .addHelpText(
        "after",
        example(
          "  $ mlship train --entry-point train.py --source-dir examples/sklearn-breast-cancer \\\n      --data train=examples/sklearn-breast-cancer/data/train.csv --hp n_estimators=50",
        ),
      ),
    () => import("./commands/train.js"),
  );

  on(
    target(program.command("deploy"), "deploy")
      .description("deploy a trained model (creates, or updates in place)")
      .addOption(required("--model <job|s3-uri>", "training job name or model.tar.gz S3 URI"))
      .addOption(required("--name <name>", "deployment (endpoint) name"))
      .option("--entry-point <file>", "inference script (default: the training job's)")
      .option("--source-dir <dir>", "inference code directory")
      .option("--framework-version <version>", "scikit-learn container version")
      .option("--image <uri>", "explicit inference image")
      .option("--instance-type <type>", "instance type", "ml.m5.large")
      .option(
        "--instance-count <n>",
        "instances / replicas (the seed's initial_instance_count)",
        int("--instance-count"),
      )
      .option("--env <key=value>", "environment variable for the model; repeatable", collect)
      .option("--no-wait", "return once the deployment is requested")
      .option("--dry-run", "print what the deploy would create, update and delete, and change nothing")
      .addHelpText(
        "after",
        example(
          "  $ mlship deploy --model train-2026-11-23-13-00-00-000 --name breast-cancer --dry-run\n  $ mlship deploy --model train-2026-11-23-13-00-00-000 --name breast-cancer\n  $ mlship deploy -t kyma --help    # the flags a target adds (here Kyma's)",
        ),
      ),
    () => import("./commands/deploy.js"),
  );

  on(
    target(program.command("invoke <name>"), "invoke")
      .description("send one request to a deployment and print the answer")
      .option("--body <text>", "request body (the seed's payload)")
      .option("--file <path>", "request body from a file (the seed's payload_path)")
      .option(
        "--content-type <type>",
        "request content type (default from --file's extension, else text/csv)",
      )
      .option("--accept <type>", "response content type wanted", "application/json")
      .option(
        "--async",
        "asynchronous invocation (an async endpoint): upload --file, wait for the output object with progress",
      )
      .option("--no-wait", "with --async: print the output location and return at once")
      .addHelpText(
        "after",
        example(
          '  $ mlship invoke breast-cancer --body "17.99,10.38,122.8,1001,0.1184"\n  $ mlship invoke breast-cancer --file rows.csv --accept text/csv\n  $ mlship invoke breast-cancer-async --async --file big.csv [--no-wait]',
        ),
      ),
    () => import("./commands/invoke.js"),
  );

  on(
    target(program.command("score <name>"), "score")
      .description("score a dataset against a deployment: one probability per row")
      .addOption(
        required(
          "--data <file>",
          "input: CSV with a header, JSON Lines or Parquet; with --capture, a folder of SageMaker data capture",
        ),
      )
      .option(
        "--capture",
        "--data is a copied data-capture prefix: score the captured requests (needs --features), keeping each one's event id, time and original answer",
      )
      .option(
        "--features <a,b,c>",
        "feature columns in the order the model expects (default: all but --label)",
      )
      .option("--label <column>", "label column: enables metrics")
      .option(
        "--keep <a,b,c>",
        "input columns copied into the output before the score ('all' for every column)",
      )
      .option("--out <file>", "output file: .csv, .jsonl or .parquet; default <data>.scores.csv")
      .option("--batch-size <rows>", "rows per request", int("--batch-size"))
      .option("--concurrency <n>", "requests in flight", int("--concurrency"))
      .option(
        "--resume",
        "continue an interrupted run from its checkpoint (checked against the partial output)",
      )
      .option("--restart", "discard an interrupted run's checkpoint and partial output, and start over")
      .option("--encoding <name>", "input text encoding (default utf-8, checked): latin1, windows-1252, ...")
      .option(
        "--lenient-quotes",
        "CSV: a quote never closed fails its line alone instead of stopping the run",
      )
      .option("--report <file>", "write a self-contained HTML report")
      .addOption(
        new Option(
          "--engine <engine>",
          "client: this process sends the rows; transform: the target's batch-transform job scores them",
        )
          .choices(["client", "transform"])
          .default("client"),
      )
      .addHelpText(
        "after",
        example(
          "  $ mlship score breast-cancer --data test.csv --label target --out scores.csv --report report.html\n" +
            "  $ mlship score breast-cancer --data test.parquet --keep id --out scores.parquet\n" +
            "  $ mlship score breast-cancer --capture --data ./capture/breast-cancer/ --features f1,f2,f3\n" +
            "  $ mlship score breast-cancer --data big.csv --label target --engine transform",
        ),
      ),
    () => import("./commands/score.js"),
  );

  const deployments = program.command("deployments").description("list, show and delete deployments");
  on(target(deployments.command("list"), "deployments").description("list deployments"), () =>
    import("./commands/deployments.js").then((m) => ({ run: m.list })),
  );
  on(target(deployments.command("get <name>"), "deployments").description("show one deployment"), () =>
    import("./commands/deployments.js").then((m) => ({ run: m.get })),
  );
  on(
    target(deployments.command("delete <name>"), "deployments")
      .description("delete a deployment and what it created")
      .option("--ignore-not-found", "succeed when the deployment does not exist (as kubectl does)"),
    () => import("./commands/deployments.js").then((m) => ({ run: m.delete_ })),
  );
  on(
    target(deployments.command("logs <name>"), "deployments")
      .description("print what a deployment's serving processes logged (CloudWatch, pod logs, server log)")
      .option("-f, --follow", "keep printing new lines until Ctrl-C")
      .option(
        "--since <time>",
        "only lines from the last 30s, 10m, 2h, 1d... or since an ISO 8601 time",
        sinceTime,
      )
      .addHelpText(
        "after",
        example(
          "  $ mlship deployments logs breast-cancer --since 10m\n  $ mlship deployments logs breast-cancer --follow --json   # one JSON object a line",
        ),
      ),
    () => import("./commands/deployments.js").then((m) => ({ run: m.logs })),
  );
  on(
    target(deployments.command("refresh-credentials <name>"), "deployments")
      .description(
        "renew the short-lived credentials a deployment runs on (kyma: ECR pull secret, presigned model URLs)",
      )
      .addHelpText(
        "after",
        example(
          "  $ mlship deployments refresh-credentials breast-cancer --target kyma\n" +
            "  # ECR tokens last 12 hours: e.g. from cron, every 6 hours\n" +
            "  0 */6 * * * mlship deployments refresh-credentials breast-cancer --target kyma --quiet",
        ),
      ),
    () => import("./commands/deployments.js").then((m) => ({ run: m.refreshCredentials })),
  );

  const jobs = program.command("jobs").description("list, describe, follow, stop and delete training jobs");
  on(target(jobs.command("list"), "jobs").description("list training jobs"), () =>
    import("./commands/jobs.js").then((m) => ({ run: m.list })),
  );
  on(target(jobs.command("describe <job>"), "jobs").description("show one training job"), () =>
    import("./commands/jobs.js").then((m) => ({ run: m.describe })),
  );
  on(
    target(jobs.command("logs <job>"), "jobs")
      .description("print a job's logs")
      .option("-f, --follow", "keep following until the job ends"),
    () => import("./commands/jobs.js").then((m) => ({ run: m.logs })),
  );
  on(target(jobs.command("stop <job>"), "jobs").description("stop a training job"), () =>
    import("./commands/jobs.js").then((m) => ({ run: m.stop })),
  );
  on(
    target(jobs.command("delete <job>"), "jobs")
      .description("delete a finished job and the state the target keeps for it (local)")
      .option("--ignore-not-found", "succeed when the job does not exist (as kubectl does)")
      .option("-y, --yes", "do not ask for confirmation (needed when stdin is not a terminal)")
      .addHelpText(
        "after",
        example("  $ mlship jobs delete train-2026-11-23-13-00-00-000 --target local --yes"),
      ),
    () => import("./commands/jobs.js").then((m) => ({ run: m.delete_ })),
  );

  const data = program.command("data").description("training data mlship staged to S3: list it, clean it up");
  on(data.command("list").description("jobs whose local data mlship staged, and what it wrote"), () =>
    import("./commands/data.js").then((m) => ({ run: m.list })),
  );
  on(
    data
      .command("cleanup [jobs...]")
      .description(
        "delete exactly the objects mlship staged for these jobs (never a prefix or your own data)",
      )
      .option("--all", "every job whose staged data is not yet cleaned up")
      .option("--dry-run", "print what would be deleted, and delete nothing")
      .option("-y, --yes", "do not ask for confirmation (needed when stdin is not a terminal)")
      .addHelpText(
        "after",
        example(
          "  $ mlship data cleanup train-2026-11-23-13-00-00-000 --dry-run\n  $ mlship data cleanup train-2026-11-23-13-00-00-000 --yes\n  $ mlship data cleanup --all",
        ),
      ),
    () => import("./commands/data.js").then((m) => ({ run: m.cleanup })),
  );

  // Transform jobs are their own resource (model, instances, S3 input/output), as in SageMaker's API.
  const tune = program
    .command("tune")
    .description("hyperparameter tuning jobs: run one (default), describe, list, stop");
  on(
    trainingFlags(target(tune.command("run", { isDefault: true }), "tune"))
      .description("run a tuning job: the training job's flags, plus ranges, objective and limits")
      .option("--name <name>", "tuning job name (at most 32 characters; default <base>-<timestamp>)")
      .option(
        "--range <name=type:...>",
        "continuous:MIN:MAX[:log|linear|reverse-log|auto], integer:MIN:MAX[:scaling] or categorical:A,B; repeatable",
        collect,
      )
      .addOption(required("--objective <metric>", "the --metric to optimise"))
      .addOption(
        new Option("--objective-type <type>", "direction")
          .choices(["Maximize", "Minimize"])
          .default("Maximize"),
      )
      .addOption(
        new Option("--strategy <name>", "search strategy")
          .choices(["Bayesian", "Random", "Grid", "Hyperband"])
          .default("Bayesian"),
      )
      .option("--max-jobs <n>", "training jobs in all (not with Grid)", int("--max-jobs"))
      .option("--max-parallel <n>", "training jobs at once (default 1)", int("--max-parallel"))
      .addOption(
        new Option("--early-stopping <type>", "stop poor trials early")
          .choices(["Off", "Auto"])
          .default("Off"),
      )
      .option(
        "--hyperband-min-resource <n>",
        "Hyperband: fewest epochs before a trial is judged",
        int("--hyperband-min-resource"),
      )
      .option(
        "--hyperband-max-resource <n>",
        "Hyperband: most epochs a trial gets",
        int("--hyperband-max-resource"),
      )
      .option("--warm-start <tuning-job>", "start from a finished tuning job's results; repeatable", collect)
      .addOption(
        new Option("--warm-start-type <type>", "warm start type").choices([
          "IdenticalDataAndAlgorithm",
          "TransferLearning",
        ]),
      )
      .option("--random-seed <n>", "repeatable proposals", int("--random-seed"))
      .option("--no-wait", "return once the tuning job is created")
      .addHelpText(
        "after",
        example(
          "  $ mlship tune --entry-point train.py --source-dir examples/sklearn-breast-cancer \\\n      --data train=examples/sklearn-breast-cancer/data/train.csv --data test=examples/sklearn-breast-cancer/data/test.csv \\\n      --metric 'test_auc=test_auc=([0-9.]+);' --objective test_auc \\\n      --range C=continuous:0.001:100:log --range max_iter=integer:20:1000 --max-jobs 8 --max-parallel 2",
        ),
      ),
    () => import("./commands/tune.js"),
  );
  on(
    target(tune.command("describe <name>"), "tune").description("show a tuning job and its training jobs"),
    () => import("./commands/tune.js").then((m) => ({ run: m.describe })),
  );
  on(target(tune.command("list"), "tune").description("list tuning jobs"), () =>
    import("./commands/tune.js").then((m) => ({ run: m.list })),
  );
  on(
    target(tune.command("stop <name>"), "tune").description(
      "stop a tuning job and its running training jobs",
    ),
    () => import("./commands/tune.js").then((m) => ({ run: m.stop })),
  );

  const transforms = program
    .command("transforms")
    .description("list, describe, follow and stop batch-transform jobs (score --engine transform)");
  on(target(transforms.command("list"), "transforms").description("list transform jobs"), () =>
    import("./commands/transforms.js").then((m) => ({ run: m.list })),
  );
  on(target(transforms.command("describe <job>"), "transforms").description("show one transform job"), () =>
    import("./commands/transforms.js").then((m) => ({ run: m.describe })),
  );
  on(
    target(transforms.command("logs <job>"), "transforms")
      .description("print a transform job's logs (every instance)")
      .option("-f, --follow", "keep following until the job ends"),
    () => import("./commands/transforms.js").then((m) => ({ run: m.logs })),
  );
  on(target(transforms.command("stop <job>"), "transforms").description("stop a transform job"), () =>
    import("./commands/transforms.js").then((m) => ({ run: m.stop })),
  );

  const rime = program.command("rime").description("RIME integration");
  on(
    target(rime.command("export <name>"), "rime")
      .description("write a RIME model file (predict_dict / predict_df) that calls the deployment")
      .addOption(required("--features <a,b,c>", "feature columns in model order"))
      .option("--out <file>", "output file", "model.py")
      .addHelpText(
        "after",
        example("  $ mlship rime export breast-cancer --features mean_radius,mean_texture --out model.py"),
      ),
    () => import("./commands/rime.js"),
  );

  on(
    program
      .command("emulator")
      .description("run the AWS emulator in the foreground and print the variables that point SDKs at it")
      .option("--port <port>", "port (0 = any free one)", int("--port"), 4566)
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .option("--data-dir <dir>", "keep state here across restarts")
      .addHelpText("after", example("  $ mlship emulator --port 4566 --data-dir .mlship/emulator")),
    () => import("./commands/emulator.js"),
  );

  on(
    program
      .command("demo")
      .description("train, deploy, invoke and score the breast-cancer example offline (no AWS account)")
      .addOption(
        new Option(
          "--framework <name>",
          "training runtime (default: sklearn when a Python with scikit-learn is found)",
        ).choices(["sklearn", "node"]),
      )
      .option("--report <file>", "HTML report path", "mlship-demo-report.html")
      .option("--keep", "keep the emulator's data directory")
      .addHelpText("after", example("  $ mlship demo\n  $ mlship demo --framework node --json")),
    () => import("./commands/demo.js"),
  );

  on(
    program.command("targets").description("list the target plugins found and where they came from"),
    () => import("./commands/targets.js"),
  );

  for (const [cmd, command] of targeted) addTargetFlags(cmd, command, targets.plugins, targets.shown);
  return program;
}
