import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Resource records of one kind, in memory and mirrored as `<dir>/<lower-case name>.json` so a restarted
 * emulator finds them again. Names are case-insensitive keys, as SageMaker's lower-cased ARNs make them.
 */
export interface RecordStore<T> {
  get(name: string): T | undefined;
  has(name: string): boolean;
  all(): T[];
  /** Inserts or replaces the record and writes it to disk. */
  put(record: T): void;
  delete(name: string): void;
  /** Reads every record from disk (used by restore). */
  load(): T[];
}

export function createRecordStore<T>(dir: string, nameOf: (record: T) => string): RecordStore<T> {
  const records = new Map<string, T>();
  const key = (name: string) => name.toLowerCase();
  const file = (name: string) => join(dir, `${key(name)}.json`);
  mkdirSync(dir, { recursive: true });
  return {
    get: (name) => records.get(key(name)),
    has: (name) => records.has(key(name)),
    all: () => [...records.values()],
    put(record) {
      const name = nameOf(record);
      records.set(key(name), record);
      // Write-then-rename: a crash mid-write never leaves a truncated record behind.
      const target = file(name);
      const temp = `${target}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(record, null, 2));
      renameSync(temp, target);
    },
    delete(name) {
      records.delete(key(name));
      rmSync(file(name), { force: true });
    },
    load() {
      records.clear();
      for (const entry of readdirSync(dir)) {
        if (!entry.endsWith(".json")) continue;
        try {
          const record = JSON.parse(readFileSync(join(dir, entry), "utf8")) as T;
          records.set(key(nameOf(record)), record);
        } catch {
          // A record that cannot be read is skipped rather than blocking the restart.
        }
      }
      return [...records.values()];
    },
  };
}
