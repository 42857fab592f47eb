import { mkdir, readdir, rm } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { isMlshipError, MlshipError, type ObjectStore, type OperationContext } from "@mlship/core";

/** SageMaker's CheckpointConfig: objects under `s3Uri` are synced with the job's local checkpoint folder. */
export interface CheckpointSync {
  /** `s3://bucket/prefix`: the objects under it are the checkpoints. */
  s3Uri: string;
  /** The folder inside the container (default `/opt/ml/checkpoints`). */
  localPath?: string;
}

const CONTAINER_ROOT = "/opt/ml";
const DEFAULT_LOCAL_PATH = "/opt/ml/checkpoints";

/**
 * The container's checkpoint folder inside the job's working directory (which mirrors `/opt/ml`):
 * `/opt/ml/checkpoints` is `<workDir>/checkpoints`, a folder elsewhere keeps its path below `<workDir>/fs`.
 */
export function checkpointDir(workDir: string, localPath = DEFAULT_LOCAL_PATH): string {
  if (!isAbsolute(localPath)) {
    throw new MlshipError("E_INVALID_INPUT", `Checkpoint local path must be absolute (got ${localPath})`, {
      where: "checkpointLocalPath",
    });
  }
  const inContainer = relative(CONTAINER_ROOT, localPath);
  const rel = inContainer.startsWith("..") ? join("fs", localPath) : inContainer;
  const dir = join(workDir, rel);
  if (dir !== workDir && !dir.startsWith(workDir + sep)) {
    throw new MlshipError("E_INVALID_INPUT", `Checkpoint local path escapes the job folder: ${localPath}`, {
      where: "checkpointLocalPath",
    });
  }
  return dir;
}

const prefixOf = (s3Uri: string) => s3Uri.replace(/\/*$/, "/");

/**
 * Before the script starts: an empty folder holding what is already under the S3 URI (SageMaker copies
 * existing checkpoints into the container, so a resumed job sees its last one). Nothing there yet is fine.
 */
export async function restoreCheckpoints(
  sync: CheckpointSync,
  dir: string,
  store: ObjectStore,
  ctx?: OperationContext,
): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    return await store.download(prefixOf(sync.s3Uri), dir, ctx);
  } catch (error) {
    if (isMlshipError(error) && error.code === "E_NOT_FOUND") return [];
    throw error;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** After the script: every file in the folder is written under the S3 URI at its relative path. */
export async function saveCheckpoints(
  sync: CheckpointSync,
  dir: string,
  store: ObjectStore,
  ctx?: OperationContext,
): Promise<string[]> {
  const uploaded: string[] = [];
  for (const file of await filesUnder(dir)) {
    const uri = `${prefixOf(sync.s3Uri)}${relative(dir, file).split(sep).join("/")}`;
    await store.upload(file, uri, ctx);
    uploaded.push(uri);
  }
  return uploaded;
}
