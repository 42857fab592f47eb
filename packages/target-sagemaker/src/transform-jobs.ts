import type { DescribeTransformJobCommandOutput, TransformJobSummary } from "@aws-sdk/client-sagemaker";
import {
  type ListOptions,
  type LogEvent,
  type LogOptions,
  MlshipError,
  type OperationContext,
  type TransformJob,
} from "@mlship/core";
import { isNotFound, wrapAwsError } from "@mlship/data-s3";
import { LogTail, TRANSFORM_LOG_GROUP } from "./logs.js";
import type { Session } from "./session.js";
import { backoff, sleep } from "./wait.js";

const ENDED = new Set(["Completed", "Failed", "Stopped"]);
const iso = (d: Date | undefined) => d?.toISOString();

function fromDescription(d: DescribeTransformJobCommandOutput): TransformJob {
  return {
    job: d.TransformJobName ?? "",
    status: d.TransformJobStatus ?? "InProgress",
    ...(d.FailureReason ? { failureReason: d.FailureReason } : {}),
    model: d.ModelName,
    instanceCount: d.TransformResources?.InstanceCount,
    instanceType: d.TransformResources?.InstanceType,
    input: d.TransformInput?.DataSource?.S3DataSource?.S3Uri,
    output: d.TransformOutput?.S3OutputPath,
    createdAt: iso(d.CreationTime),
    startedAt: iso(d.TransformStartTime),
    endedAt: iso(d.TransformEndTime),
  };
}

function fromSummary(s: TransformJobSummary): TransformJob {
  return {
    job: s.TransformJobName ?? "",
    status: s.TransformJobStatus ?? "InProgress",
    ...(s.FailureReason ? { failureReason: s.FailureReason } : {}),
    createdAt: iso(s.CreationTime),
    endedAt: iso(s.TransformEndTime),
  };
}

async function describeRaw(session: Session, job: string, signal?: AbortSignal) {
  try {
    return await session.deps.api.describeTransformJob({ TransformJobName: job }, { abortSignal: signal });
  } catch (e) {
    if (isNotFound(e)) {
      throw new MlshipError("E_NOT_FOUND", `No transform job named ${job}`, {
        where: job,
        cause: e,
        hint: "`mlship transforms list` shows the transform jobs.",
      });
    }
    throw wrapAwsError(e, `Describing transform job ${job}`, { where: job });
  }
}

export async function describeTransform(session: Session, job: string, ctx?: OperationContext) {
  return fromDescription(await describeRaw(session, job, ctx?.signal));
}

/** ListTransformJobs, newest first, every page up to `maxResults`. */
export async function listTransforms(session: Session, options: ListOptions = {}): Promise<TransformJob[]> {
  const jobs: TransformJob[] = [];
  const max = options.maxResults ?? 100;
  let next: string | undefined;
  do {
    const page = await session.deps.api
      .listTransformJobs({
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: Math.min(100, max - jobs.length),
        ...(options.nameContains ? { NameContains: options.nameContains } : {}),
        NextToken: next,
      })
      .catch((e: unknown) => {
        throw wrapAwsError(e, "Listing transform jobs");
      });
    jobs.push(...(page.TransformJobSummaries ?? []).map(fromSummary));
    next = page.NextToken;
  } while (next && jobs.length < max);
  return jobs;
}

export async function stopTransform(session: Session, job: string, ctx?: OperationContext): Promise<void> {
  const d = await describeRaw(session, job, ctx?.signal);
  if (ENDED.has(d.TransformJobStatus ?? "")) return;
  await session.deps.api.stopTransformJob({ TransformJobName: job }).catch((e: unknown) => {
    throw wrapAwsError(e, `Stopping transform job ${job}`, { where: job });
  });
}

/** The job's log streams (`<job>/<instance>`, `<job>/<instance>/data-log`), merged by time; `follow` until it ends. */
export async function* transformLogs(
  session: Session,
  job: string,
  options: LogOptions = {},
): AsyncGenerator<LogEvent> {
  const tail = new LogTail(session.deps.logs, { group: TRANSFORM_LOG_GROUP, prefix: `${job}/` });
  const delays = backoff(session.poll);
  await describeRaw(session, job, options.signal);
  for (;;) {
    yield* await tail.poll(options.signal);
    if (!options.follow) return;
    const d = await describeRaw(session, job, options.signal);
    if (ENDED.has(d.TransformJobStatus ?? "")) {
      yield* await tail.poll(options.signal);
      return;
    }
    await sleep(delays.next().value, options.signal, `Following logs of ${job}`);
  }
}
