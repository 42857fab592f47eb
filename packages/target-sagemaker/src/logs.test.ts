import type {
  DescribeLogStreamsCommandInput,
  DescribeLogStreamsCommandOutput,
  GetLogEventsCommandInput,
  GetLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { describe, expect, it } from "vitest";
import type { LogsApi } from "./api.js";
import { LogTail } from "./logs.js";

/** A fake of our own LogsApi port: streams of events, paged two at a time, tokens like CloudWatch's. */
function fakeLogs(streams: Record<string, { timestamp: number; message: string }[]> | undefined): LogsApi {
  const notFound = () =>
    Object.assign(new Error("The specified log group does not exist."), {
      name: "ResourceNotFoundException",
    });
  return {
    async describeLogStreams(i: DescribeLogStreamsCommandInput) {
      if (!streams) throw notFound();
      const names = Object.keys(streams).filter((n) => n.startsWith(i.logStreamNamePrefix ?? ""));
      return {
        logStreams: names.map((logStreamName) => ({ logStreamName })),
        $metadata: {},
      } as DescribeLogStreamsCommandOutput;
    },
    async getLogEvents(i: GetLogEventsCommandInput) {
      const all = streams?.[i.logStreamName ?? ""] ?? [];
      const from = Number(i.nextToken ?? "0");
      const events = all.slice(from, from + 2);
      return {
        events,
        nextForwardToken: String(from + events.length),
        $metadata: {},
      } as GetLogEventsCommandOutput;
    },
    async filterLogEvents() {
      throw new Error("LogTail reads streams one by one; it never filters a group");
    },
  };
}

describe("LogTail", () => {
  it("treats a missing log group as no lines yet", async () => {
    expect(await new LogTail(fakeLogs(undefined), { prefix: "job/" }).poll()).toEqual([]);
  });

  it("reads every host's stream, pages through them and interleaves lines by time", async () => {
    const streams = {
      "job/algo-1-1700000000": [
        { timestamp: 1, message: "a1\n" },
        { timestamp: 4, message: "a4" },
        { timestamp: 5, message: "a5" },
      ],
      "job/algo-2-1700000000": [
        { timestamp: 2, message: "b2" },
        { timestamp: 3, message: "b3" },
      ],
      "other-job/algo-1-1": [{ timestamp: 0, message: "not ours" }],
    };
    const tail = new LogTail(fakeLogs(streams), { prefix: "job/" });
    const first = await tail.poll();
    expect(first.map((e) => e.message)).toEqual(["a1", "b2", "b3", "a4", "a5"]);
    expect(first[1]?.stream).toBe("job/algo-2-1700000000");
    expect(await tail.poll()).toEqual([]);
    streams["job/algo-2-1700000000"].push({ timestamp: 6, message: "b6" });
    expect((await tail.poll()).map((e) => e.message)).toEqual(["b6"]);
  });
});
