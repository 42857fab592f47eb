import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { MlshipError } from "@mlship/core";

type Doc<T> = Record<string, Record<string, T>>;

/**
 * Records kept under one key of a JSON file, so every CLI call (a new process) sees what the previous one
 * did. A cloud target asks its backend instead: keeping no local state is what lets `get` find things again.
 */
export class JsonState<T> {
  readonly file: string;
  readonly key: string;

  constructor(file: string, key: string) {
    this.file = file;
    this.key = key;
  }

  #doc(): Doc<T> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, "utf8")) as Doc<T>) : {};
  }

  all(): Record<string, T> {
    return this.#doc()[this.key] ?? {};
  }

  /** The record named `name`, else E_NOT_FOUND (the code every target uses for "no such thing"). */
  get(name: string, what: string): T {
    const found = this.all()[name];
    if (!found) {
      throw new MlshipError("E_NOT_FOUND", `No ${what} named "${name}" on the http target`, { where: name });
    }
    return found;
  }

  /** Stores `value` under `name`; `undefined` removes it. */
  put(name: string, value: T | undefined): void {
    const doc = this.#doc();
    const { [name]: _old, ...rest } = doc[this.key] ?? {};
    doc[this.key] = value === undefined ? rest : { ...rest, [name]: value };
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, `${JSON.stringify(doc, null, 2)}\n`);
  }
}
