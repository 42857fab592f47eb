import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { tempDir } from "@mlship/testing";
import { describe, expect, it } from "vitest";
import { main } from "./main.js";

// Every path flag of every command, fed four user mistakes. Each must be reported as the user's mistake
// (exit 2, E_INVALID_INPUT naming the flag and the path), before any side effect, never as E_INTERNAL.
//
// "Unwritable" is a path in /sys: sysfs refuses new files even for root (who ignores permission bits, so
// chmod cannot make a folder unwritable for these tests), on every Linux, without mount or chattr rights.

type Kind = "wrong type" | "missing parent" | "unwritable" | "file as folder";
type Want = "file" | "folder" | "either";

interface Flag {
  flag: string;
  /** What the flag names: a file or a folder (the "wrong type" case gives it the other). */
  wants: Want;
  argv: (value: string) => string[];
}

const FLAGS: Flag[] = [
  { flag: "--config", wants: "file", argv: (v) => ["--config", v, "targets"] },
  { flag: "--entry-point", wants: "file", argv: (v) => ["train", "--entry-point", v] },
  {
    flag: "--source-dir",
    wants: "folder",
    argv: (v) => ["train", "--entry-point", "train.py", "--source-dir", v],
  },
  // Channel data may be a file or a folder: only the other three mistakes apply.
  {
    flag: "--data",
    wants: "either",
    argv: (v) => ["train", "--entry-point", "train.py", "--data", `train=${v}`],
  },
  {
    flag: "--download-output",
    wants: "folder",
    argv: (v) => ["train", "--entry-point", "train.py", "--download-output", v],
  },
  { flag: "--model", wants: "file", argv: (v) => ["deploy", "--name", "x", "--model", `${v}.tar.gz`] },
  {
    flag: "--source-dir",
    wants: "folder",
    argv: (v) => ["deploy", "--name", "x", "--model", "job", "--source-dir", v],
  },
  { flag: "--file", wants: "file", argv: (v) => ["invoke", "ep", "--file", v] },
  { flag: "--data", wants: "file", argv: (v) => ["score", "ep", "--data", v] },
  { flag: "--out", wants: "file", argv: (v) => ["score", "ep", "--data", "data.csv", "--out", v] },
  { flag: "--report", wants: "file", argv: (v) => ["score", "ep", "--data", "data.csv", "--report", v] },
  { flag: "--out", wants: "file", argv: (v) => ["rime", "export", "ep", "--features", "a", "--out", v] },
  {
    flag: "--kubeconfig",
    wants: "file",
    argv: (v) => ["deployments", "list", "-t", "kyma", "--kubeconfig", v],
  },
  { flag: "--data-dir", wants: "folder", argv: (v) => ["emulator", "--port", "0", "--data-dir", v] },
  { flag: "--report", wants: "file", argv: (v) => ["demo", "--report", v] },
];

/** The mistaken value for a flag: `--data train=` values go through --data's channel syntax. */
function value(kind: Kind, wants: Want): string {
  switch (kind) {
    case "wrong type":
      return wants === "file" ? "a-folder" : "a-file.txt";
    case "missing parent":
      return join("missing", "sub", "x");
    case "unwritable":
      return "/sys/mlship-unwritable/x";
    case "file as folder":
      return join("a-file.txt", "x");
  }
}

async function run(cwd: string, argv: string[]): Promise<{ code: number; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stderr = "";
  err.on("data", (d: Buffer) => (stderr += d));
  out.resume();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    MLSHIP_LOCAL_STATE_DIR: join(cwd, "state"),
  };
  delete env.AWS_PROFILE;
  delete env.AWS_ENDPOINT_URL;
  const code = await main(argv, { stdout: out, stderr: err, env, cwd });
  return { code, stderr };
}

describe("path flags: user mistakes are reported as such", () => {
  const cwd = tempDir("mlship-path-flags-");
  mkdirSync(join(cwd, "a-folder"));
  mkdirSync(join(cwd, "a-folder.tar.gz"));
  writeFileSync(join(cwd, "a-file.txt"), "x\n");
  writeFileSync(join(cwd, "train.py"), "print(1)\n");
  writeFileSync(join(cwd, "data.csv"), "a,b\n1,2\n");

  for (const f of FLAGS) {
    for (const kind of ["wrong type", "missing parent", "unwritable", "file as folder"] as Kind[]) {
      const v = value(kind, f.wants);
      const argv = f.argv(v);
      // The one case that is not a mistake: an unwritable folder only matters to what is written.
      const writes = ["--out", "--report", "--download-output", "--data-dir"].includes(f.flag);
      if (kind === "unwritable" && !writes && f.wants === "folder") continue;
      if (kind === "wrong type" && f.wants === "either") continue;
      it(`${argv.slice(0, 2).join(" ")} ${f.flag}: ${kind}`, async () => {
        const { code, stderr } = await run(cwd, argv);
        expect(stderr).not.toContain("E_INTERNAL");
        expect(stderr).toContain("error [E_INVALID_INPUT]");
        expect(stderr).toContain(f.flag);
        expect(stderr).toContain(f.flag === "--model" ? `${v}.tar.gz` : v);
        expect(code).toBe(2);
      });
    }
  }
});
