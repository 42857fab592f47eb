// A training script that resumes from checkpoints, for the spot/checkpoint tests (SDK, boto3, AWS CLI).
// Kept free of test-runner imports so it type-checks with the library.
import type { S3Client } from "@aws-sdk/client-s3";
import { uploadScriptCode } from "../tuning/test-support.js";

// The checkpoint folder is /opt/ml/checkpoints, SM_MODEL_DIR's sibling (in SageMaker and in the emulator).
// The script records what it found there in a checkpoint of its own, `<job>.ckpt`.
export const RESUMING_SCRIPT = `import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
const dir = join(dirname(process.env.SM_MODEL_DIR), "checkpoints");
const found = readdirSync(dir).sort();
console.log("checkpoints found: " + JSON.stringify(found));
writeFileSync(join(dir, process.env.TRAINING_JOB_NAME + ".ckpt"), JSON.stringify({ found }));
writeFileSync(join(process.env.SM_MODEL_DIR, "model.json"), JSON.stringify({ found }));
`;

/** Creates `bucket` and uploads the script as `s3://<bucket>/code/sourcedir.tar.gz`; returns that URI. */
export const uploadResumingCode = (s3: S3Client, bucket: string): Promise<string> =>
  uploadScriptCode(s3, bucket, "resume.mjs", RESUMING_SCRIPT);
