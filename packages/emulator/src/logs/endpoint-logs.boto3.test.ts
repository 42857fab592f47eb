// An endpoint's CloudWatch logs read with boto3 and the AWS CLI as their docs show: the calls
// `mlship deployments logs` makes through the JS SDK (FilterLogEvents over the group) and the ones users
// make by hand (DescribeLogStreams with a prefix, GetLogEvents, `aws logs tail`). Our SDK usage and the
// emulator must not share one misunderstanding of SageMaker's group and stream names.
import { awsCliOk, boto3At } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../index.js";
import { startEmulatorWithTinyModel } from "../test-support.js";

let emulator: Emulator;
const GROUP = "/aws/sagemaker/Endpoints/boto-logs";

/** The AWS CLI's output; fails the test with its stderr when the command fails. */
const aws = (...args: string[]) => awsCliOk(emulator, args);

beforeAll(async () => {
  emulator = await startEmulatorWithTinyModel("boto-logs");
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

const SCRIPT = String.raw`
import json, sys
import boto3

endpoint_url = sys.argv[1]
sm = boto3.client("sagemaker", endpoint_url=endpoint_url)
runtime = boto3.client("sagemaker-runtime", endpoint_url=endpoint_url)
logs = boto3.client("logs", endpoint_url=endpoint_url)

sm.create_model(
    ModelName="boto-logs",
    ExecutionRoleArn="arn:aws:iam::000000000000:role/SageMakerRole",
    PrimaryContainer={
        "Image": "mlship-node:latest",
        "ModelDataUrl": "s3://boto-logs/tiny/model.tar.gz",
        "Environment": {"SAGEMAKER_PROGRAM": "inference.mjs", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"},
    },
)
sm.create_endpoint_config(
    EndpointConfigName="boto-logs",
    ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "boto-logs", "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}],
)
sm.create_endpoint(EndpointName="boto-logs", EndpointConfigName="boto-logs")
sm.get_waiter("endpoint_in_service").wait(EndpointName="boto-logs", WaiterConfig={"Delay": 1, "MaxAttempts": 60})
for body in ["1,2", "3,4\n5,6"]:
    runtime.invoke_endpoint(EndpointName="boto-logs", ContentType="text/csv", Body=body)

group = "/aws/sagemaker/Endpoints/boto-logs"
streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="AllTraffic/")["logStreams"]
per_stream = {
    s["logStreamName"]: [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"], startFromHead=True)["events"]]
    for s in streams
}
filtered = [
    e
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, filterPattern="tiny")
    for e in page["events"]
]
print(json.dumps({
    "streams": sorted(per_stream),
    "perStream": per_stream,
    "filtered": [[e["logStreamName"], e["message"]] for e in filtered],
    "times": [e["timestamp"] for e in filtered],
}))
`;

describe("an endpoint's logs through boto3 and the AWS CLI", () => {
  it("are in /aws/sagemaker/Endpoints/<endpoint>, one <variant>/<instance-id> stream per instance", async () => {
    const r = await boto3At(emulator, SCRIPT);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      streams: string[];
      perStream: Record<string, string[]>;
      filtered: Array<[string, string]>;
      times: number[];
    };
    expect(result.streams).toHaveLength(2);
    for (const s of result.streams) expect(s).toMatch(/^AllTraffic\/i-[0-9a-f]{17}$/);
    // Each request is logged by the instance that served it, and only there.
    const served = Object.values(result.perStream)
      .flat()
      .filter((m) => m.startsWith("tiny model:"));
    expect(served.sort()).toEqual(["tiny model: predicting 1 row(s)", "tiny model: predicting 2 row(s)"]);
    expect(result.filtered.map(([, m]) => m)).toEqual([
      "tiny model: predicting 1 row(s)",
      "tiny model: predicting 2 row(s)",
    ]);
    for (const [stream] of result.filtered) expect(result.streams).toContain(stream);
    expect([...result.times].sort((a, b) => a - b)).toEqual(result.times);

    // The AWS CLI, as its docs show.
    const described = JSON.parse(
      await aws(
        "logs",
        "describe-log-streams",
        "--log-group-name",
        GROUP,
        "--log-stream-name-prefix",
        "AllTraffic/",
      ),
    ) as { logStreams: Array<{ logStreamName: string }> };
    expect(described.logStreams.map((s) => s.logStreamName).sort()).toEqual(result.streams);
    const filtered = JSON.parse(
      await aws(
        "logs",
        "filter-log-events",
        "--log-group-name",
        GROUP,
        "--start-time",
        String(result.times[1]),
        "--filter-pattern",
        "tiny",
      ),
    ) as { events: Array<{ message: string }> };
    expect(filtered.events.map((e) => e.message)).toEqual(["tiny model: predicting 2 row(s)"]);
    const [oneStream] = result.filtered[0] as [string, string];
    const events = JSON.parse(
      await aws(
        "logs",
        "get-log-events",
        "--log-group-name",
        GROUP,
        "--log-stream-name",
        oneStream,
        "--start-from-head",
      ),
    ) as { events: Array<{ message: string }> };
    expect(events.events.map((e) => e.message)).toEqual(result.perStream[oneStream]);
    // `aws logs tail` (FilterLogEvents underneath) prints "<time> <stream> <message>".
    const tail = await aws("logs", "tail", GROUP, "--since", "1h", "--format", "short");
    expect(tail).toMatch(/tiny model: predicting 1 row\(s\)[\s\S]*tiny model: predicting 2 row\(s\)/);
  }, 120_000);
});
