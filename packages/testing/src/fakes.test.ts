import { existsSync } from "node:fs";
import {
  collectingSink,
  type DeployTarget,
  decodeJson,
  encodeCsv,
  isMlshipError,
  resolveDeployTarget,
  resolveTrainTarget,
  type TrainTarget,
} from "@mlship/core";
import { describe, expect, it } from "vitest";
import {
  createTestContainer,
  fakeDeployTarget,
  fakeInvoker,
  fakeProbabilities,
  fakeTrainTarget,
} from "./fakes.js";
import { mlshipRejection } from "./rejection.js";
import { tempDir } from "./temp.js";

describe("fakeTrainTarget", () => {
  it("is a TrainTarget that completes jobs and reports events", async () => {
    const target: TrainTarget = fakeTrainTarget({ logLines: ["epoch 1", "epoch 2"] });
    const sink = collectingSink();
    const run = await target.train(
      { entryPoint: "train.py", hyperparameters: { n_estimators: 10 } },
      { events: sink },
    );
    expect(run).toMatchObject({
      target: "fake",
      status: "Completed",
      hyperparameters: { n_estimators: "10" },
    });
    expect(run.jobName).toMatch(/^train-\d{4}-/);
    expect(run.modelArtifact).toContain(run.jobName);
    expect(sink.of("training.status").map((e) => e.status)).toEqual(["InProgress", "Completed"]);
    expect(sink.of("training.log").map((e) => e.message)).toEqual(["epoch 1", "epoch 2"]);
    expect(await target.describe(run.jobName)).toEqual(run);
    const lines: string[] = [];
    for await (const e of target.logs(run.jobName)) lines.push(e.message);
    expect(lines).toEqual(["epoch 1", "epoch 2"]);
  });

  it("fails jobs on request with E_TRAINING_FAILED and keeps them describable", async () => {
    const target = fakeTrainTarget({ outcome: "Failed", failureReason: "OOM" });
    const e = await mlshipRejection(target.train({ entryPoint: "t.py", jobName: "j1" }));
    expect(e.code).toBe("E_TRAINING_FAILED");
    expect(await target.describe("j1")).toMatchObject({ status: "Failed", failureReason: "OOM" });
  });

  it("raises E_NOT_FOUND, E_ALREADY_EXISTS and E_ABORTED where a real target would", async () => {
    const target = fakeTrainTarget();
    expect((await mlshipRejection(target.describe("nope"))).code).toBe("E_NOT_FOUND");
    expect((await mlshipRejection(target.stop("nope"))).code).toBe("E_NOT_FOUND");
    await target.train({ entryPoint: "t.py", jobName: "same" });
    expect((await mlshipRejection(target.train({ entryPoint: "t.py", jobName: "same" }))).code).toBe(
      "E_ALREADY_EXISTS",
    );
    expect(
      (await mlshipRejection(target.train({ entryPoint: "t.py" }, { signal: AbortSignal.abort() }))).code,
    ).toBe("E_ABORTED");
  });

  it("runs jobs in the background with wait: false, and can stop them", async () => {
    const target = fakeTrainTarget();
    expect((await target.train({ entryPoint: "t.py", jobName: "bg", wait: false })).status).toBe(
      "InProgress",
    );
    expect((await target.describe("bg")).status).toBe("Completed");
    await target.train({ entryPoint: "t.py", jobName: "halt", wait: false });
    await target.stop("halt");
    expect((await target.describe("halt")).status).toBe("Stopped");
    expect((await target.list()).map((r) => r.jobName)).toEqual(["halt", "bg"]);
    expect((await target.list({ nameContains: "b" })).map((r) => r.jobName)).toEqual(["bg"]);
  });

  it("downloads fake artifacts for completed jobs", async () => {
    const target = fakeTrainTarget();
    await target.train({ entryPoint: "t.py", jobName: "art" });
    const [file] = await target.downloadArtifacts("art", tempDir());
    expect(file && existsSync(file)).toBe(true);
  });
});

describe("fakeDeployTarget", () => {
  it("is a DeployTarget whose deployments go InService and answer", async () => {
    const target: DeployTarget = fakeDeployTarget();
    const sink = collectingSink();
    const d = await target.deploy({ name: "ep", model: { trainingJob: "job-1" } }, { events: sink });
    expect(d).toMatchObject({ target: "fake", name: "ep", status: "InService", model: "job-1" });
    expect(sink.of("deploy.status").map((e) => e.status)).toEqual(["Creating", "InService"]);
    const invoker = await target.invoker("ep");
    const res = await invoker.invoke({
      body: encodeCsv([[0], [100]]),
      contentType: "text/csv",
      accept: "application/json",
    });
    const [p0, p1] = decodeJson(new TextDecoder().decode(res.body)) as number[];
    expect(p0).toBe(0.5);
    expect(p1).toBeGreaterThan(0.99);
  });

  it("updates, lists, deletes idempotently and raises E_NOT_FOUND for unknown names", async () => {
    const target = fakeDeployTarget();
    expect((await mlshipRejection(target.get("ghost"))).code).toBe("E_NOT_FOUND");
    expect((await mlshipRejection(target.update("ghost", { model: {} }))).code).toBe("E_NOT_FOUND");
    expect((await mlshipRejection(target.invoker("ghost"))).code).toBe("E_NOT_FOUND");
    await target.deploy({ name: "a", model: { modelData: "s3://b/m.tar.gz" } });
    await target.deploy({ name: "b", model: {}, wait: false });
    expect((await target.update("a", { model: { trainingJob: "j2" } })).model).toBe("j2");
    expect((await target.list()).map((d) => [d.name, d.status])).toEqual([
      ["b", "InService"],
      ["a", "InService"],
    ]);
    await target.delete("a");
    await target.delete("a");
    expect((await mlshipRejection(target.get("a"))).code).toBe("E_NOT_FOUND");
  });

  it("fails deployments on request with E_DEPLOY_FAILED and refuses to invoke them", async () => {
    const target = fakeDeployTarget({
      fail: (spec) => (spec.name === "bad" ? "model_fn raised" : undefined),
    });
    expect((await mlshipRejection(target.deploy({ name: "bad", model: {} }))).code).toBe("E_DEPLOY_FAILED");
    expect(await target.get("bad")).toMatchObject({ status: "Failed", failureReason: "model_fn raised" });
    expect((await mlshipRejection(target.invoker("bad"))).code).toBe("E_INVOKE_FAILED");
    expect((await target.deploy({ name: "good", model: {} })).status).toBe("InService");
  });
});

describe("fakeInvoker", () => {
  it("answers with the handler's values encoded per accept, and records requests", async () => {
    const invoker = fakeInvoker(({ values }) => values.map(() => 1));
    const res = await invoker.invoke({ body: "1,2\n3,4\n", contentType: "text/csv", accept: "text/csv" });
    expect(res.contentType).toBe("text/csv");
    expect(new TextDecoder().decode(res.body)).toBe("1\n1\n");
    expect(invoker.requests).toHaveLength(1);
  });

  it("turns unreadable bodies into model errors and unknown types into E_UNSUPPORTED_MEDIA_TYPE", async () => {
    const invoker = fakeInvoker();
    const bad = await mlshipRejection(invoker.invoke({ body: "[1,", contentType: "application/json" }));
    expect(bad.code).toBe("E_MODEL_ERROR");
    expect(bad.details).toMatchObject({ status: 400 });
    expect((await mlshipRejection(invoker.invoke({ body: "x", contentType: "text/plain" }))).code).toBe(
      "E_UNSUPPORTED_MEDIA_TYPE",
    );
    await invoker.close();
    expect((await mlshipRejection(invoker.invoke({ body: "1", contentType: "text/csv" }))).code).toBe(
      "E_NETWORK",
    );
  });

  it("passes handler errors through", async () => {
    const invoker = fakeInvoker(() => {
      throw new Error("model exploded");
    });
    await expect(invoker.invoke({ body: "1", contentType: "text/csv" })).rejects.toThrow("model exploded");
  });

  it("computes deterministic probabilities in [0, 1]", () => {
    const p = fakeProbabilities([[1, "a", null], [-50], []]);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)));
    expect(p[1]).toBeLessThan(0.001);
    expect(p[2]).toBe(0.5);
  });
});

describe("createTestContainer", () => {
  it("registers fake targets that resolve by name", () => {
    const c = createTestContainer();
    expect(resolveTrainTarget(c, "fake").name).toBe("fake");
    expect(resolveDeployTarget(c, "fake").name).toBe("fake");
  });

  it("takes your own targets and isolates containers", () => {
    const mine = fakeTrainTarget({ name: "mine" });
    const c = createTestContainer({ trainTargets: [mine], deployTargets: [] });
    expect(resolveTrainTarget(c, "mine")).toBe(mine);
    expect(() => resolveDeployTarget(c, "fake")).toThrow(/No deployment target/);
    try {
      resolveTrainTarget(createTestContainer(), "mine");
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.hint).toBe("Registered training targets: fake.");
    }
  });
});
