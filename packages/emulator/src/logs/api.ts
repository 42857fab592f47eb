import { AwsApiError } from "../aws-error.js";
import type { JsonOperations } from "../json-service.js";
import type { FileLogStore, LogStreamState } from "./file-log-store.js";

/** CloudWatch Logs (awsJson1_1, `Logs_20140328.*`) over the emulator's log store. */
export function logsOperations(
  store: FileLogStore,
  options: { region: string; accountId: string },
): JsonOperations {
  const groupArn = (name: string) => `arn:aws:logs:${options.region}:${options.accountId}:log-group:${name}`;
  const streamView = (group: string, s: LogStreamState) => ({
    logStreamName: s.name,
    creationTime: s.creationTime,
    ...(s.firstEventTimestamp !== undefined ? { firstEventTimestamp: s.firstEventTimestamp } : {}),
    ...(s.lastEventTimestamp !== undefined ? { lastEventTimestamp: s.lastEventTimestamp } : {}),
    ...(s.lastIngestionTime !== undefined ? { lastIngestionTime: s.lastIngestionTime } : {}),
    uploadSequenceToken: String(s.events.length + 1),
    arn: `${groupArn(group)}:log-stream:${s.name}`,
    storedBytes: 0,
  });

  return {
    CreateLogGroup(input) {
      store.createGroup(requiredName(input, "logGroupName"));
      return {};
    },
    CreateLogStream(input) {
      store.createStream(requiredName(input, "logGroupName"), requiredName(input, "logStreamName"));
      return {};
    },
    DeleteLogGroup(input) {
      store.deleteGroup(requiredName(input, "logGroupName"));
      return {};
    },
    DeleteLogStream(input) {
      store.deleteStream(requiredName(input, "logGroupName"), requiredName(input, "logStreamName"));
      return {};
    },

    PutLogEvents(input) {
      const group = requiredName(input, "logGroupName");
      const stream = requiredName(input, "logStreamName");
      store.stream(group, stream);
      const events = Array.isArray(input.logEvents)
        ? (input.logEvents as Array<Record<string, unknown>>)
        : [];
      if (events.length === 0) throw invalid("logEvents must contain at least one event");
      const clean = events.map((e) => ({ timestamp: Number(e.timestamp), message: String(e.message ?? "") }));
      for (let i = 1; i < clean.length; i++) {
        if (
          (clean[i] as { timestamp: number }).timestamp < (clean[i - 1] as { timestamp: number }).timestamp
        ) {
          throw invalid("Log events in a single PutLogEvents request must be in chronological order.");
        }
      }
      store.append(group, stream, clean);
      return { nextSequenceToken: String(store.stream(group, stream).events.length + 1) };
    },

    DescribeLogGroups(input) {
      const prefix = optionalString(input, "logGroupNamePrefix");
      const pattern = optionalString(input, "logGroupNamePattern");
      if (prefix !== undefined && pattern !== undefined) {
        throw invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
      }
      const limit = limitOf(input, 50, 50);
      const all = store
        .listGroups()
        .filter(
          (g) =>
            (prefix === undefined || g.name.startsWith(prefix)) && (!pattern || g.name.includes(pattern)),
        );
      const { page, nextToken } = paginate(all, offsetOf(input), limit);
      return {
        logGroups: page.map((g) => ({
          logGroupName: g.name,
          creationTime: g.creationTime,
          metricFilterCount: 0,
          arn: `${groupArn(g.name)}:*`,
          logGroupArn: groupArn(g.name),
          storedBytes: 0,
          logGroupClass: "STANDARD",
        })),
        ...(nextToken ? { nextToken } : {}),
      };
    },

    DescribeLogStreams(input) {
      const groupName = groupNameOf(input);
      const prefix = optionalString(input, "logStreamNamePrefix");
      const orderBy = optionalString(input, "orderBy") ?? "LogStreamName";
      if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") {
        throw invalid(
          `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint`,
        );
      }
      if (prefix !== undefined && orderBy === "LastEventTime") {
        throw invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
      }
      const descending = input.descending === true;
      const group = store.group(groupName);
      const streams = [...group.streams.values()].filter(
        (s) => prefix === undefined || s.name.startsWith(prefix),
      );
      streams.sort((a, b) =>
        orderBy === "LastEventTime"
          ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) || compare(a.name, b.name)
          : compare(a.name, b.name),
      );
      if (descending) streams.reverse();
      const { page, nextToken } = paginate(streams, offsetOf(input), limitOf(input, 50, 50));
      return { logStreams: page.map((s) => streamView(groupName, s)), ...(nextToken ? { nextToken } : {}) };
    },

    GetLogEvents(input) {
      const stream = store.stream(groupNameOf(input), requiredName(input, "logStreamName"));
      const events = inTimeRange(stream.events, input);
      const limit = limitOf(input, 10000, 10000);
      const token = optionalString(input, "nextToken");
      let lo: number;
      let hi: number;
      if (token === undefined) {
        const fromHead = input.startFromHead === true;
        lo = fromHead ? 0 : Math.max(0, events.length - limit);
        hi = fromHead ? Math.min(events.length, limit) : events.length;
      } else {
        const m = /^([fb])\/(\d+)$/.exec(token);
        if (!m) throw invalid("The specified nextToken is invalid.");
        const at = Math.min(Number(m[2]), events.length);
        if (m[1] === "f") {
          lo = at;
          hi = Math.min(events.length, at + limit);
        } else {
          hi = at;
          lo = Math.max(0, at - limit);
        }
      }
      return {
        events: events
          .slice(lo, hi)
          .map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
        // At either end the token handed back is the one that was passed in: callers stop when it repeats.
        nextForwardToken: `f/${hi}`,
        nextBackwardToken: `b/${lo}`,
      };
    },

    FilterLogEvents(input) {
      const groupName = groupNameOf(input);
      const group = store.group(groupName);
      const names = Array.isArray(input.logStreamNames) ? input.logStreamNames.map(String) : undefined;
      const prefix = optionalString(input, "logStreamNamePrefix");
      if (names && prefix !== undefined) {
        throw invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
      }
      if (names) for (const n of names) store.stream(groupName, n);
      const streams = [...group.streams.values()].filter(
        (s) => (names ? names.includes(s.name) : true) && (prefix === undefined || s.name.startsWith(prefix)),
      );
      const matches = compilePattern(optionalString(input, "filterPattern"));
      const merged: Array<{
        logStreamName: string;
        timestamp: number;
        message: string;
        ingestionTime: number;
        eventId: string;
      }> = [];
      for (const s of streams) {
        for (const [i, e] of inTimeRange(s.events, input).entries()) {
          if (!matches(e.message)) continue;
          merged.push({
            logStreamName: s.name,
            timestamp: e.timestamp,
            message: e.message,
            ingestionTime: e.ingestionTime,
            eventId: `${e.timestamp}-${s.name}-${i}`,
          });
        }
      }
      merged.sort((a, b) => a.timestamp - b.timestamp || compare(a.logStreamName, b.logStreamName));
      const { page, nextToken } = paginate(merged, offsetOf(input), limitOf(input, 10000, 10000));
      return {
        events: page,
        searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
        ...(nextToken ? { nextToken } : {}),
      };
    },
  };
}

function inTimeRange<T extends { timestamp: number }>(events: T[], input: Record<string, unknown>): T[] {
  const start = typeof input.startTime === "number" ? input.startTime : undefined;
  const end = typeof input.endTime === "number" ? input.endTime : undefined;
  if (start === undefined && end === undefined) return events;
  return events.filter(
    (e) => (start === undefined || e.timestamp >= start) && (end === undefined || e.timestamp <= end),
  );
}

/**
 * The plain-text subset of CloudWatch filter patterns: every term must occur (case-sensitive), quoted
 * phrases as a whole, `-term` must not occur. An empty pattern matches everything.
 */
function compilePattern(pattern: string | undefined): (message: string) => boolean {
  if (!pattern || pattern.trim() === "") return () => true;
  const terms = [...pattern.matchAll(/(-?)"([^"]*)"|(-?)(\S+)/g)].map((m) => ({
    negate: (m[1] ?? m[3]) === "-",
    text: m[2] ?? m[4] ?? "",
  }));
  return (message) => terms.every((t) => message.includes(t.text) !== t.negate);
}

function paginate<T>(items: T[], offset: number, limit: number): { page: T[]; nextToken?: string } {
  const page = items.slice(offset, offset + limit);
  const next = offset + page.length;
  return next < items.length ? { page, nextToken: Buffer.from(`o:${next}`).toString("base64") } : { page };
}

function offsetOf(input: Record<string, unknown>): number {
  const token = optionalString(input, "nextToken");
  if (token === undefined) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, "base64").toString("utf8"));
  if (!m) throw invalid("The specified nextToken is invalid.");
  return Number(m[1]);
}

function limitOf(input: Record<string, unknown>, fallback: number, max: number): number {
  if (input.limit === undefined) return fallback;
  const n = Number(input.limit);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalid(
      `1 validation error detected: Value '${String(input.limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return n;
}

function groupNameOf(input: Record<string, unknown>): string {
  const identifier = optionalString(input, "logGroupIdentifier");
  if (identifier !== undefined) {
    // An ARN (`arn:aws:logs:…:log-group:<name>[:*]`) or a plain name.
    const m = /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.+?)(:\*)?$/.exec(identifier);
    return m ? (m[1] as string) : identifier;
  }
  return requiredName(input, "logGroupName");
}

function requiredName(input: Record<string, unknown>, member: string): string {
  const v = input[member];
  if (typeof v !== "string" || v === "") {
    throw invalid(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const v = input[member];
  return typeof v === "string" ? v : undefined;
}

function invalid(message: string): AwsApiError {
  return new AwsApiError("InvalidParameterException", message);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
