// Profiles (b) alone: score() on a generated file against the bench endpoint, the scorer under
// `node --cpu-prof` (plain node on the built packages, as bench/score runs it). Prints the top self-time
// entries of the profile. Build first (npx tsc -b packages/scoring).
//   node --conditions=@mlship/source --import tsx bench/score/profile.mjs [--rows 1000000] [--pin] [--v8 <flag>]
// --v8 passes a V8 flag to the scorer, to see what a cost is: e.g. --v8 --liftoff-only leaves undici's llhttp
// WebAssembly on its baseline tier (no optimizing compile on a V8 worker thread, which the profile below,
// of the main thread, does not show; the child's message gives main-thread and other-thread CPU).
import { fork } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startModelServer } from "@mlship/target-local";
import { canPin, pin } from "../lib/proc.mjs";
import { generate } from "./data.mjs";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    pin: { type: "boolean", default: false },
    v8: { type: "string", multiple: true, default: [] },
  },
});
const here = fileURLToPath(new URL(".", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "mlship-bench-profile-"));
const server = await startModelServer({
  workDir: join(dir, "serve"),
  modelDir: join(here, "model"),
  submitDirectory: join(here, "model"),
  program: "inference.mjs",
  runtime: "node",
});
try {
  await server.ready();
  const data = join(dir, "data.csv");
  await generate(data, Number(args.rows));
  if (args.pin && canPin()) {
    pin(server.pids(), "0");
    pin([process.pid], "1");
  }
  const child = fork(join(here, "score-child.mjs"), [server.url, data, join(dir, "out.csv"), "4", "1000"], {
    execArgv: ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...args.v8],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  child.on("message", (m) => (m.starting ? child.send("go") : console.log(m)));
  await new Promise((r) => child.on("exit", r));
  const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"));
  const profile = JSON.parse(await readFile(join(dir, file), "utf8"));
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const f = n.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  }
  // Shares of the time the scorer was busy: on a loaded machine "(idle)" is mostly time spent waiting.
  self.delete("(idle) :0");
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`top self time (of ${(total / 1e6).toFixed(2)} s busy):`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
