import type { OutputLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import type { LogEvent } from "@mlship/core";
import { isNotFound, wrapAwsError } from "@mlship/data-s3";
import type { LogsApi } from "./api.js";

export const TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs";
export const TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs";
export const ENDPOINT_LOG_GROUP_PREFIX = "/aws/sagemaker/Endpoints";

/** SageMaker's group for an endpoint; its streams are `<variant>/<instance-id>` (one per instance). */
export const endpointLogGroup = (endpoint: string) => `${ENDPOINT_LOG_GROUP_PREFIX}/${endpoint}`;

/**
 * Where a failure's hint sends its reader: the CLI command first, then the method and the group itself (the
 * library is also used without the CLI).
 */
const logsHint = (command: string, method: string, where: string) =>
  `Its log says why: \`${command}\` (${method} in code; ${where}).`;
export const readLogs = (endpoint: string) =>
  logsHint(
    `mlship deployments logs ${endpoint}`,
    "the deployment's logs()",
    `CloudWatch group ${endpointLogGroup(endpoint)}`,
  );
export const readTransformLogs = (job: string) =>
  logsHint(
    `mlship transforms logs ${job}`,
    "the transformer's logs()",
    `CloudWatch group ${TRANSFORM_LOG_GROUP}, streams ${job}/*`,
  );
export const readTrainingLogs = (job: string) =>
  logsHint(
    `mlship jobs logs ${job}`,
    "the training target's logs()",
    `CloudWatch group ${TRAINING_LOG_GROUP}, streams ${job}/*`,
  );

/**
 * Reads every stream of one job (`<job>/algo-N-...`) incrementally, like the SDK's `logs_for_job`:
 * each `poll()` returns the new events of all streams, merged by timestamp. A missing group or stream
 * (the job has not started logging yet) is simply "nothing new".
 */
export class LogTail {
  readonly #api: LogsApi;
  readonly #group: string;
  readonly #prefix: string;
  readonly #tokens = new Map<string, string | undefined>();

  constructor(api: LogsApi, options: { group?: string; prefix: string }) {
    this.#api = api;
    this.#group = options.group ?? TRAINING_LOG_GROUP;
    this.#prefix = options.prefix;
  }

  async poll(signal?: AbortSignal): Promise<LogEvent[]> {
    await this.#discover(signal);
    const batches = await Promise.all(
      [...this.#tokens.keys()].map((stream) => this.#drainStream(stream, signal)),
    );
    return batches.flat().sort((a, b) => a.timestamp - b.timestamp);
  }

  async #discover(signal?: AbortSignal): Promise<void> {
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.#api.describeLogStreams(
          {
            logGroupName: this.#group,
            ...(this.#prefix ? { logStreamNamePrefix: this.#prefix } : {}),
            nextToken,
          },
          { abortSignal: signal },
        );
        for (const s of page.logStreams ?? []) {
          if (s.logStreamName && !this.#tokens.has(s.logStreamName))
            this.#tokens.set(s.logStreamName, undefined);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (e) {
      if (isNotFound(e)) return;
      throw wrapAwsError(e, `Reading log streams of ${this.#prefix}`);
    }
  }

  async #drainStream(stream: string, signal?: AbortSignal): Promise<LogEvent[]> {
    const out: LogEvent[] = [];
    // Bounded: CloudWatch returns the same forward token once a stream is drained.
    for (let page = 0; page < 100; page++) {
      const token = this.#tokens.get(stream);
      let events: OutputLogEvent[] = [];
      let next: string | undefined;
      try {
        const res = await this.#api.getLogEvents(
          { logGroupName: this.#group, logStreamName: stream, startFromHead: true, nextToken: token },
          { abortSignal: signal },
        );
        events = res.events ?? [];
        next = res.nextForwardToken;
      } catch (e) {
        if (isNotFound(e)) return out;
        throw wrapAwsError(e, `Reading log stream ${stream}`);
      }
      for (const ev of events) {
        out.push({ timestamp: ev.timestamp ?? 0, message: (ev.message ?? "").replace(/\n$/, ""), stream });
      }
      if (!next || next === token) break;
      this.#tokens.set(stream, next);
      if (events.length === 0) break;
    }
    return out;
  }
}
