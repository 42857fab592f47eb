// An endpoint's logs read the way `aws logs tail --follow` reads them, over real wires (AWS SDK v3 against
// the emulator): events written to the endpoint's group by the test, some in the same millisecond as ones
// already read, must each come out once, in order.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type { DeploymentLogLine } from "@mlship/core";
import { createS3Client } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { mlshipRejection, tempDir } from "@mlship/testing";
import { create as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSageMakerTarget, type SageMakerTarget } from "./index.js";

let emulator: Emulator;
let target: SageMakerTarget;
let logs: CloudWatchLogsClient;
const GROUP = "/aws/sagemaker/Endpoints/tail";
const STREAM = "AllTraffic/i-0123456789abcdef0";
/** A minute ahead: after every line the endpoint itself logs. */
const t = Date.now() + 60_000;

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  target = createSageMakerTarget({
    ...config,
    role: "arn:aws:iam::000000000000:role/SageMakerRole",
    poll: { intervalMs: 50, maxIntervalMs: 200 },
  });
  logs = new CloudWatchLogsClient(config);
  const code = tempDir();
  writeFileSync(join(code, "inference.mjs"), "export function modelFn() { return {}; }\n");
  const modelDir = tempDir();
  writeFileSync(join(modelDir, "model.json"), "{}");
  const tarball = join(tempDir(), "model.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: modelDir }, ["model.json"]);
  const s3 = createS3Client(config);
  await s3.send(new CreateBucketCommand({ Bucket: "tail-models" }));
  s3.destroy();
  await emulator.objectStore.upload(tarball, "s3://tail-models/m/model.tar.gz");
  await target.deploy({
    name: "tail",
    model: { modelData: "s3://tail-models/m/model.tar.gz", sourceDir: code, entryPoint: "inference.mjs" },
  });
  await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: STREAM }));
}, 120_000);

afterAll(async () => {
  logs?.destroy();
  await target?.close();
  await emulator?.stop();
});

const put = (events: Array<{ timestamp: number; message: string }>) =>
  logs.send(new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: STREAM, logEvents: events }));

describe("endpoint logs (CloudWatch group /aws/sagemaker/Endpoints/<name>)", () => {
  it("follows like aws logs tail: each event once, same-millisecond latecomers included", async () => {
    await put([
      { timestamp: t, message: "a" },
      { timestamp: t, message: "b" },
    ]);
    const controller = new AbortController();
    const seen: DeploymentLogLine[] = [];
    const following = (async () => {
      for await (const line of target.deployment.logs?.(
        "tail",
        { follow: true, since: t },
        { signal: controller.signal },
      ) ?? []) {
        seen.push(line);
        if (seen.length === 2) await put([{ timestamp: t, message: "c" }]);
        if (seen.length === 3) await put([{ timestamp: t + 1, message: "d\n" }]);
        if (seen.length === 4) controller.abort();
      }
    })();
    expect((await mlshipRejection(following)).code).toBe("E_ABORTED");
    expect(seen.map((l) => l.message)).toEqual(["a", "b", "c", "d"]);
    expect(seen.map((l) => l.stream)).toEqual([STREAM, STREAM, STREAM, STREAM]);
    expect(seen.map((l) => l.timestamp)).toEqual([t, t, t, t + 1]);
  });

  it("reads from `since` on, and refuses an unknown endpoint with E_NOT_FOUND", async () => {
    const all: string[] = [];
    for await (const line of target.endpointLogs("tail", { since: t + 1 })) {
      all.push(line.message);
    }
    expect(all).toEqual(["d"]);
    const unknown = (async () => {
      for await (const _ of target.endpointLogs("tial")) break;
    })();
    expect(await mlshipRejection(unknown)).toMatchObject({ code: "E_NOT_FOUND", where: "tial" });
  });
});
