// Selective installs hold: every package packed as npm would publish it, installed from the tarballs into
// fresh projects outside the repository (third-party dependencies from npm's cache).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installed, installProject, packWorkspaces, scratch, sh } from "./packs.js";

let tarballs: Map<string, string>;
const work = scratch("mlship-packed-");

beforeAll(async () => {
  tarballs = await packWorkspaces(scratch("mlship-tarballs-"));
});

afterAll(() => {
  // The scratch folders stay for a failing run's post-mortem; the OS tmp cleaner removes them.
});

describe("packed installs", () => {
  it("(a) cli + target-kyma only: Kyma's deploy help works, with no emulator and no target-local", async () => {
    const dir = join(work, "kyma-only");
    const install = await installProject(dir, ["@mlship/cli", "@mlship/target-kyma"], tarballs);
    expect(install.code, install.stderr).toBe(0);
    expect(installed(dir, "@mlship/emulator")).toBe(false);
    expect(installed(dir, "@mlship/target-local")).toBe(false);
    const mlship = join(dir, "node_modules", ".bin", "mlship");
    const help = await sh(mlship, ["deploy", "--target", "kyma", "--help"], dir);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("--namespace");
    // The optional peers' commands say what to install instead of failing on an import.
    const emulator = await sh(mlship, ["emulator"], dir);
    expect(emulator.code).toBe(2);
    expect(emulator.stderr).toContain("npm i @mlship/emulator");
    const demo = await sh(mlship, ["demo"], dir);
    expect(demo.code).toBe(2);
    expect(demo.stderr).toContain("npm i @mlship/emulator @mlship/target-local");
  });

  it("(b) @mlship/scoring alone scores a CSV against an HTTP endpoint", async () => {
    const dir = join(work, "scoring-only");
    const install = await installProject(dir, ["@mlship/scoring"], tarballs);
    expect(install.code, install.stderr).toBe(0);
    expect(installed(dir, "@mlship/core")).toBe(true);
    for (const absent of ["@mlship/cli", "@mlship/target-sagemaker", "@aws-sdk/client-s3"]) {
      expect(installed(dir, absent), absent).toBe(false);
    }
    writeFileSync(join(dir, "rows.csv"), "id,a,b\n1,0.1,0.2\n2,0.9,0.8\n3,0.5,0.5\n");
    writeFileSync(
      join(dir, "score.mjs"),
      `import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createHttpInvoker } from "@mlship/core";
import { createModelSource, score } from "@mlship/scoring";

// A model server answering the SageMaker container contract: one probability (the mean of the row) per CSV row.
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const rows = body.trim().split("\\n").map((l) => l.split(",").map(Number));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(rows.map((r) => r.reduce((a, b) => a + b, 0) / r.length)));
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const invoker = createHttpInvoker({ url: \`http://127.0.0.1:\${server.address().port}\` });
const summary = await score({ model: createModelSource({ invoker, features: ["a", "b"] }), data: "rows.csv", keep: ["id"], out: "scores.csv" });
server.close();
console.log(JSON.stringify({ scored: summary.scored, out: readFileSync("scores.csv", "utf8") }));
`,
    );
    const result = await sh(process.execPath, ["score.mjs"], dir);
    expect(result.code, result.stderr).toBe(0);
    const { scored, out } = JSON.parse(result.stdout.trim().split("\n").at(-1) as string);
    expect(scored).toBe(3);
    const [header, ...rows] = out.trim().split("\n") as string[];
    expect(header).toBe("id,score,error");
    expect(rows.map((l) => `${l.split(",")[0]}:${Number(l.split(",")[1]).toFixed(2)}`)).toEqual([
      "1:0.15",
      "2:0.85",
      "3:0.50",
    ]);
  });
});
