import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
    await this.put(dir, file, value, true);
  }

  /** As write, into a directory that must still exist: false (nothing written) once it is gone, e.g. deleted. */
  replace(dir: string, file: string, value: unknown): Promise<boolean> {
    return this.put(dir, file, value, false);
  }

  private async put(dir: string, file: string, value: unknown, create: boolean): Promise<boolean> {
    const tmp = join(dir, `.${file}.${process.pid}.${writes++}.tmp`);
    try {
      if (create) await mkdir(dir, { recursive: true });
      await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
      await rename(tmp, join(dir, file));
      return true;
    } catch (error) {
      await rm(tmp, { force: true });
      if (!create && (error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw this.cannot("write", join(dir, file), error);
    }
  }

  /**
   * Removes a state directory as one step: it is first moved out of the tree (under `deleting/`), then removed,
   * so whoever still writes to its path (a deployer whose lock was taken over, a late log writer) gets ENOENT
   * instead of racing the removal (ENOTEMPTY) or recreating it. False when it was already gone.
   */
  async remove(dir: string): Promise<boolean> {
    const aside = join(this.root, "deleting", randomBytes(6).toString("hex"));
    try {
      await mkdir(join(this.root, "deleting"), { recursive: true });
      await rename(dir, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw this.cannot("remove", dir, error);
    }
    await rm(aside, { recursive: true, force: true });
    return true;
  }

  private cannot(what: string, path: string, error: unknown): MlshipError {
    return new MlshipError("E_INTERNAL", `Cannot ${what} ${path}: ${(error as Error).message}`, {
      cause: error,
      hint: `Check that ${this.root} is writable and has space.`,
    });
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
