import { randomBytes } from "node:crypto";
import {
  collectingSink,
  type DeploySpec,
  type DeployTarget,
  type InvokeRequest,
  type InvokeResponse,
  isMlshipError,
} from "@mlship/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMlshipError } from "./errors.js";
import { provided } from "./provided.js";

export interface DeployConformanceOptions {
  /**
   * The target under test (made once for the suite), e.g. `(await providedBy(plugin, options)).deploy`; the suite
   * fails, saying so, when there is none.
   */
  target: () => DeployTarget | undefined | Promise<DeployTarget | undefined>;
  /** A spec this target deploys and serves; the suite picks the name. */
  spec: (name: string) => DeploySpec;
  /** The change `update` makes in place (default: one more environment variable). */
  update?: (name: string) => Omit<DeploySpec, "name">;
  /** A request the deployed model answers. */
  request: InvokeRequest;
  /** Checks the model's answer (default: a non-empty body). */
  checkAnswer?: (response: InvokeResponse) => void;
  /** A line the deployed model's log holds once it serves (checked when the target provides `logs`). */
  logLine?: string;
  /** Deployment name prefix (default `conf`); names are `<prefix>-<random>`, valid on SageMaker and Kubernetes. */
  prefix?: string;
  /** Per-test timeout (default 120 s): deploys on a real cloud take longer. */
  timeoutMs?: number;
  /** Called after the suite (stop servers and clients the target uses). */
  cleanup?: () => void | Promise<void>;
}

/** Every item of an async iterable. */
async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/**
 * The lifecycle every DeployTarget keeps, as a vitest suite: deploy -> get -> invoke -> update in place ->
 * list -> logs (when provided) -> delete (idempotent) -> get is E_NOT_FOUND; an abort is honoured; events are emitted; every
 * failure is an MlshipError with a code; a target that plans (`plan`/`apply`) plans JSON with no side effects.
 * Call it at the top level of a test file.
 */
export function describeDeployTarget(title: string, options: DeployConformanceOptions): void {
  const timeout = options.timeoutMs ?? 120_000;
  const prefix = options.prefix ?? "conf";
  const name = uniqueName(prefix);
  let target: DeployTarget;

  describe(`${title}: DeployTarget conformance`, () => {
    beforeAll(async () => {
      target = provided(
        await options.target(),
        `${title}: target() gave no DeployTarget (does the plugin provide deploy?)`,
      );
      expect(typeof target.name).toBe("string");
    }, timeout);
    afterAll(async () => {
      await target?.delete(name).catch(() => undefined);
      await options.cleanup?.();
    }, timeout);

    it(
      "deploy returns the deployment InService and emits deploy.status events",
      async () => {
        const events = collectingSink();
        const deployment = await target.deploy(options.spec(name), { events });
        expect(deployment).toMatchObject({ name, target: target.name, status: "InService" });
        expect(JSON.parse(JSON.stringify(deployment))).toEqual(deployment);
        expect(events.of("deploy.status").length).toBeGreaterThan(0);
        expect(events.of("deploy.status").every((e) => e.name === name)).toBe(true);
      },
      timeout,
    );

    it(
      "get finds it by name, from the target alone",
      async () => {
        expect(await target.get(name)).toMatchObject({ name, target: target.name, status: "InService" });
      },
      timeout,
    );

    it(
      "its invoker answers a request",
      async () => {
        const response = await (await target.invoker(name)).invoke(options.request);
        if (options.checkAnswer) options.checkAnswer(response);
        else expect(response.body.byteLength).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      "update changes it in place: same name, still serving",
      async () => {
        const change = options.update?.(name) ?? {
          ...options.spec(name),
          environment: { ...options.spec(name).environment, MLSHIP_CONFORMANCE: "updated" },
        };
        const { name: _ignored, ...rest } = change as DeploySpec;
        const updated = await target.update(name, rest);
        expect(updated).toMatchObject({ name, status: "InService" });
        await (await target.invoker(name)).invoke(options.request);
      },
      timeout,
    );

    it(
      "list shows it once",
      async () => {
        const all = await target.list();
        expect(all.filter((d) => d.name === name)).toHaveLength(1);
      },
      timeout,
    );

    it(
      "a target with logs yields its lines in time order, and a follow ends with E_ABORTED when aborted",
      async () => {
        const logs = target.logs?.bind(target);
        if (!logs) return;
        const lines = await drain(logs(name));
        for (const line of lines) {
          expect(typeof line.message).toBe("string");
          expect(line.message).not.toContain("\n");
        }
        const times = lines.flatMap((l) => (l.timestamp === undefined ? [] : [l.timestamp]));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        if (options.logLine) expect(lines.map((l) => l.message)).toContain(options.logLine);
        const controller = new AbortController();
        const following = drain(logs(name, { follow: true }, { signal: controller.signal }));
        setTimeout(() => controller.abort(), 300);
        await expectMlshipError(following, "E_ABORTED");
      },
      timeout,
    );

    it(
      "delete removes it, and deleting again is not an error",
      async () => {
        const events = collectingSink();
        await target.delete(name, { events });
        await target.delete(name);
        expect((await target.list()).some((d) => d.name === name)).toBe(false);
      },
      timeout,
    );

    it(
      "get, update and invoker of a deleted name fail with E_NOT_FOUND",
      async () => {
        await expectMlshipError(target.get(name), "E_NOT_FOUND");
        const { name: _n, ...spec } = options.spec(name);
        await expectMlshipError(target.update(name, spec), "E_NOT_FOUND");
        await expectMlshipError(target.invoker(name), "E_NOT_FOUND");
        if (target.logs) await expectMlshipError(drain(target.logs(name)), "E_NOT_FOUND");
      },
      timeout,
    );

    it(
      "an aborted deploy rejects with E_ABORTED and leaves nothing deployed",
      async () => {
        const aborted = uniqueName(prefix);
        const controller = new AbortController();
        controller.abort();
        await expectMlshipError(
          target.deploy(options.spec(aborted), { signal: controller.signal }),
          "E_ABORTED",
        );
        await expectMlshipError(target.get(aborted), "E_NOT_FOUND");
      },
      timeout,
    );

    it(
      "bad input fails with an MlshipError that has a code, before anything is deployed",
      async () => {
        const error = await target.deploy(options.spec("")).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isMlshipError(error), String(error)).toBe(true);
        expect((error as { code: string }).code).toMatch(/^E_[A-Z_]+$/);
      },
      timeout,
    );

    it(
      "a target that plans makes a JSON plan with no side effects, and apply deploys it",
      async () => {
        if (!target.plan || !target.apply) return;
        const planned = uniqueName(prefix);
        const plan = await target.plan(options.spec(planned));
        expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
        expect(plan).toMatchObject({ target: target.name, name: planned, operation: "create" });
        expect(plan.changes.length).toBeGreaterThan(0);
        await expectMlshipError(target.get(planned), "E_NOT_FOUND");
        try {
          expect(await target.apply(plan)).toMatchObject({ name: planned, status: "InService" });
        } finally {
          await target.delete(planned);
        }
      },
      timeout,
    );
  });
}
