// The set-up the target's over-the-wire tests share: the emulator's S3 (a bucket holding a packed model) and
// ECR, and the kyma target on the Kubernetes API test server and those clients, polling fast.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { KubeConfig } from "@kubernetes/client-node";
import { createS3Client, packSourceDir } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { type KubeApiServer, tempDir } from "@mlship/testing";
import { createKymaTarget, ecrApi, type KymaTarget, type KymaTargetOptions } from "../index.js";

export interface AwsOnEmulator {
  emulator: Emulator;
  s3: S3Client;
  ecr: ECRClient;
}

/** Starts an emulator whose bucket `bucket` holds a packed model (`model.joblib`) at the `model` URI. */
export async function startEmulatorWithModel(bucket: string, model: string): Promise<AwsOnEmulator> {
  const emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  const s3 = createS3Client(config);
  const ecr = new ECRClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = tempDir("kyma-model-");
  await mkdir(join(dir, "model"));
  await writeFile(join(dir, "model", "model.joblib"), "weights");
  await packSourceDir(join(dir, "model"), join(dir, "model.tar.gz"));
  await emulator.objectStore.upload(join(dir, "model.tar.gz"), model);
  return { emulator, s3, ecr };
}

/** Closes what `startEmulatorWithModel` made (any part of it, should starting have failed half-way). */
export async function stopEmulatorWithModel(aws: Partial<AwsOnEmulator>): Promise<void> {
  aws.s3?.destroy();
  aws.ecr?.destroy();
  await aws.emulator?.stop();
}

/** The kyma target on `kube` with these S3 and ECR clients, polling every 10 ms for up to 10 s; `options` win. */
export function kymaTargetOn(
  kube: KubeApiServer,
  aws: Pick<AwsOnEmulator, "s3" | "ecr">,
  options: Partial<KymaTargetOptions> = {},
): KymaTarget {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig);
  return createKymaTarget({
    kubeConfig,
    region: "us-east-1",
    s3: aws.s3,
    ecr: ecrApi(aws.ecr),
    pollIntervalMs: 10,
    waitTimeoutMs: 10_000,
    ...options,
  });
}
