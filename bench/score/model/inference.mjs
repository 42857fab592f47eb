// A fixed 10-feature logistic regression for bench/score, served by @mlship/target-local's Node model
// server. inputFn parses CSV/JSON by hand so the server is as cheap as it can honestly be: the benchmark
// measures the client, and every cycle the server spends is a cycle the client cannot use (2 shared cores).
export const WEIGHTS = [0.8, -1.2, 0.5, 0.3, -0.7, 1.1, -0.4, 0.9, -0.2, 0.6];
export const BIAS = -0.1;

export function modelFn() {
  return { weights: WEIGHTS, bias: BIAS };
}

export function inputFn(body, contentType) {
  const text = body.toString("latin1");
  if (contentType.startsWith("application/json")) return JSON.parse(text);
  const rows = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(text.slice(start, end).split(","));
    start = end + 1;
  }
  return rows;
}

export function predictFn(rows, model) {
  const { weights, bias } = model;
  const out = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== weights.length)
      throw new Error(`expected ${weights.length} features, got ${row.length}`);
    let z = bias;
    for (let j = 0; j < weights.length; j++) z += weights[j] * Number(row[j]);
    out[r] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

export function outputFn(prediction) {
  return [JSON.stringify(prediction), "application/json"];
}
