import type { Cell, MlshipError } from "@mlship/core";
import { csvText } from "./input/encode.js";
import type { Task } from "./parse-scores.js";
import { scoreTexts } from "./score-texts.js";

export type OutputFormat = "csv" | "jsonl" | "parquet";
/** What the scorer writes line by line: Parquet output is spooled as JSON Lines first (see parquet-output.ts). */
export type LineFormat = Exclude<OutputFormat, "parquet">;

/**
 * The output's columns (CSV, Parquet) or keys (JSON Lines): kept columns, then `score` (binary), `score_<class>`
 * per class (multi-class CSV and Parquet) or `scores` (multi-class JSON Lines), then `error`.
 */
export function outputColumns(
  kept: readonly string[],
  task: Task,
  format: OutputFormat,
  width: number,
  classes: readonly Cell[] | undefined,
): string[] {
  const scores =
    task === "binary"
      ? ["score"]
      : format === "jsonl"
        ? ["scores"]
        : Array.from({ length: width }, (_, c) => `score_${String(classes?.[c] ?? c)}`);
  return [...kept, ...scores, "error"];
}

/**
 * Output layout (what RIME's `register_predictions` reads, row i = input row i):
 * - CSV: kept input columns, then `score` (binary) or `score_<class>` per class (multi-class), then `error`
 *   (empty when the row was scored).
 * - JSON Lines: kept input keys, then `"score": p` (binary) or `"scores": [p0, p1, …]` (multi-class); a failed
 *   row has a null score and an `"error"` key.
 */
export class OutputFormatter {
  readonly #format: LineFormat;
  readonly #kept: readonly string[];
  readonly #task: Task;
  /** Class columns for multi-class CSV; unknown until the first scored row unless `classes` was given. */
  width: number | undefined;
  readonly #classes: readonly Cell[] | undefined;

  constructor(format: LineFormat, kept: readonly string[], task: Task, classes?: readonly Cell[]) {
    this.#format = format;
    this.#kept = kept;
    this.#task = task;
    this.#classes = classes;
    this.width = task === "binary" ? 1 : classes?.length;
  }

  /** Whether the CSV header can be written (multi-class needs the number of classes). */
  get ready(): boolean {
    return this.#format === "jsonl" || this.width !== undefined;
  }

  header(): string {
    if (this.#format === "jsonl") return "";
    const scoreColumns =
      this.#task === "binary"
        ? ["score"]
        : Array.from({ length: this.width ?? 0 }, (_, c) => `score_${String(this.#classes?.[c] ?? c)}`);
    return `${csvText([...this.#kept, ...scoreColumns, "error"])}\n`;
  }

  /**
   * Several binary rows at once when nothing is kept and none failed: one native JSON.stringify instead of a
   * number-to-text conversion per row. Undefined when the fast form does not apply.
   */
  binaryRows(results: readonly unknown[]): string | undefined {
    if (this.#format !== "csv" || this.#task !== "binary" || this.#kept.length > 0 || results.length === 0)
      return undefined;
    // The model's own number texts, when the results are exactly what was read from its answer.
    const texts = scoreTexts(results);
    if (texts) return `${texts.join(",\n")},\n`;
    for (let i = 0; i < results.length; i++) if (typeof results[i] !== "number") return undefined;
    return `${JSON.stringify(results).slice(1, -1).replaceAll(",", ",\n")},\n`;
  }

  row(result: number | number[] | MlshipError, keep: unknown): string {
    const failed = typeof result === "object" && !Array.isArray(result);
    if (this.#format === "jsonl") {
      const obj: Record<string, unknown> = this.#kept.length ? { ...(keep as Record<string, unknown>) } : {};
      if (failed) {
        obj[this.#task === "binary" ? "score" : "scores"] = null;
        obj.error = errorText(result);
      } else {
        obj[this.#task === "binary" ? "score" : "scores"] = result;
      }
      return `${JSON.stringify(obj)}\n`;
    }
    const prefix = this.#kept.length ? `${keep as string},` : "";
    if (failed) {
      const empty = this.#task === "binary" ? "," : ",".repeat(this.width ?? 0);
      return `${prefix}${empty}${csvText([errorText(result)])}\n`;
    }
    if (typeof result === "number") return `${prefix}${result},\n`;
    let line = prefix;
    for (let c = 0; c < (this.width ?? result.length); c++) line += `${result[c] ?? ""},`;
    return `${line}\n`;
  }
}

export const errorText = (e: MlshipError): string => `${e.code}: ${e.message}`;
