import { writeFile } from "node:fs/promises";
import { predict, type TestModel } from "./model-server.js";

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const BINARY: TestModel = { weights: [[0.8, -1.2, 0.5, 0.3]], bias: [-0.1] };
export const MULTI: TestModel = {
  weights: [
    [0.9, -0.4, 0.2, 0.1],
    [-0.5, 0.7, 0.3, -0.2],
    [0.1, 0.2, -0.8, 0.6],
  ],
  bias: [0.1, -0.2, 0.05],
};

export interface Dataset {
  features: string[];
  rows: number[][];
  labels: number[];
  expected: number[][];
}

/** Rows of 4 features with 3 decimals; the label is drawn from the model's own probabilities. */
export function dataset(model: TestModel, n: number, seed = 1): Dataset {
  const rand = lcg(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  const expected: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = [0, 0, 0, 0].map(() => Math.round((rand() * 4 - 2) * 1000) / 1000);
    const p = predict(model, x);
    rows.push(x);
    expected.push(p);
    if (p.length === 1) labels.push(rand() < (p[0] as number) ? 1 : 0);
    else {
      let u = rand();
      let k = 0;
      while (k < p.length - 1 && u > (p[k] as number)) u -= p[k++] as number;
      labels.push(k);
    }
  }
  return { features: ["f0", "f1", "f2", "f3"], rows, labels, expected };
}

/** CSV with header `id,f0..f3,target` (label last, an id first). */
export async function writeCsv(
  path: string,
  d: Dataset,
  options: { labelFirst?: boolean } = {},
): Promise<void> {
  const lines = d.rows.map((r, i) =>
    options.labelFirst ? [d.labels[i], `r${i}`, ...r].join(",") : [`r${i}`, ...r, d.labels[i]].join(","),
  );
  const header = options.labelFirst ? ["target", "id", ...d.features] : ["id", ...d.features, "target"];
  await writeFile(path, `${header.join(",")}\n${lines.join("\n")}\n`);
}
