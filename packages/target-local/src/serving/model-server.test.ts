import { join } from "node:path";
import { isMlshipError } from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CrashInfo, startModelServer } from "../index.js";
import { tempDir, waitGone, writeFiles } from "../test-support/fixtures.js";
import type { ModelServer } from "./model-server.js";

// Small hooks without scikit-learn so that servers start fast; default input/output functions.
const HOOKS_PY = `import json, os
def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)
def predict_fn(data, model):
    if data.size and data.flat[0] == 666:
        raise RuntimeError("predict exploded on 666")
    return data.sum(axis=-1) * model["scale"]
`;
const HOOKS_MJS = `import { readFile } from "node:fs/promises";
export async function modelFn(dir) { return JSON.parse(await readFile(dir + "/model.json", "utf8")); }
export function predictFn(rows, model) {
  if (rows[0]?.[0] === 666) throw new Error("predict exploded on 666");
  return rows.map((r) => r.reduce((a, b) => a + b, 0) * model.scale);
}
`;

const runtimes = [
  { runtime: "python", program: "hooks.py", source: HOOKS_PY },
  { runtime: "node", program: "hooks.mjs", source: HOOKS_MJS },
] as const;

async function post(server: ModelServer, body: string | Uint8Array, headers: Record<string, string>) {
  const res = await fetch(`${server.url}/invocations`, { method: "POST", body, headers });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

describe.each(runtimes)("the $runtime model server", ({ program, source }) => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: ModelServer;
  const crashes: CrashInfo[] = [];
  const allPids = new Set<number>();

  beforeAll(async () => {
    tmp = await tempDir();
    const modelDir = await writeFiles(join(tmp.dir, "model"), {
      "model.json": '{"scale": 2}',
      [`code/${program}`]: source,
    });
    server = await startModelServer({
      workDir: join(tmp.dir, "serve"),
      modelDir,
      program,
      workers: 2,
      env: { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv" },
    });
    server.onCrash((info) => crashes.push(info));
    await server.ready();
    for (const pid of server.pids()) allPids.add(pid);
  });

  afterAll(async () => {
    for (const pid of server?.pids() ?? []) allPids.add(pid);
    await server?.close();
    expect(await waitGone([...allPids])).toEqual([]);
    await tmp?.cleanup();
  });

  it("runs the hooks with the default decoders (code found in model/code)", async () => {
    const res = await post(server, "1,2,3\n4,5,6", {
      "content-type": "text/csv",
      accept: "application/json",
    });
    expect(res).toMatchObject({ status: 200, type: expect.stringMatching(/^application\/json/) });
    expect(JSON.parse(res.text)).toEqual([12, 30]);
  });

  it("answers in SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT when Accept is absent or */*", async () => {
    for (const accept of [undefined, "*/*"]) {
      const res = await post(server, "[[1,1],[2,2]]", {
        "content-type": "application/json",
        ...(accept ? { accept } : {}),
      });
      expect(res).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/csv/) });
      expect(res.text.trim().split("\n").map(Number)).toEqual([4, 8]);
    }
  });

  it("a hook that throws answers 500 with the error text", async () => {
    const res = await post(server, "666,1", { "content-type": "text/csv" });
    expect(res.status).toBe(500);
    expect(res.text).toContain("predict exploded on 666");
  });

  it("a malformed body answers 400", async () => {
    const res = await post(server, "[[1, 2", { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/Cannot decode the application\/json body/);
  });

  it("an unknown content type answers 415", async () => {
    const res = await post(server, "a=1", { "content-type": "application/x-www-form-urlencoded" });
    expect(res.status).toBe(415);
  });

  it("a body over 6 MB answers 413 and the server keeps serving", async () => {
    const res = await post(server, "1,".repeat(3_200_000), { "content-type": "text/csv" });
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/limit is 6291456 bytes/);
    expect(
      (await post(server, "1,1", { "content-type": "text/csv", accept: "application/json" })).status,
    ).toBe(200);
  });

  it("a crashed worker is reported and replaced", async () => {
    const before = server.pids();
    server.crashWorker();
    const deadline = Date.now() + 20_000;
    while ((crashes.length === 0 || server.pids().length < before.length) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatchObject({ signal: "SIGKILL", code: null });
    expect(before).toContain(crashes[0]?.pid);
    expect(server.pids()).not.toContain(crashes[0]?.pid);
    expect(server.pids()).toHaveLength(before.length);
    for (const pid of server.pids()) allPids.add(pid);
    // The replacement loads the model before it accepts connections; the survivor serves meanwhile.
    for (let i = 0; i < 6; i++)
      expect(
        (await post(server, "1,1", { "content-type": "text/csv", accept: "application/json" })).status,
      ).toBe(200);
  });
});

describe.each(runtimes)("a $runtime model that cannot load", ({ program }) => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });

  it("makes ready() reject with the load error and leaves no process behind", async () => {
    // model.json is missing: model_fn / modelFn throws while loading.
    const hooks = program.endsWith(".py") ? HOOKS_PY : HOOKS_MJS;
    const modelDir = await writeFiles(join(tmp.dir, "model"), { [`code/${program}`]: hooks });
    const server = await startModelServer({ workDir: join(tmp.dir, "serve"), modelDir, program, workers: 2 });
    const pids = server.pids();
    const error = await server.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMlshipError(error) && error.code).toBe("E_DEPLOY_FAILED");
    expect((error as Error).message).toMatch(/model failed to load: .*(FileNotFoundError|ENOENT)/);
    expect((error as Error).message).toContain("model.json");
    await server.close();
    expect(await waitGone(pids)).toEqual([]);
    const ping = await fetch(`${server.url}/ping`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(ping).toBe("refused");
  });

  it("requires model_fn / modelFn", async () => {
    const noHooks = program.endsWith(".py") ? "x = 1\n" : "export const x = 1;\n";
    const modelDir = await writeFiles(join(tmp.dir, "model2"), { [`code/${program}`]: noHooks });
    const server = await startModelServer({
      workDir: join(tmp.dir, "serve2"),
      modelDir,
      program,
      workers: 1,
    });
    await expect(server.ready()).rejects.toThrow(/model_fn|modelFn/);
    await server.close();
  });
});

describe("startModelServer input checks", () => {
  it("rejects a missing inference script with E_NOT_FOUND", async () => {
    const tmp = await tempDir();
    try {
      const modelDir = await writeFiles(join(tmp.dir, "model"), { "model.json": "{}" });
      await expect(
        startModelServer({ workDir: join(tmp.dir, "serve"), modelDir, program: "inference.py" }),
      ).rejects.toMatchObject({
        code: "E_NOT_FOUND",
      });
    } finally {
      await tmp.cleanup();
    }
  });
});
