import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeRepositoriesCommand, ECRClient } from "@aws-sdk/client-ecr";
import {
  CreateBucketCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { ListModelsCommand, ListNotebookInstancesCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "./emulator.js";
import { clearFaults, injectFault } from "./fault-client.js";
import type { FaultRule, FaultRuleInput } from "./faults.js";

let emulator: Emulator;
let s3: S3Client;

// biome-ignore lint/suspicious/noExplicitAny: control-route answers are asserted field by field
type Json = any;

async function control(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${emulator.endpoint}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: res.status, json: await res.json() };
}

const addFault = (rule: FaultRuleInput): Promise<FaultRule> => injectFault(emulator, rule);

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata: { httpStatusCode?: number; attempts?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & { $metadata: { httpStatusCode?: number; attempts?: number } };
}

beforeAll(async () => {
  emulator = await startEmulator();
  s3 = new S3Client({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: "faulty" }));
  await s3.send(new PutObjectCommand({ Bucket: "faulty", Key: "k", Body: "value" }));
});

afterEach(async () => {
  await clearFaults(emulator);
});

afterAll(async () => {
  s3?.destroy();
  await emulator?.stop();
});

describe("fault injection", () => {
  it("throttles the next N calls of one S3 operation with SlowDown, then recovers", async () => {
    await addFault({ service: "s3", operation: "GetObject", kind: "throttle", count: 1 });
    const throttled = await rejection(s3.send(new GetObjectCommand({ Bucket: "faulty", Key: "k" })));
    expect(throttled.name).toBe("SlowDown");
    expect(throttled.$metadata.httpStatusCode).toBe(503);
    // Other operations are untouched, and the rule is used up.
    await s3.send(new PutObjectCommand({ Bucket: "faulty", Key: "k2", Body: "v" }));
    const ok = await s3.send(new GetObjectCommand({ Bucket: "faulty", Key: "k" }));
    expect(await ok.Body?.transformToString()).toBe("value");
    expect((await control("GET", "/_mlship/faults")).json.faults).toEqual([]);
  });

  it("lets the SDK's standard retries ride out transient 5xx", async () => {
    await addFault({ service: "s3", operation: "GetObject", kind: "error", status: 500, count: 2 });
    const retrying = new S3Client({
      ...emulatorClientConfig(emulator),
      maxAttempts: 3,
      retryMode: "standard",
    });
    try {
      const out = await retrying.send(new GetObjectCommand({ Bucket: "faulty", Key: "k" }));
      expect(out.$metadata.attempts).toBe(3);
      expect(await out.Body?.transformToString()).toBe("value");
    } finally {
      retrying.destroy();
    }
  });

  it("answers ThrottlingException / InternalFailure in the JSON services' shape", async () => {
    await addFault({ service: "sagemaker", operation: "ListModels", kind: "throttle" });
    const sagemaker = new SageMakerClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const throttled = await rejection(sagemaker.send(new ListModelsCommand({})));
    expect(throttled.name).toBe("ThrottlingException");
    expect(throttled.$metadata.httpStatusCode).toBe(400);
    sagemaker.destroy();

    await addFault({ service: "logs", kind: "error", status: 503 });
    const logs = new CloudWatchLogsClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const unavailable = await rejection(logs.send(new DescribeLogGroupsCommand({})));
    expect(unavailable.name).toBe("ServiceUnavailable");
    expect(unavailable.$metadata.httpStatusCode).toBe(503);
    logs.destroy();

    await addFault({ service: "runtime.sagemaker", kind: "throttle" });
    const runtime = new SageMakerRuntimeClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const invoke = await rejection(runtime.send(new InvokeEndpointCommand({ EndpointName: "x", Body: "1" })));
    expect(invoke.name).toBe("ThrottlingException");
    runtime.destroy();
  });

  it("applies rates: 0 never fires, 1 always; counts hits; latency-only rules just delay", async () => {
    const never = await addFault({ service: "sts", kind: "throttle", rate: 0 });
    const slow = await addFault({ service: "sts", latencyMs: 20 });
    expect(slow.kind).toBe("latency");
    const sts = new STSClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    await sts.send(new GetCallerIdentityCommand({}));
    await sts.send(new GetCallerIdentityCommand({}));
    const rules = (await control("GET", "/_mlship/faults")).json.faults as FaultRule[];
    expect(rules.find((r) => r.id === never.id)?.hits).toBe(0);
    expect(rules.find((r) => r.id === slow.id)?.hits).toBe(2);
    const always = await addFault({ service: "sts", kind: "throttle", rate: 1 });
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe("Throttling");
    expect((await control("DELETE", `/_mlship/faults/${always.id}`)).status).toBe(200);
    await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
  });

  it("drop rules let the call take effect and cut the connection instead of answering", async () => {
    const drop = await addFault({ service: "s3", operation: "PutObject", kind: "drop", count: 1 });
    expect(drop.kind).toBe("drop");
    const lost = await rejection(
      s3.send(new PutObjectCommand({ Bucket: "faulty", Key: "dropped", Body: "stored" })),
    );
    expect(lost.$metadata?.httpStatusCode).toBeUndefined();
    // The write happened although its answer never arrived; the rule is used up.
    const got = await s3.send(new GetObjectCommand({ Bucket: "faulty", Key: "dropped" }));
    expect(await got.Body?.transformToString()).toBe("stored");
    expect((await control("GET", "/_mlship/faults")).json.faults).toEqual([]);
  });

  it("validates rules and reports unknown control routes as JSON errors", async () => {
    const bad = await control("POST", "/_mlship/faults", { kind: "throttle" });
    expect(bad.status).toBe(400);
    expect(bad.json.__type).toBe("ValidationException");
    const badRate = await control("POST", "/_mlship/faults", { service: "s3", rate: 2 });
    expect(badRate.status).toBe(400);
    // A misspelt service would match no call: the rule would silently never fire.
    const typo = await control("POST", "/_mlship/faults", { service: "sagemaker-runtime", kind: "throttle" });
    expect(typo.status).toBe(400);
    expect(String(typo.json.message)).toContain("runtime.sagemaker");
    for (const invalid of [{ count: 0 }, { count: 1.5 }, { latencyMs: -1 }, { status: 200 }]) {
      const answer = await control("POST", "/_mlship/faults", { service: "s3", ...invalid });
      expect(answer.status, JSON.stringify(invalid)).toBe(400);
    }
    expect((await control("GET", "/_mlship/faults")).json.faults).toEqual([]);
    const missing = await control("GET", "/_mlship/nothing-here");
    expect(missing.status).toBe(404);
    const unknownRule = await control("DELETE", "/_mlship/faults/nope");
    expect(unknownRule.status).toBe(404);
    const health = await control("GET", "/_mlship/health");
    expect(health.json).toMatchObject({ ok: true, endpoint: emulator.endpoint, accountId: "000000000000" });
  });

  it("forwards /_mlship/sagemaker/<action> to the SageMaker service", async () => {
    const crash = await control("POST", "/_mlship/sagemaker/crash-endpoint", {
      EndpointName: "does-not-exist",
    });
    expect(crash.status).toBe(400);
    expect(crash.json.message).toContain("does-not-exist");
  });
});

describe("unsupported operations", () => {
  it("are answered with AWS error shapes, never an HTML 500", async () => {
    const versioning = await rejection(s3.send(new GetBucketVersioningCommand({ Bucket: "faulty" })));
    expect(versioning.name).toBe("NotImplemented");
    expect(versioning.$metadata.httpStatusCode).toBe(501);

    const ecr = new ECRClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const repos = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    expect(repos.name).toBe("UnknownOperationException");
    expect(repos.message).toContain("DescribeRepositories");
    ecr.destroy();

    const sagemaker = new SageMakerClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const notebooks = await rejection(sagemaker.send(new ListNotebookInstancesCommand({})));
    expect(notebooks.name).toBe("UnknownOperationException");
    expect(notebooks.$metadata.httpStatusCode).toBe(400);
    sagemaker.destroy();

    const sts = new STSClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    const assume = await rejection(
      sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::0:role/x", RoleSessionName: "s" })),
    );
    expect(assume.name).toBe("InvalidAction");
    sts.destroy();

    const res = await fetch(`${emulator.endpoint}/`, {
      method: "POST",
      headers: {
        "x-amz-target": "DynamoDB_20120810.ListTables",
        "content-type": "application/x-amz-json-1.0",
      },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
  });
});
