// Trains a breast-cancer classifier (logistic regression on standardised features) in plain Node.
// Same contract as a SageMaker script-mode job: hyperparameters arrive as `--name value` arguments,
// data in the `train` (and optional `test`) channel, and the model goes to SM_MODEL_DIR.
// Label: the `target` column, 1 = malignant (the positive class), 0 = benign.
// With a checkpoint folder (the job has a CheckpointConfig: `--checkpoint-s3-uri`), it resumes from the
// weights the last job left there and leaves its own: each run trains `epochs` more.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    "learning-rate": { type: "string", default: "0.1" },
    epochs: { type: "string", default: "500" },
    l2: { type: "string", default: "0.001" },
    target: { type: "string", default: "target" },
  },
  strict: false, // SageMaker may pass arguments this script does not know
});
const learningRate = Number(args["learning-rate"]);
const epochs = Number(args.epochs);
const l2 = Number(args.l2);
const label = args.target;

function csvFiles(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".csv"))
    .sort()
    .map((f) => join(path, f));
}

/** Numeric CSV with a header row (the data set has no quoted fields). */
function readChannel(path) {
  const files = csvFiles(path);
  if (files.length === 0) throw new Error(`no .csv files in channel ${path}`);
  let names;
  const X = [];
  const y = [];
  for (const file of files) {
    const lines = readFileSync(file, "utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "");
    const header = lines[0].split(",").map((h) => h.trim());
    const at = header.indexOf(label);
    if (at === -1) throw new Error(`${file}: no '${label}' column in the header`);
    const features = header.filter((_, i) => i !== at);
    names ??= features;
    for (const line of lines.slice(1)) {
      const cells = line.split(",").map(Number);
      y.push(cells[at]);
      X.push(cells.filter((_, i) => i !== at));
    }
  }
  return { names, X, y };
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

function standardiser(X) {
  const d = X[0].length;
  const mean = new Array(d).fill(0);
  const std = new Array(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) mean[j] += row[j] / X.length;
  for (const row of X) for (let j = 0; j < d; j++) std[j] += (row[j] - mean[j]) ** 2 / X.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1;
  return { mean, std };
}

function predictProba(model, row) {
  let z = model.bias;
  for (let j = 0; j < model.weights.length; j++)
    z += model.weights[j] * ((row[j] - model.mean[j]) / model.std[j]);
  return sigmoid(z);
}

function fit(X, y, start) {
  const { mean, std } = standardiser(X);
  const Z = X.map((row) => row.map((v, j) => (v - mean[j]) / std[j]));
  const d = X[0].length;
  const weights = start ? [...start.weights] : new Array(d).fill(0);
  let bias = start?.bias ?? 0;
  // Full-batch gradient descent: 455 rows x 30 features converges in a few hundred epochs.
  for (let epoch = 0; epoch < epochs; epoch++) {
    const grad = new Array(d).fill(0);
    let gradBias = 0;
    for (let i = 0; i < Z.length; i++) {
      let z = bias;
      for (let j = 0; j < d; j++) z += weights[j] * Z[i][j];
      const err = sigmoid(z) - y[i];
      for (let j = 0; j < d; j++) grad[j] += (err * Z[i][j]) / Z.length;
      gradBias += err / Z.length;
    }
    for (let j = 0; j < d; j++) weights[j] -= learningRate * (grad[j] + l2 * weights[j]);
    bias -= learningRate * gradBias;
  }
  return { mean, std, weights, bias };
}

function accuracy(model, X, y) {
  let right = 0;
  for (let i = 0; i < X.length; i++) right += (predictProba(model, X[i]) >= 0.5 ? 1 : 0) === y[i] ? 1 : 0;
  return right / X.length;
}

const train = readChannel(process.env.SM_CHANNEL_TRAIN);
console.log(
  `training on ${train.X.length} rows, ${train.names.length} features, ${train.y.filter((v) => v === 1).length} malignant`,
);
// SageMaker's checkpoint folder, /opt/ml/checkpoints, is SM_MODEL_DIR's sibling; it exists only with a CheckpointConfig.
const checkpoints = join(dirname(process.env.SM_MODEL_DIR), "checkpoints");
const stateFile = join(checkpoints, "state.json");
const start = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : undefined;
if (start) console.log(`resuming from the checkpoint after ${start.epochs} epochs`);
const model = { featureNames: train.names, positiveClass: "malignant", ...fit(train.X, train.y, start) };
if (existsSync(checkpoints)) {
  const state = { epochs: (start?.epochs ?? 0) + epochs, weights: model.weights, bias: model.bias };
  writeFileSync(stateFile, JSON.stringify(state));
  console.log(`checkpoint saved after ${state.epochs} epochs`);
}

const metrics = { train_accuracy: accuracy(model, train.X, train.y) };
if (process.env.SM_CHANNEL_TEST) {
  const test = readChannel(process.env.SM_CHANNEL_TEST);
  metrics.test_accuracy = accuracy(model, test.X, test.y);
}
for (const [name, value] of Object.entries(metrics)) console.log(`${name}=${value.toFixed(4)};`);

mkdirSync(process.env.SM_MODEL_DIR, { recursive: true });
writeFileSync(join(process.env.SM_MODEL_DIR, "model.json"), JSON.stringify(model));
if (process.env.SM_OUTPUT_DATA_DIR) {
  mkdirSync(process.env.SM_OUTPUT_DATA_DIR, { recursive: true });
  writeFileSync(join(process.env.SM_OUTPUT_DATA_DIR, "metrics.json"), JSON.stringify(metrics, null, 2));
}
