import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { type DataRef, type EventSink, MlshipError } from "@mlship/core";
import type { CliContext } from "./context.js";

/** What the CLI records when a target stages local data for a job: what `mlship data cleanup` removes. */
export interface StagingRecord {
  /** The training (or tuning) job the data was staged for. */
  job: string;
  kind: "training" | "tuning";
  /** The target plugin that staged it, and that removes it. */
  target: string;
  /** The AWS endpoint the CLI pointed at (origin only), when one was set: cleanup must point at the same one. */
  endpoint?: string;
  stagedAt: string;
  /** Set once every object was deleted; a later cleanup of the job has nothing to do. */
  cleanedAt?: string;
  refs: DataRef[];
}

/**
 * `MLSHIP_STATE_DIR`, else `~/.mlship` (beside the local target's `~/.mlship/local`): the records outlive the
 * CLI run that staged the data, and a cloud job's description does not list the objects (only a prefix).
 */
export const stateDir = (env: NodeJS.ProcessEnv): string =>
  env.MLSHIP_STATE_DIR ?? join(homedir(), ".mlship");

/** The endpoint as recorded: its origin, never credentials or a path. */
export function endpointOrigin(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  try {
    return new URL(endpoint).origin;
  } catch {
    return undefined;
  }
}

let writes = 0;

/** One JSON file per job under `<state>/staged/`, written whole (write, then rename) so none is ever half there. */
export class StagingRecords {
  readonly dir: string;

  constructor(env: NodeJS.ProcessEnv) {
    this.dir = join(stateDir(env), "staged");
  }

  #file(job: string): string {
    // Job names are SageMaker names (letters, digits, hyphens); anything else must not become a path.
    return join(this.dir, `${encodeURIComponent(job)}.json`);
  }

  read(job: string): StagingRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.#file(job), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as StagingRecord;
    } catch (error) {
      throw new MlshipError("E_CONFIG", `The staging record of ${job} is damaged`, {
        cause: error,
        where: this.#file(job),
        hint: "Delete that file; the objects it listed are then left for you to remove.",
      });
    }
  }

  /** Every record, newest first. */
  list(): StagingRecord[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith(".json"));
    } catch {
      return [];
    }
    return files
      .map((f) => this.read(decodeURIComponent(f.slice(0, -".json".length))))
      .filter((r): r is StagingRecord => r !== undefined)
      .sort((a, b) => b.stagedAt.localeCompare(a.stagedAt));
  }

  write(record: StagingRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${process.pid}.${writes++}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(tmp, this.#file(record.job));
  }

  /** Adds one staged channel to the job's record (a channel staged again replaces its entry). */
  add(entry: Omit<StagingRecord, "refs" | "stagedAt" | "cleanedAt">, ref: DataRef): void {
    const previous = this.read(entry.job);
    const kept = previous && !previous.cleanedAt ? previous.refs.filter((r) => r.uri !== ref.uri) : [];
    this.write({
      ...entry,
      stagedAt: previous && !previous.cleanedAt ? previous.stagedAt : new Date().toISOString(),
      refs: [...kept, ref],
    });
  }
}

/**
 * Wraps `next` so that every `data.staged` event is recorded the moment it happens (before the job even
 * starts): a job that fails or is interrupted still has its data on record. `recorded` lists the jobs.
 */
export function recordingStagedData(
  ctx: CliContext,
  target: string,
  kind: StagingRecord["kind"],
  next: EventSink,
): { sink: EventSink; recorded: ReadonlySet<string> } {
  const records = new StagingRecords(ctx.io.env);
  const endpoint = endpointOrigin(ctx.aws().endpoint);
  const recorded = new Set<string>();
  const sink: EventSink = (event) => {
    if (event.type === "data.staged") {
      try {
        records.add({ job: event.job, kind, target, ...(endpoint ? { endpoint } : {}) }, event.ref);
        recorded.add(event.job);
      } catch (error) {
        next({
          type: "log",
          level: "warn",
          message: `Could not record the data staged for ${event.job} in ${records.dir} (${(error as Error).message}); \`mlship data cleanup\` will not know these objects: ${event.ref.objects.join(" ")}`,
        });
      }
    }
    next(event);
  };
  return { sink, recorded };
}

/** The line a command's human output ends with when it staged data: how to remove it. */
export const cleanupHint = (recorded: ReadonlySet<string>): string =>
  [...recorded].map((job) => `staged data: kept; \`mlship data cleanup ${job}\` deletes it\n`).join("");
