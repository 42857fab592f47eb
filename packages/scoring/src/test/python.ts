import { execFileSync, spawnSync } from "node:child_process";

let cached: string | undefined;

/**
 * A Python that can import scikit-learn: MLSHIP_PYTHON, then Debian's /usr/bin/python3, then PATH.
 * (The python3 first on PATH may not see Debian's packages.) Fails loudly: metrics tests need it.
 */
export function sklearnPython(): string {
  if (cached) return cached;
  const candidates = [process.env.MLSHIP_PYTHON, "/usr/bin/python3", "python3", "python"].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) {
    const r = spawnSync(c, ["-c", "import sklearn, numpy"], { stdio: "ignore", timeout: 30_000 });
    if (r.status === 0) {
      cached = c;
      return c;
    }
  }
  throw new Error(`No Python with scikit-learn among ${candidates.join(", ")}; set MLSHIP_PYTHON`);
}

/** Runs a Python snippet that reads JSON from stdin and prints JSON. */
export function runPython(code: string, input: unknown): unknown {
  const out = execFileSync(sklearnPython(), ["-c", code], {
    input: JSON.stringify(input),
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return JSON.parse(out.toString());
}
