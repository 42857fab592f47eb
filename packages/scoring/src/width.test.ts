import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHttpInvoker, isMlshipError } from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelSource } from "./model-source.js";
import { score } from "./score.js";
import { sklearnPython } from "./test/python.js";

// A real scikit-learn model fitted on 3 features, served as the SageMaker sklearn container does: CSV in, JSON
// probabilities out, and the estimator's own error text (status 400) when a request has the wrong width.
const SERVER = `
import http.server, json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 3)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
model = LogisticRegression().fit(X, y)
requests = 0
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        body = str(requests).encode(); self.send_response(200); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        global requests; requests += 1
        text = self.rfile.read(int(self.headers["Content-Length"])).decode()
        try:
            rows = np.array([[float(v) for v in l.split(",")] for l in text.strip().split("\\n")])
            body, status = json.dumps(model.predict_proba(rows)[:, 1].tolist()).encode(), 200
        except ValueError as e:
            body, status = str(e).encode(), 400
        self.send_response(status); self.send_header("Content-Type", "application/json"); self.end_headers()
        self.wfile.write(body)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True); s.serve_forever()
`;

let server: ChildProcess;
let url = "";
let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mlship-width-"));
  server = spawn(sklearnPython(), ["-c", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) =>
    server.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim())),
  );
  url = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  server?.kill();
  await rm(dir, { recursive: true, force: true });
});

describe("a dataset wider than the model", () => {
  it("stops at once with E_INVALID_INPUT naming the label-like column, and leaves nothing behind", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `${i % 7},${(i % 5) - 2},${i % 3},${i % 2}`);
    const data = join(dir, "with-label.csv");
    await writeFile(data, `a,b,c,target\n${rows.join("\n")}\n`);
    const invoker = createHttpInvoker({ url: `${url}/invocations`, retries: 0 });
    const out = join(dir, "scores.csv");
    try {
      const error = await score({
        model: createModelSource({ invoker }),
        data,
        out,
        batchSize: 100,
        concurrency: 2,
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMlshipError(error) && error.code).toBe("E_INVALID_INPUT");
      if (!isMlshipError(error)) return;
      expect(error.message).toBe(
        "The model expects 3 features, but 4 columns were sent ('target' looks like a label)",
      );
      expect(error.hint).toContain("--label");
      expect(error.hint).toContain("--features");
      // No bisecting down to single rows: a handful of requests at most (the batches in flight).
      const requests = Number(await (await fetch(url)).text());
      expect(requests).toBeLessThanOrEqual(4);
      expect(await readdir(dir)).toEqual(["with-label.csv"]);
    } finally {
      await invoker.close();
    }
  });
});
