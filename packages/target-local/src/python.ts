import { execFile } from "node:child_process";
import { MlshipError } from "@mlship/core";

/** Interpreters tried in order when neither the option nor MLSHIP_PYTHON names one. */
const CANDIDATES = ["python3", "/usr/bin/python3", "/usr/local/bin/python3", "python"];
const cache = new Map<string, Promise<string>>();

function runs(python: string, code: string): Promise<boolean> {
  return new Promise((done) => {
    execFile(python, ["-c", code], { timeout: 30_000 }, (error) => done(!error));
  });
}

async function detect(explicit: string | undefined): Promise<string> {
  if (explicit) {
    if (await runs(explicit, "import sys")) return explicit;
    throw new MlshipError("E_RUNTIME_NOT_FOUND", `Python interpreter '${explicit}' cannot be run`, {
      hint: "Point the `python` option or MLSHIP_PYTHON at a working interpreter, e.g. /usr/bin/python3.",
      details: { python: explicit },
    });
  }
  const tried: string[] = [];
  for (const candidate of CANDIDATES) {
    tried.push(candidate);
    // The first python3 on PATH (pyenv, venvs) often cannot see the system's scikit-learn.
    if (await runs(candidate, "import sklearn")) return candidate;
  }
  throw new MlshipError("E_RUNTIME_NOT_FOUND", "No Python interpreter with scikit-learn was found", {
    hint: "Install scikit-learn (Debian: apt-get install python3-sklearn) or set MLSHIP_PYTHON to an interpreter that has it.",
    details: { tried },
  });
}

/**
 * The Python interpreter for training scripts and the model server: the `python` option, else
 * `MLSHIP_PYTHON`, else the first of python3, /usr/bin/python3, /usr/local/bin/python3, python that can
 * `import sklearn`. Results are cached per process.
 */
export function findPython(options: { python?: string } = {}): Promise<string> {
  const explicit = options.python ?? process.env.MLSHIP_PYTHON ?? undefined;
  const key = explicit ?? "";
  let found = cache.get(key);
  if (!found) {
    found = detect(explicit || undefined);
    cache.set(key, found);
    found.catch(() => cache.delete(key));
  }
  return found;
}
