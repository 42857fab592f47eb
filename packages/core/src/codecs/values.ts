import { MlshipError } from "../errors.js";

/** One cell of a request or response table. */
export type Cell = number | string | boolean | null;
/** 1-D (one value per row) or 2-D (rows of cells). */
export type Values = Cell[] | Cell[][];

/** Rows as given, or one row per value for 1-D input. */
export function asRows(values: readonly (readonly Cell[])[] | readonly Cell[]): {
  rows: readonly (readonly Cell[])[];
  oneD: boolean;
} {
  if (values.length === 0) return { rows: [], oneD: true };
  const firstIsRow = Array.isArray(values[0]);
  for (let i = 0; i < values.length; i++) {
    if (Array.isArray(values[i]) !== firstIsRow) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Row ${i} is ${firstIsRow ? "a scalar" : "an array"} but row 0 is ${firstIsRow ? "an array" : "a scalar"}; mix of 1-D and 2-D values`,
        { where: `row ${i}`, details: { row: i } },
      );
    }
  }
  if (firstIsRow) return { rows: values as readonly (readonly Cell[])[], oneD: false };
  return { rows: (values as readonly Cell[]).map((v) => [v]), oneD: true };
}

/** Throws E_INVALID_INPUT naming the first row whose length differs from row 0. */
export function assertRectangular(rows: readonly (readonly unknown[])[]): number {
  const width = rows[0]?.length ?? 0;
  for (let i = 1; i < rows.length; i++) {
    const len = (rows[i] as readonly unknown[]).length;
    if (len !== width) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Ragged rows: row ${i} has ${len} columns, row 0 has ${width}`,
        {
          where: `row ${i}`,
          details: { row: i, columns: len, expected: width },
        },
      );
    }
  }
  return width;
}

export const describeCell = (v: unknown): string =>
  typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : String(v);
