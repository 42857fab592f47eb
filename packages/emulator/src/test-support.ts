// Set-up shared by the tests that drive the emulator with boto3 and the AWS CLI. Kept free of test-runner
// imports, like the folders' own test-support files.
import { S3Client } from "@aws-sdk/client-s3";
import { awsCliOk, tempDir } from "@mlship/testing";
import { type Emulator, type EmulatorOptions, emulatorClientConfig, startEmulator } from "./emulator.js";
import { tinyModelTarball } from "./sagemaker/tiny-model.js";

/**
 * Starts an emulator with a bucket (made with the AWS CLI, as a user would) holding the tiny Node model at
 * `s3://<bucket>/tiny/model.tar.gz`.
 */
export async function startEmulatorWithTinyModel(
  bucket: string,
  options?: EmulatorOptions,
): Promise<Emulator> {
  const emulator = await startEmulator(options);
  try {
    await awsCliOk(emulator, ["s3", "mb", `s3://${bucket}`]);
    await emulator.objectStore.upload(await tinyModelTarball(tempDir()), `s3://${bucket}/tiny/model.tar.gz`);
    return emulator;
  } catch (e) {
    await emulator.stop();
    throw e;
  }
}

/** Runs `use` with an S3 client on the emulator (the JS SDK's), destroyed after it. */
export async function withS3<T>(emulator: Emulator, use: (s3: S3Client) => Promise<T>): Promise<T> {
  const s3 = new S3Client(emulatorClientConfig(emulator));
  try {
    return await use(s3);
  } finally {
    s3.destroy();
  }
}
