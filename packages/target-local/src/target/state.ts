import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { MlshipError } from "@mlship/core";

/** `~/.mlship/local` unless MLSHIP_LOCAL_STATE_DIR or the option says otherwise. */
export const defaultStateDir = (): string =>
  process.env.MLSHIP_LOCAL_STATE_DIR ?? join(homedir(), ".mlship", "local");

let writes = 0;
const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

/** Job and deployment names become directory names: SageMaker's naming rule keeps them safe. */
export function checkName(name: string, what: string): string {
  if (!NAME.test(name) || name.length > 63) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid ${what} name '${name}'`, {
      hint: "Use 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's rule).",
      where: what,
      details: { name },
    });
  }
  return name;
}

/** Where the local target keeps jobs and deployments, so a later process finds them. */
export class StateStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  jobDir(name: string): string {
    return join(this.root, "jobs", checkName(name, "training job"));
  }

  deploymentDir(name: string): string {
    return join(this.root, "deployments", checkName(name, "deployment"));
  }

  async read<T>(dir: string, file: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(join(dir, file), "utf8")) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new MlshipError("E_INTERNAL", `Cannot read ${join(dir, file)}: ${(error as Error).message}`, {
        cause: error,
        hint: "The local target's state file is damaged; delete that directory.",
      });
    }
  }

  /** Write-then-rename, so a reader never sees half a file. */
  async write(dir: string, file: string, value: unknown): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${file}.${process.pid}.${writes++}.tmp`);
    await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
    await rename(tmp, join(dir, file));
  }

  async names(kind: "jobs" | "deployments"): Promise<string[]> {
    try {
      return (await readdir(join(this.root, kind), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }
}
