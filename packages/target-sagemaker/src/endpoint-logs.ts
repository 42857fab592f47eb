import type { FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import type { DeploymentLogLine, DeploymentLogOptions, OperationContext } from "@mlship/core";
import { MlshipError } from "@mlship/core";
import { isNotFound, wrapAwsError } from "@mlship/data-s3";
import type { LogsApi } from "./api.js";
import { describeEndpoint } from "./endpoints.js";
import { endpointLogGroup } from "./logs.js";
import type { Session } from "./session.js";
import { sleep } from "./wait.js";

/**
 * The endpoint's log lines across all its instances, as `aws logs tail` reads them: FilterLogEvents over the
 * group from `since`, then, when following, again every poll interval from the newest timestamp seen, skipping
 * the events already yielded at that timestamp. A group not created yet is "no lines yet".
 */
export async function* endpointLogs(
  session: Session,
  name: string,
  options: DeploymentLogOptions = {},
  ctx: OperationContext = {},
): AsyncGenerator<DeploymentLogLine> {
  if (!(await describeEndpoint(session, name, ctx.signal))) {
    throw new MlshipError("E_NOT_FOUND", `No endpoint named ${name}`, { where: name });
  }
  const group = endpointLogGroup(name);
  let startTime = options.since;
  let seen = new Set<string>();
  for (;;) {
    const events = await filterGroup(session.deps.logs, group, startTime, ctx.signal);
    for (const e of events) {
      if (seen.has(e.eventId ?? "")) continue;
      yield {
        timestamp: e.timestamp,
        message: (e.message ?? "").replace(/\n$/, ""),
        stream: e.logStreamName,
      };
    }
    if (!options.follow) return;
    const last = events.at(-1)?.timestamp;
    if (last !== undefined && last !== startTime) {
      startTime = last;
      seen = new Set();
    }
    for (const e of events) if (e.timestamp === startTime && e.eventId) seen.add(e.eventId);
    await sleep(session.poll.intervalMs, ctx.signal, `Following the logs of ${name}`);
  }
}

/** Every event of the group from `startTime`, in time order (all pages). */
async function filterGroup(
  logs: LogsApi,
  group: string,
  startTime: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Array<FilteredLogEvent & { timestamp: number }>> {
  const out: Array<FilteredLogEvent & { timestamp: number }> = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await logs.filterLogEvents(
        { logGroupName: group, ...(startTime !== undefined ? { startTime } : {}), nextToken },
        { abortSignal: signal },
      );
      for (const e of page.events ?? []) out.push({ ...e, timestamp: e.timestamp ?? 0 });
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw wrapAwsError(e, `Reading the log group ${group}`, { where: group });
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}
