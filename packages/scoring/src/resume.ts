import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { MlshipError } from "@mlship/core";
import {
  type CheckpointState,
  checkpointPaths,
  type Fingerprint,
  loadCheckpoint,
  RESTART_HINT,
  removeCheckpoint,
} from "./checkpoint.js";
import { discardSpools } from "./output-spool.js";

function refuse(spool: string, message: string, details: Record<string, unknown>): MlshipError {
  return new MlshipError("E_CONFIG", `Cannot resume: the partial output ${spool} ${message}`, {
    where: spool,
    details,
    hint: RESTART_HINT,
  });
}

/**
 * Checks that the partial output is what the checkpoint recorded before a resume appends to it: at least
 * `outputBytes` long, and those bytes hash to `outputHash`. Bytes after them are rows written after the last
 * checkpoint by the interrupted run; resume writes them again. Returns the hash, primed with those bytes, for
 * the writer to continue. Missing, shorter or different is `E_CONFIG`, naming the file and what differs.
 */
export async function verifyPartialOutput(
  spool: string,
  checkpoint: Pick<CheckpointState, "outputBytes" | "outputHash">,
): Promise<Hash> {
  const want = checkpoint.outputBytes;
  let size: number;
  try {
    size = (await stat(spool)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw refuse(spool, `is missing; the checkpoint says it holds ${want} bytes of finished rows`, {
      expectedBytes: want,
    });
  }
  if (size < want) {
    throw refuse(spool, `is ${size} bytes; the checkpoint says ${want}: it was cut short or replaced`, {
      bytes: size,
      expectedBytes: want,
    });
  }
  const hash = createHash("sha256");
  if (want > 0) {
    for await (const chunk of createReadStream(spool, { start: 0, end: want - 1, highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
  }
  const got = hash.copy().digest("hex");
  if (got !== checkpoint.outputHash) {
    throw refuse(
      spool,
      `differs from what the checkpoint recorded in its first ${want} bytes (changed or replaced)`,
      {
        bytes: size,
        expectedBytes: want,
        sha256: got,
        expectedSha256: checkpoint.outputHash,
      },
    );
  }
  return hash;
}

export interface ResumePoint {
  checkpoint?: CheckpointState;
  /** The partial output's hash up to the checkpoint, for the writer to continue. */
  hash?: Hash;
}

/**
 * Where a run with an output file starts: from a checked checkpoint (`resume`), or from nothing (`restart`,
 * or no checkpoint). A checkpoint left by an unfinished run is never discarded silently: without `resume`
 * or `restart`, the run is refused with `E_CONFIG`.
 */
export async function resumePoint(
  out: string,
  spool: string,
  print: Fingerprint,
  mode: { resume?: boolean | undefined; restart?: boolean | undefined },
): Promise<ResumePoint> {
  if (mode.restart) {
    await removeCheckpoint(out);
    await discardSpools(out);
    return {};
  }
  if (!mode.resume) {
    if (existsSync(checkpointPaths(out).json)) {
      throw new MlshipError(
        "E_CONFIG",
        `An unfinished run's checkpoint is beside the output: ${checkpointPaths(out).json}`,
        {
          where: checkpointPaths(out).json,
          hint: "Continue it with --resume (library: resume: true), or start over with --restart (restart: true).",
        },
      );
    }
    await discardSpools(out);
    return {};
  }
  const checkpoint = await loadCheckpoint(out, print);
  if (!checkpoint) {
    await discardSpools(out);
    return {};
  }
  return { checkpoint, hash: await verifyPartialOutput(spool, checkpoint) };
}
