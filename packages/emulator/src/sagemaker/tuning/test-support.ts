// A cheap training script for tuning tests: its objective is a known function of its hyperparameters.
// Kept free of test-runner imports so it type-checks with the library.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { tempDir } from "@mlship/testing";
import { create as createTar } from "tar";

// score = -(x-0.3)^2 - (y-0.7)^2 (best 0 at x=0.3, y=0.7), logged once per epoch as `score=<value>;`;
// `mode=crash` fails. One-letter hyperparameters arrive as `-x value` (the toolkit's rule), others as `--name`.
export const OBJECTIVE_SCRIPT = `import { mkdirSync, writeFileSync } from "node:fs";
const args = {};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--?/, "")] = argv[i + 1];
const x = Number(args.x ?? 0.5), y = Number(args.y ?? 0.5);
const epochs = Number(args.epochs ?? 1), delay = Number(args.delay ?? 0);
if (args.mode === "crash") { console.error("crash requested"); process.exit(3); }
const score = -((x - 0.3) ** 2) - ((y - 0.7) ** 2);
for (let epoch = 1; epoch <= epochs; epoch++) {
  await new Promise((r) => setTimeout(r, delay));
  console.log("epoch " + epoch + " score=" + score.toFixed(6) + ";");
}
mkdirSync(process.env.SM_MODEL_DIR, { recursive: true });
writeFileSync(process.env.SM_MODEL_DIR + "/model.json", JSON.stringify({ x, y, score }));
`;

/** The score the script logs for these hyperparameters (defaults as in the script). */
export function objectiveScore(hps: Record<string, string>): number {
  const x = Number(hps.x ?? 0.5);
  const y = Number(hps.y ?? 0.5);
  return Number((-((x - 0.3) ** 2) - (y - 0.7) ** 2).toFixed(6));
}

/** Creates `bucket` and uploads `script` as `<file>` in `s3://<bucket>/code/sourcedir.tar.gz`; returns that URI. */
export async function uploadScriptCode(
  s3: S3Client,
  bucket: string,
  file: string,
  script: string,
): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const dir = join(tempDir(), "code");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), script);
  const tarball = join(dir, "..", "sourcedir.tar.gz");
  await createTar({ gzip: true, file: tarball, cwd: dir }, [file]);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "code/sourcedir.tar.gz", Body: readFileSync(tarball) }),
  );
  return `s3://${bucket}/code/sourcedir.tar.gz`;
}

/** Creates `bucket` and uploads the objective script as `s3://<bucket>/code/sourcedir.tar.gz`; returns that URI. */
export const uploadObjectiveCode = (s3: S3Client, bucket: string): Promise<string> =>
  uploadScriptCode(s3, bucket, "objective.mjs", OBJECTIVE_SCRIPT);
