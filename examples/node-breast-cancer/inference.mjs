// Inference hooks for mlship's Node model server (the SageMaker serving contract in Node).
// predictFn returns, for each row, the probability of the positive class: malignant (target = 1).
//
// Only modelFn is required. inputFn/outputFn are left to the server's defaults, which decode
// text/csv, application/json ([[...]], [...] or {"instances": [...]}) and application/x-npy into
// rows of numbers, and encode the returned list by the Accept header (application/json by default).
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export async function modelFn(modelDir) {
  return JSON.parse(await readFile(join(modelDir, "model.json"), "utf8"));
}

function probability(model, row) {
  if (row.length !== model.weights.length) {
    throw new Error(`expected ${model.weights.length} features per row, got ${row.length}`);
  }
  let z = model.bias;
  for (let j = 0; j < row.length; j++) {
    const value = Number(row[j]);
    if (!Number.isFinite(value))
      throw new Error(`feature ${model.featureNames[j]} is not a number: ${row[j]}`);
    z += model.weights[j] * ((value - model.mean[j]) / model.std[j]);
  }
  return 1 / (1 + Math.exp(-z));
}

export function predictFn(input, model) {
  // One flat row of features is one instance (as the scikit-learn example treats a 1-D array).
  const rows = input.length > 0 && !Array.isArray(input[0]) ? [input] : input;
  return rows.map((row) => probability(model, row));
}
