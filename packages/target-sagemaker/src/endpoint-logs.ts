import type { FilterLogEventsCommandOutput } from "@aws-sdk/client-cloudwatch-logs";
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
 * group from `since`, page by page, then, when following, again every poll interval from the newest timestamp
 * seen, skipping the events already yielded at that timestamp. A group not created yet is "no lines yet".
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
  // Ids of the events at `startTime` already yielded: the next poll starts there and returns them again.
  let seen = new Set<string>();
  for (;;) {
    let newest = startTime ?? Number.NEGATIVE_INFINITY;
    let atNewest = new Set(seen);
    let nextToken: string | undefined;
    do {
      const page = await filterPage(session.deps.logs, group, startTime, nextToken, ctx.signal);
      for (const e of page.events ?? []) {
        const timestamp = e.timestamp ?? 0;
        if (timestamp > newest) {
          newest = timestamp;
          atNewest = new Set();
        }
        if (timestamp === newest && e.eventId) atNewest.add(e.eventId);
        if (seen.has(e.eventId ?? "")) continue;
        yield { timestamp, message: (e.message ?? "").replace(/\n$/, ""), stream: e.logStreamName };
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (!options.follow) return;
    if (Number.isFinite(newest)) {
      startTime = newest;
      seen = atNewest;
    }
    await sleep(session.poll.intervalMs, ctx.signal, `Following the logs of ${name}`);
  }
}

/** One page of the group's events from `startTime`, in time order; a group that does not exist has none. */
async function filterPage(
  logs: LogsApi,
  group: string,
  startTime: number | undefined,
  nextToken: string | undefined,
  signal: AbortSignal | undefined,
): Promise<Pick<FilterLogEventsCommandOutput, "events" | "nextToken">> {
  try {
    return await logs.filterLogEvents(
      { logGroupName: group, ...(startTime !== undefined ? { startTime } : {}), nextToken },
      { abortSignal: signal },
    );
  } catch (e) {
    if (isNotFound(e)) return {};
    throw wrapAwsError(e, `Reading the log group ${group}`, { where: group });
  }
}
