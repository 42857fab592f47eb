import { type CastingContext, CsvError, parse } from "csv-parse/sync";
import { MlshipError } from "../errors.js";
import { asRows, assertRectangular, type Cell, describeCell } from "./values.js";

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_NUMBERS: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  "+infinity": Number.POSITIVE_INFINITY,
  "-infinity": Number.NEGATIVE_INFINITY,
};
const BOOLEANS: Record<string, boolean> = { true: true, false: false };

/** What an unquoted field means: number, boolean, null (empty) or the text itself. */
function parseField(text: string): Cell {
  if (text === "") return null;
  if (NUMBER.test(text)) return Number(text);
  // Some writers pad numbers ("1, 2.5"); padding around a number is not part of it.
  const trimmed = text.trim();
  if (trimmed !== text && NUMBER.test(trimmed)) return Number(trimmed);
  const lower = trimmed.toLowerCase();
  const special = SPECIAL_NUMBERS[lower];
  if (special !== undefined) return special;
  const bool = BOOLEANS[lower];
  return bool ?? text;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Number.POSITIVE_INFINITY) return "inf";
  if (n === Number.NEGATIVE_INFINITY) return "-inf";
  return String(n);
}

function formatCell(cell: Cell, row: number, column: number): string {
  switch (typeof cell) {
    case "number":
      return formatNumber(cell);
    case "boolean":
      return cell ? "true" : "false";
    case "string":
      // Quote when RFC 4180 requires it, and when the bare text would read back as something else
      // (a number, a boolean, an empty cell), so a string stays a string through decodeCsv.
      if (/[",\r\n]/.test(cell) || parseField(cell) !== cell || cell.trim() !== cell) {
        return `"${cell.replaceAll('"', '""')}"`;
      }
      return cell;
    default:
      if (cell === null || cell === undefined) return "";
      throw new MlshipError("E_INVALID_INPUT", `Cannot write ${describeCell(cell)} (${typeof cell}) to CSV`, {
        where: `row ${row}, column ${column}`,
        details: { row, column },
      });
  }
}

/**
 * Rows to CSV text without a header, `\n` line ends, as SageMaker containers expect.
 * 1-D input writes one value per line. Ragged rows are rejected.
 */
export function encodeCsv(rows: readonly (readonly Cell[])[] | readonly Cell[]): string {
  const { rows: table } = asRows(rows);
  assertRectangular(table);
  let out = "";
  for (let r = 0; r < table.length; r++) {
    const row = table[r] as readonly Cell[];
    let line = "";
    for (let c = 0; c < row.length; c++) {
      if (c > 0) line += ",";
      line += formatCell(row[c] as Cell, r, c);
    }
    out += `${line}\n`;
  }
  return out;
}

const cast = (value: string, context: CastingContext): Cell => (context.quoting ? value : parseField(value));

/**
 * CSV text (no header) to rows. Unquoted numeric fields become numbers (`nan`/`inf` too), `true`/`false`
 * booleans, empty fields null; quoted fields stay strings (with `raw`, every field is its text). Ragged rows
 * and broken quoting raise E_CODEC naming the row or line.
 */
export function decodeCsv(text: string, options: { raw?: boolean } = {}): Cell[][] {
  let rows: Cell[][];
  try {
    rows = parse(text, {
      bom: true,
      // raw: every field as its text, e.g. a header row, whose `01` or `True` must stay names.
      ...(options.raw ? {} : { cast }),
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Cell[][];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 0;
    throw new MlshipError("E_CODEC", `Invalid CSV at line ${line}: ${error.message}`, {
      where: `line ${line}`,
      cause: error,
      details: { line, code: error.code },
    });
  }
  const width = rows[0]?.length ?? 0;
  for (let r = 1; r < rows.length; r++) {
    const len = (rows[r] as Cell[]).length;
    if (len !== width) {
      throw new MlshipError(
        "E_CODEC",
        `Invalid CSV: ragged rows, row ${r} has ${len} fields, row 0 has ${width}`,
        {
          where: `row ${r}`,
          details: { row: r, columns: len, expected: width },
        },
      );
    }
  }
  return rows;
}
