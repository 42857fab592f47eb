// Hyperparameter tuning jobs through the real AWS SDK v3 client: child training jobs really run (a cheap
// Node script whose objective is a known function of its hyperparameters), so counters, best job,
// parallelism, Stop and early stopping are checked against what the jobs actually did.
import { S3Client } from "@aws-sdk/client-s3";
import {
  CreateHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  CreateTrainingJobCommand,
  DescribeHyperParameterTuningJobCommand,
  type DescribeHyperParameterTuningJobCommandOutput,
  DescribeTrainingJobCommand,
  type HyperParameterTrainingJobSummary,
  type HyperParameterTuningJobConfig,
  ListHyperParameterTuningJobsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  SageMakerClient,
  StopHyperParameterTuningJobCommand,
  waitUntilTrainingJobCompletedOrStopped,
} from "@aws-sdk/client-sagemaker";
import { NODE_RUNTIME_IMAGE } from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../index.js";
import { MEDIAN_RULE_MIN_PEERS } from "./tuning/early-stopping.js";
import { objectiveScore, uploadObjectiveCode } from "./tuning/test-support.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const BUCKET = "tuning";

let emulator: Emulator;
let sm: SageMakerClient;
let source: string;

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  sm = new SageMakerClient(config);
  const s3 = new S3Client(config);
  source = await uploadObjectiveCode(s3, BUCKET);
  s3.destroy();
});

afterAll(async () => {
  sm?.destroy();
  await emulator?.stop();
});

function tuningJob(
  name: string,
  config: Omit<HyperParameterTuningJobConfig, "HyperParameterTuningJobObjective">,
  statics: Record<string, string> = {},
): CreateHyperParameterTuningJobCommandInput {
  return {
    HyperParameterTuningJobName: name,
    HyperParameterTuningJobConfig: {
      HyperParameterTuningJobObjective: { Type: "Maximize", MetricName: "score" },
      ...config,
    },
    TrainingJobDefinition: {
      RoleArn: ROLE,
      AlgorithmSpecification: {
        TrainingImage: NODE_RUNTIME_IMAGE,
        TrainingInputMode: "File",
        MetricDefinitions: [{ Name: "score", Regex: "score=(-?[0-9.]+);" }],
      },
      StaticHyperParameters: {
        sagemaker_program: '"objective.mjs"',
        sagemaker_submit_directory: JSON.stringify(source),
        ...statics,
      },
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/jobs` },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    },
  };
}

const XY_RANGES = {
  ContinuousParameterRanges: [
    { Name: "x", MinValue: "0", MaxValue: "1", ScalingType: "Linear" as const },
    { Name: "y", MinValue: "0", MaxValue: "1" },
  ],
};

async function describeTuning(name: string): Promise<DescribeHyperParameterTuningJobCommandOutput> {
  return sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: name }));
}

/** Polls until the tuning job leaves InProgress/Stopping; `onPoll` runs at every poll. */
async function waitForTuning(name: string, onPoll?: () => Promise<void>) {
  for (let i = 0; i < 600; i++) {
    await onPoll?.();
    const job = await describeTuning(name);
    if (
      job.HyperParameterTuningJobStatus !== "InProgress" &&
      job.HyperParameterTuningJobStatus !== "Stopping"
    )
      return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tuning job ${name} did not finish`);
}

async function children(name: string): Promise<HyperParameterTrainingJobSummary[]> {
  const out = await sm.send(
    new ListTrainingJobsForHyperParameterTuningJobCommand({
      HyperParameterTuningJobName: name,
      MaxResults: 100,
    }),
  );
  return out.TrainingJobSummaries ?? [];
}

const scoreOf = (t: HyperParameterTrainingJobSummary) => objectiveScore(t.TunedHyperParameters ?? {});

describe("training job metrics on the emulator", () => {
  it("DescribeTrainingJob carries FinalMetricDataList, the last value of each metric", async () => {
    const input = tuningJob("unused", { Strategy: "Random", ResourceLimits: { MaxParallelTrainingJobs: 1 } })
      .TrainingJobDefinition as NonNullable<
      CreateHyperParameterTuningJobCommandInput["TrainingJobDefinition"]
    >;
    await sm.send(
      new CreateTrainingJobCommand({
        TrainingJobName: "metrics-job",
        RoleArn: ROLE,
        AlgorithmSpecification: {
          ...(input.AlgorithmSpecification as { TrainingInputMode: "File" }),
          MetricDefinitions: [
            { Name: "score", Regex: "score=(-?[0-9.]+);" },
            { Name: "epoch", Regex: "epoch (\\d+)" },
          ],
        },
        HyperParameters: { ...input.StaticHyperParameters, x: "0.5", y: "0.5", epochs: "3" },
        OutputDataConfig: input.OutputDataConfig,
        ResourceConfig: input.ResourceConfig,
        StoppingCondition: input.StoppingCondition,
      }),
    );
    await waitUntilTrainingJobCompletedOrStopped(
      { client: sm, maxWaitTime: 60, minDelay: 0.2, maxDelay: 0.5 },
      { TrainingJobName: "metrics-job" },
    );
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: "metrics-job" }));
    expect(job.TrainingJobStatus).toBe("Completed");
    expect(job.FinalMetricDataList?.map((m) => [m.MetricName, m.Value])).toEqual([
      ["score", -0.08],
      ["epoch", 3],
    ]);
    expect(job.FinalMetricDataList?.[0]?.Timestamp).toBeInstanceOf(Date);
  });

  it("rejects a metric regex without a capture group before the job exists", async () => {
    const error = await sm
      .send(
        new CreateTrainingJobCommand({
          TrainingJobName: "bad-metric-job",
          RoleArn: ROLE,
          AlgorithmSpecification: {
            TrainingImage: NODE_RUNTIME_IMAGE,
            TrainingInputMode: "File",
            MetricDefinitions: [{ Name: "score", Regex: "score=[0-9.]+" }],
          },
          OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/jobs` },
          ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 60 },
        }),
      )
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: "ValidationException" });
    expect((error as Error).message).toMatch(/0 capture groups/);
    const listed = await sm.send(new ListTrainingJobsCommand({ NameContains: "bad-metric-job" }));
    expect(listed.TrainingJobSummaries).toEqual([]);
  });
});

describe("hyperparameter tuning jobs on the emulator", () => {
  it("Random: never more than MaxParallelTrainingJobs children at once; BestTrainingJob is the best child", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningJob(
          "random-xy",
          {
            Strategy: "Random",
            RandomSeed: 7,
            ResourceLimits: { MaxNumberOfTrainingJobs: 6, MaxParallelTrainingJobs: 2 },
            ParameterRanges: XY_RANGES,
          },
          { delay: "150" },
        ),
      ),
    );
    let most = 0;
    const job = await waitForTuning("random-xy", async () => {
      const running = await sm.send(
        new ListTrainingJobsCommand({
          NameContains: "random-xy",
          StatusEquals: "InProgress",
          MaxResults: 100,
        }),
      );
      most = Math.max(most, running.TrainingJobSummaries?.length ?? 0);
    });
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    const jobs = await children("random-xy");
    // Lifetimes from the child jobs themselves: at any instant at most two overlap.
    const lifetimes = await Promise.all(
      jobs.map(async (t) => {
        const d = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: t.TrainingJobName }));
        expect(d.TuningJobArn).toBe(job.HyperParameterTuningJobArn);
        expect(d.HyperParameters?._tuning_objective_metric).toBe("score");
        return [d.CreationTime?.getTime() ?? 0, d.TrainingEndTime?.getTime() ?? 0] as const;
      }),
    );
    for (const [start] of lifetimes) {
      expect(lifetimes.filter(([s, e]) => s <= start && start < e).length).toBeLessThanOrEqual(2);
    }
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    expect(jobs).toHaveLength(6);
    expect(job.TrainingJobStatusCounters).toEqual({
      Completed: 6,
      InProgress: 0,
      RetryableError: 0,
      NonRetryableError: 0,
      Stopped: 0,
    });
    expect(job.ObjectiveStatusCounters).toEqual({ Succeeded: 6, Pending: 0, Failed: 0 });
    for (const t of jobs) {
      expect(t.TrainingJobName).toMatch(/^random-xy-00[1-6]-[0-9a-f]{8}$/);
      expect(t.FinalHyperParameterTuningJobObjectiveMetric?.Value).toBe(scoreOf(t));
    }
    const best = Math.max(...jobs.map(scoreOf));
    expect(job.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric).toEqual({
      Type: "Maximize",
      MetricName: "score",
      Value: best,
    });
    const sorted = await sm.send(
      new ListTrainingJobsForHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: "random-xy",
        SortBy: "FinalObjectiveMetricValue",
        SortOrder: "Descending",
        MaxResults: 2,
      }),
    );
    expect(sorted.TrainingJobSummaries?.[0]?.TrainingJobName).toBe(job.BestTrainingJob?.TrainingJobName);
    expect(sorted.NextToken).toBeDefined();
    const listed = await sm.send(new ListHyperParameterTuningJobsCommand({ NameContains: "random-xy" }));
    expect(listed.HyperParameterTuningJobSummaries?.[0]).toMatchObject({
      HyperParameterTuningJobStatus: "Completed",
      Strategy: "Random",
      ObjectiveStatusCounters: { Succeeded: 6 },
    });
  });

  it("Grid: every categorical combination once; a failing child counts as NonRetryableError and objective Failed", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningJob("grid-modes", {
          Strategy: "Grid",
          ResourceLimits: { MaxParallelTrainingJobs: 2 },
          ParameterRanges: {
            CategoricalParameterRanges: [
              { Name: "mode", Values: ["ok", "crash"] },
              { Name: "x", Values: ["0.1", "0.3", "0.9"] },
            ],
          },
        }),
      ),
    );
    const job = await waitForTuning("grid-modes");
    const jobs = await children("grid-modes");
    expect(jobs.map((t) => `${t.TunedHyperParameters?.mode}/${t.TunedHyperParameters?.x}`).sort()).toEqual([
      "crash/0.1",
      "crash/0.3",
      "crash/0.9",
      "ok/0.1",
      "ok/0.3",
      "ok/0.9",
    ]);
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    expect(job.TrainingJobStatusCounters).toMatchObject({
      Completed: 3,
      NonRetryableError: 3,
      RetryableError: 0,
    });
    expect(job.ObjectiveStatusCounters).toEqual({ Succeeded: 3, Pending: 0, Failed: 3 });
    const failed = jobs.filter((t) => t.TrainingJobStatus === "Failed");
    expect(
      failed.every((t) => t.ObjectiveStatus === "Failed" && /AlgorithmError/.test(t.FailureReason ?? "")),
    ).toBe(true);
    expect(job.BestTrainingJob?.TunedHyperParameters).toEqual({ mode: "ok", x: "0.3" });
  });

  it("spot and tags: every child runs the definition's spot settings and carries the tuning job's tags", async () => {
    const request = tuningJob("spot-tagged", {
      Strategy: "Grid",
      ResourceLimits: { MaxParallelTrainingJobs: 2 },
      ParameterRanges: { CategoricalParameterRanges: [{ Name: "x", Values: ["0.1", "0.3"] }] },
    });
    const definition = request.TrainingJobDefinition as NonNullable<typeof request.TrainingJobDefinition>;
    definition.EnableManagedSpotTraining = true;
    definition.StoppingCondition = { MaxRuntimeInSeconds: 300, MaxWaitTimeInSeconds: 600 };
    await sm.send(
      new CreateHyperParameterTuningJobCommand({ ...request, Tags: [{ Key: "team", Value: "ml" }] }),
    );
    const job = await waitForTuning("spot-tagged");
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    for (const child of await children("spot-tagged")) {
      const described = await sm.send(
        new DescribeTrainingJobCommand({ TrainingJobName: child.TrainingJobName }),
      );
      expect(described).toMatchObject({
        EnableManagedSpotTraining: true,
        StoppingCondition: { MaxRuntimeInSeconds: 300, MaxWaitTimeInSeconds: 600 },
      });
      const tags = await sm.send(new ListTagsCommand({ ResourceArn: described.TrainingJobArn }));
      expect(tags.Tags).toEqual([{ Key: "team", Value: "ml" }]);
    }
    definition.StoppingCondition = { MaxRuntimeInSeconds: 300 };
    const refused = await sm
      .send(
        new CreateHyperParameterTuningJobCommand({ ...request, HyperParameterTuningJobName: "spot-no-wait" }),
      )
      .catch((e: Error) => e);
    expect(refused).toMatchObject({ name: "ValidationException" });
  });

  it("Stop: running children are stopped, nothing more starts, the job ends Stopped", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningJob(
          "stop-me",
          {
            Strategy: "Random",
            ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
            ParameterRanges: XY_RANGES,
          },
          { epochs: "100", delay: "100" },
        ),
      ),
    );
    for (let i = 0; i < 100 && (await children("stop-me")).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    await sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "stop-me" }));
    expect((await describeTuning("stop-me")).HyperParameterTuningJobStatus).toMatch(/^Stopp(ing|ed)$/);
    const job = await waitForTuning("stop-me");
    expect(job.HyperParameterTuningJobStatus).toBe("Stopped");
    const jobs = await children("stop-me");
    expect(jobs).toHaveLength(2);
    expect(jobs.map((t) => t.TrainingJobStatus)).toEqual(["Stopped", "Stopped"]);
    expect(job.TrainingJobStatusCounters).toMatchObject({ Stopped: 2, InProgress: 0 });
    await expect(
      sm.send(new StopHyperParameterTuningJobCommand({ HyperParameterTuningJobName: "stop-me" })),
    ).rejects.toMatchObject({ name: "ValidationException" });
  });

  it("early stopping Auto stops exactly the children worse than the median of earlier running averages", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningJob(
          "early-auto",
          {
            Strategy: "Random",
            RandomSeed: 11,
            TrainingJobEarlyStoppingType: "Auto",
            ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 1 },
            ParameterRanges: XY_RANGES,
          },
          { epochs: "4", delay: "40" },
        ),
      ),
    );
    const job = await waitForTuning("early-auto");
    const jobs = (await children("early-auto")).sort((a, b) =>
      String(a.TrainingJobName).localeCompare(String(b.TrainingJobName)),
    );
    expect(jobs).toHaveLength(10);
    const stopped = jobs.filter((t) => t.TrainingJobStatus === "Stopped");
    expect(stopped.length).toBeGreaterThan(0);
    // One job at a time and a constant curve: a job is stopped iff its score is below the median of the
    // earlier jobs' scores (once there are enough of them).
    jobs.forEach((t, i) => {
      const earlier = jobs
        .slice(0, i)
        .map(scoreOf)
        .sort((a, b) => a - b);
      const median =
        earlier.length % 2
          ? earlier[(earlier.length - 1) / 2]
          : ((earlier[earlier.length / 2 - 1] ?? 0) + (earlier[earlier.length / 2] ?? 0)) / 2;
      const expected = earlier.length >= MEDIAN_RULE_MIN_PEERS && scoreOf(t) < (median as number);
      expect(t.TrainingJobStatus, t.TrainingJobName).toBe(expected ? "Stopped" : "Completed");
    });
    // A stopped child still has its objective (the last value it logged).
    expect(stopped.every((t) => t.ObjectiveStatus === "Succeeded")).toBe(true);
    expect(job.TrainingJobStatusCounters?.Stopped).toBe(stopped.length);
  });

  it("Hyperband stops children that fall behind at a rung and lets the best run to MaxResource", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand(
        tuningJob(
          "hyperband",
          {
            Strategy: "Hyperband",
            RandomSeed: 3,
            StrategyConfig: { HyperbandStrategyConfig: { MinResource: 1, MaxResource: 9 } },
            ResourceLimits: { MaxNumberOfTrainingJobs: 8, MaxParallelTrainingJobs: 2 },
            ParameterRanges: XY_RANGES,
          },
          { epochs: "9", delay: "30" },
        ),
      ),
    );
    const job = await waitForTuning("hyperband");
    const jobs = await children("hyperband");
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    const stopped = jobs.filter((t) => t.TrainingJobStatus === "Stopped");
    expect(stopped.length).toBeGreaterThan(0);
    const best = jobs.find((t) => t.TrainingJobName === job.BestTrainingJob?.TrainingJobName);
    expect(best?.TrainingJobStatus).toBe("Completed");
    expect(Math.max(...stopped.map(scoreOf))).toBeLessThan(scoreOf(best as HyperParameterTrainingJobSummary));
  });

  it("Bayesian, warm-started from a parent: OverallBestTrainingJob is the best of both", async () => {
    await sm.send(
      new CreateHyperParameterTuningJobCommand({
        ...tuningJob("bayes-warm", {
          Strategy: "Bayesian",
          RandomSeed: 5,
          ResourceLimits: { MaxNumberOfTrainingJobs: 4, MaxParallelTrainingJobs: 2 },
          ParameterRanges: XY_RANGES,
        }),
        WarmStartConfig: {
          ParentHyperParameterTuningJobs: [{ HyperParameterTuningJobName: "random-xy" }],
          WarmStartType: "IdenticalDataAndAlgorithm",
        },
      }),
    );
    const job = await waitForTuning("bayes-warm");
    expect(job.HyperParameterTuningJobStatus).toBe("Completed");
    expect(job.ObjectiveStatusCounters?.Succeeded).toBe(4);
    const all = [...(await children("random-xy")), ...(await children("bayes-warm"))];
    const best = Math.max(...all.map(scoreOf));
    expect(job.OverallBestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric?.Value).toBe(best);
    expect(job.WarmStartConfig?.WarmStartType).toBe("IdenticalDataAndAlgorithm");
  });

  it("rejects bad configurations with ValidationException before launching anything", async () => {
    const attempts: Array<[CreateHyperParameterTuningJobCommandInput, RegExp]> = [
      [
        tuningJob("bad-grid", {
          Strategy: "Grid",
          ResourceLimits: { MaxParallelTrainingJobs: 1 },
          ParameterRanges: XY_RANGES,
        }),
        /categorical parameter ranges only/,
      ],
      [
        {
          ...tuningJob("bad-objective", {
            Strategy: "Random",
            ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
            ParameterRanges: XY_RANGES,
          }),
          HyperParameterTuningJobConfig: {
            Strategy: "Random",
            HyperParameterTuningJobObjective: { Type: "Minimize", MetricName: "loss" },
            ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
            ParameterRanges: XY_RANGES,
          },
        },
        /objective metric loss is not among the metric definitions/,
      ],
      [
        tuningJob("bad-log", {
          Strategy: "Random",
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
          ParameterRanges: {
            ContinuousParameterRanges: [
              { Name: "x", MinValue: "0", MaxValue: "1", ScalingType: "Logarithmic" },
            ],
          },
        }),
        /Logarithmic scaling needs MinValue > 0/,
      ],
      [
        tuningJob("bad-hyperband", {
          Strategy: "Hyperband",
          TrainingJobEarlyStoppingType: "Auto",
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
          ParameterRanges: XY_RANGES,
        }),
        /must be Off with the Hyperband strategy/,
      ],
    ];
    for (const [input, message] of attempts) {
      const error = await sm.send(new CreateHyperParameterTuningJobCommand(input)).catch((e: Error) => e);
      expect(error, input.HyperParameterTuningJobName).toMatchObject({ name: "ValidationException" });
      expect((error as Error).message).toMatch(message);
    }
    const listed = await sm.send(new ListHyperParameterTuningJobsCommand({ NameContains: "bad-" }));
    expect(listed.HyperParameterTuningJobSummaries).toEqual([]);
  });
});
