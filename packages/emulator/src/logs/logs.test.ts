import {
  CloudWatchLogsClient,
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
} from "@aws-sdk/client-cloudwatch-logs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "../emulator.js";

let emulator: Emulator;
let logs: CloudWatchLogsClient;
const GROUP = "/aws/sagemaker/TrainingJobs";
const T0 = Date.UTC(2026, 0, 1);

async function failure(promise: Promise<unknown>): Promise<CloudWatchLogsServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudWatchLogsServiceException);
  return error as CloudWatchLogsServiceException;
}

beforeAll(async () => {
  emulator = await startEmulator();
  logs = new CloudWatchLogsClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: "/aws/sagemaker/Endpoints/demo" }));
  // Three streams whose last events are in the order b, c, a.
  const streams: Array<[string, number, number]> = [
    ["job-a/algo-1-1700000000", 5, 100],
    ["job-b/algo-1-1700000001", 3, 0],
    ["job-c/algo-1-1700000002", 4, 50],
  ];
  for (const [name, count, offset] of streams) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: name }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: name,
        logEvents: Array.from({ length: count }, (_, i) => ({
          timestamp: T0 + offset + i * 10,
          message: `${name.slice(0, 5)} line ${i}${i === 1 ? " ERROR boom" : ""}`,
        })),
      }),
    );
  }
});

afterAll(async () => {
  logs?.destroy();
  await emulator?.stop();
});

describe("DescribeLogGroups / DescribeLogStreams", () => {
  it("lists groups by prefix", async () => {
    const out = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/sagemaker/Endpoints" }),
    );
    expect(out.logGroups?.map((g) => g.logGroupName)).toEqual(["/aws/sagemaker/Endpoints/demo"]);
    expect(out.logGroups?.[0]?.arn).toBe(
      `arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/demo:*`,
    );
  });

  it("filters streams by prefix and orders by LastEventTime descending", async () => {
    const byPrefix = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, logStreamNamePrefix: "job-c/" }),
    );
    expect(byPrefix.logStreams?.map((s) => s.logStreamName)).toEqual(["job-c/algo-1-1700000002"]);
    expect(byPrefix.logStreams?.[0]?.firstEventTimestamp).toBe(T0 + 50);
    expect(byPrefix.logStreams?.[0]?.lastEventTimestamp).toBe(T0 + 80);
    const latest = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, orderBy: "LastEventTime", descending: true }),
    );
    expect(latest.logStreams?.map((s) => s.logStreamName?.slice(0, 5))).toEqual(["job-a", "job-c", "job-b"]);
    const paged = await logs.send(new DescribeLogStreamsCommand({ logGroupName: GROUP, limit: 2 }));
    expect(paged.logStreams).toHaveLength(2);
    const rest = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: GROUP, limit: 2, nextToken: paged.nextToken }),
    );
    expect(rest.logStreams?.map((s) => s.logStreamName?.slice(0, 5))).toEqual(["job-c"]);
    expect(rest.nextToken).toBeUndefined();
  });

  it("answers ResourceNotFoundException and InvalidParameterException like CloudWatch Logs", async () => {
    const missing = await failure(logs.send(new DescribeLogStreamsCommand({ logGroupName: "/nope" })));
    expect(missing.name).toBe("ResourceNotFoundException");
    expect(missing.message).toBe("The specified log group does not exist.");
    const stream = await failure(
      logs.send(new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: "missing-stream" })),
    );
    expect(stream.name).toBe("ResourceNotFoundException");
    expect(stream.message).toBe("The specified log stream does not exist.");
    const conflict = await failure(
      logs.send(
        new DescribeLogStreamsCommand({
          logGroupName: GROUP,
          logStreamNamePrefix: "job",
          orderBy: "LastEventTime",
        }),
      ),
    );
    expect(conflict.name).toBe("InvalidParameterException");
    const exists = await failure(logs.send(new CreateLogGroupCommand({ logGroupName: GROUP })));
    expect(exists.name).toBe("ResourceAlreadyExistsException");
  });
});

describe("GetLogEvents", () => {
  const stream = "job-a/algo-1-1700000000";

  it("reads forward from the head; the forward token stops changing at the end", async () => {
    const messages: string[] = [];
    let token: string | undefined;
    let calls = 0;
    for (;;) {
      calls++;
      const out = await logs.send(
        new GetLogEventsCommand({
          logGroupName: GROUP,
          logStreamName: stream,
          startFromHead: true,
          limit: 2,
          nextToken: token,
        }),
      );
      messages.push(...(out.events ?? []).map((e) => e.message as string));
      if (out.nextForwardToken === token) {
        expect(out.events).toEqual([]);
        break;
      }
      token = out.nextForwardToken;
      expect(calls).toBeLessThan(10);
    }
    expect(messages).toEqual([0, 1, 2, 3, 4].map((i) => `job-a line ${i}${i === 1 ? " ERROR boom" : ""}`));
  });

  it("without startFromHead returns the latest events and walks backwards", async () => {
    const latest = await logs.send(
      new GetLogEventsCommand({ logGroupName: GROUP, logStreamName: stream, limit: 2 }),
    );
    expect(latest.events?.map((e) => e.timestamp)).toEqual([T0 + 130, T0 + 140]);
    const earlier = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        limit: 2,
        nextToken: latest.nextBackwardToken,
      }),
    );
    expect(earlier.events?.map((e) => e.timestamp)).toEqual([T0 + 110, T0 + 120]);
    const ranged = await logs.send(
      new GetLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: stream,
        startTime: T0 + 110,
        endTime: T0 + 120,
        startFromHead: true,
      }),
    );
    expect(ranged.events?.map((e) => e.timestamp)).toEqual([T0 + 110, T0 + 120]);
    expect(ranged.events?.[0]?.ingestionTime).toBeGreaterThan(0);
  });
});

describe("FilterLogEvents", () => {
  it("interleaves streams by time and filters by names, prefix, time and pattern", async () => {
    const all = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP }));
    expect(all.events).toHaveLength(12);
    const times = all.events?.map((e) => e.timestamp as number) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const named = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, logStreamNames: ["job-b/algo-1-1700000001"] }),
    );
    expect(named.events?.map((e) => e.message)).toEqual([
      "job-b line 0",
      "job-b line 1 ERROR boom",
      "job-b line 2",
    ]);
    const prefixed = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: GROUP,
        logStreamNamePrefix: "job-c",
        startTime: T0 + 60,
        endTime: T0 + 70,
      }),
    );
    expect(prefixed.events?.map((e) => [e.logStreamName, e.timestamp])).toEqual([
      ["job-c/algo-1-1700000002", T0 + 60],
      ["job-c/algo-1-1700000002", T0 + 70],
    ]);
    const errors = await logs.send(
      new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern: "ERROR" }),
    );
    expect(errors.events?.map((e) => e.message?.slice(0, 5)).sort()).toEqual(["job-a", "job-b", "job-c"]);
  });

  it("pages with nextToken", async () => {
    const seen: string[] = [];
    for await (const page of paginateFilterLogEvents(
      { client: logs, pageSize: 5 },
      { logGroupName: GROUP },
    )) {
      expect((page.events ?? []).length).toBeLessThanOrEqual(5);
      seen.push(...(page.events ?? []).map((e) => e.eventId as string));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });
});
