import { collectingSink, type TrainSpec, type TrainTarget } from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMlshipError } from "./errors.js";
import { provided } from "./provided.js";

export interface TrainConformanceOptions {
  /**
   * The target under test (made once for the suite), e.g. `(await providedBy(plugin, options)).train`; the suite
   * fails, saying so, when there is none.
   */
  target: () => TrainTarget | undefined | Promise<TrainTarget | undefined>;
  /** A job this target runs to completion, quickly. */
  spec: () => TrainSpec;
  /** Per-test timeout (default 300 s). */
  timeoutMs?: number;
  cleanup?: () => void | Promise<void>;
}

/**
 * The training lifecycle every TrainTarget keeps, as a vitest suite: train -> Completed with a model artifact
 * and training.status events; describe and list find the job; its logs can be read; unknown jobs are
 * E_NOT_FOUND; a target with `deleteJob` deletes the finished job; an aborted train rejects with E_ABORTED;
 * failures are MlshipErrors with a code.
 */
export function describeTrainTarget(title: string, options: TrainConformanceOptions): void {
  const timeout = options.timeoutMs ?? 300_000;
  let target: TrainTarget;
  let jobName = "";

  describe(`${title}: TrainTarget conformance`, () => {
    beforeAll(async () => {
      target = provided(
        await options.target(),
        `${title}: target() gave no TrainTarget (does the plugin provide train?)`,
      );
    }, timeout);
    afterAll(async () => {
      await options.cleanup?.();
    }, timeout);

    it(
      "train runs the job to Completed, with a model artifact and training.status events",
      async () => {
        const events = collectingSink();
        const run = await target.train(options.spec(), { events });
        jobName = run.jobName;
        expect(run).toMatchObject({ target: target.name, status: "Completed" });
        expect(run.modelArtifact).toEqual(expect.any(String));
        expect(JSON.parse(JSON.stringify(run))).toEqual(run);
        expect(events.of("training.status").length).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      "describe and list find the job by its name",
      async () => {
        expect(await target.describe(jobName)).toMatchObject({ jobName, status: "Completed" });
        expect((await target.list()).some((r) => r.jobName === jobName)).toBe(true);
      },
      timeout,
    );

    it(
      "its logs can be read to the end",
      async () => {
        const lines: string[] = [];
        for await (const event of target.logs(jobName)) lines.push(event.message);
        expect(lines.every((l) => typeof l === "string")).toBe(true);
      },
      timeout,
    );

    it(
      "an unknown job is E_NOT_FOUND",
      async () => {
        await expectMlshipError(target.describe("no-such-job-mlship-conformance"), "E_NOT_FOUND");
      },
      timeout,
    );

    it(
      "a target with deleteJob removes the finished job (then unknown: E_NOT_FOUND) and refuses an unknown one",
      async () => {
        const deleteJob = target.deleteJob?.bind(target);
        if (!deleteJob) return;
        await expectMlshipError(deleteJob("no-such-job-mlship-conformance"), "E_NOT_FOUND");
        await deleteJob(jobName);
        await expectMlshipError(target.describe(jobName), "E_NOT_FOUND");
        expect((await target.list()).some((r) => r.jobName === jobName)).toBe(false);
        await expectMlshipError(deleteJob(jobName), "E_NOT_FOUND");
      },
      timeout,
    );

    it(
      "an aborted train rejects with E_ABORTED",
      async () => {
        const controller = new AbortController();
        controller.abort();
        await expectMlshipError(target.train(options.spec(), { signal: controller.signal }), "E_ABORTED");
      },
      timeout,
    );
  });
}
