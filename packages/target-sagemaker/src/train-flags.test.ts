import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { type DeployDefaults, withDeployDefaults } from "./deploy-flags.js";
import plugin, { sageMakerPluginOptions } from "./plugin.js";
import { splitTrainFlags, trainDefaultsFromFlags, withTrainDefaults } from "./train-flags.js";

const failure = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isMlshipError(e)) return { code: e.code, where: e.where, message: e.message, hint: e.hint };
    throw e;
  }
  throw new Error("no error");
};
const parsed = (options: Record<string, unknown>) => sageMakerPluginOptions.parse(options);

describe("train flags -> training spec", () => {
  it("maps --spot, --max-wait, --checkpoint-* and --tag into the spec parts the library takes", () => {
    const { flags, rest } = splitTrainFlags(
      parsed({
        region: "eu-west-1",
        spot: true,
        maxWaitSeconds: "2h",
        checkpointS3Uri: "s3://b/ckpt",
        checkpointLocalPath: "/opt/ml/ckpt",
        tags: ["team=ml", "formula=a=b"],
      }),
    );
    expect(rest).toEqual({ region: "eu-west-1" });
    expect(trainDefaultsFromFlags(flags)).toEqual({
      spot: { maxWaitSeconds: 7200 },
      checkpointS3Uri: "s3://b/ckpt",
      checkpointLocalPath: "/opt/ml/ckpt",
      tags: { team: "ml", formula: "a=b" },
    });
    expect(trainDefaultsFromFlags({ spot: true })).toEqual({ spot: true });
    expect(trainDefaultsFromFlags({ tags: { team: "ml" } })).toEqual({ tags: { team: "ml" } }); // config file
    expect(trainDefaultsFromFlags({})).toEqual({});
  });

  it("reads --max-wait as seconds or a duration; anything else is a schema error naming the value", () => {
    for (const [given, seconds] of [
      ["7200", 7200],
      [5400, 5400],
      ["90m", 5400],
      ["1h30m", 5400],
      ["45s", 45],
    ] as const) {
      expect(parsed({ maxWaitSeconds: given }).maxWaitSeconds, String(given)).toBe(seconds);
    }
    for (const bad of ["soon", "", "0", "1.5h", "-60"]) {
      const result = sageMakerPluginOptions.safeParse({ maxWaitSeconds: bad });
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toContain(`(got "${bad}")`);
    }
  });

  it("a flag that needs another, or a malformed --tag, is E_USAGE naming the flag", () => {
    expect(failure(() => trainDefaultsFromFlags({ maxWaitSeconds: 600 }))).toMatchObject({
      code: "E_USAGE",
      where: "--spot",
      message: "--max-wait needs --spot",
    });
    expect(failure(() => trainDefaultsFromFlags({ checkpointLocalPath: "/x" }))).toMatchObject({
      code: "E_USAGE",
      where: "--checkpoint-s3-uri",
    });
    for (const bad of ["novalue", "=x", "aws:owner=me", `k=${"v".repeat(257)}`]) {
      expect(
        failure(() => trainDefaultsFromFlags({ tags: [bad] })),
        bad,
      ).toMatchObject({
        code: "E_USAGE",
        where: "--tag",
      });
    }
  });

  it("fills what the spec leaves out; tags merge with the spec's winning; a max wait under the runtime is refused", () => {
    const defaults = trainDefaultsFromFlags({
      spot: true,
      maxWaitSeconds: 3600,
      checkpointS3Uri: "s3://b/ckpt",
      tags: ["team=ml", "stage=dev"],
    });
    const spec = { entryPoint: "train.py", maxRuntimeSeconds: 1800, tags: { stage: "prod" } };
    expect(withTrainDefaults(spec, defaults)).toEqual({
      ...spec,
      spot: { maxWaitSeconds: 3600 },
      checkpointS3Uri: "s3://b/ckpt",
      checkpointLocalPath: undefined,
      tags: { team: "ml", stage: "prod" },
    });
    expect(withTrainDefaults({ entryPoint: "t.py", spot: false }, defaults).spot).toBe(false);
    // The one-day default runtime is longer than the flags' hour.
    expect(failure(() => withTrainDefaults({ entryPoint: "t.py" }, defaults))).toMatchObject({
      code: "E_USAGE",
      where: "--max-wait",
      message: "--max-wait (3600 s) is shorter than the job's max runtime (86400 s)",
      hint: expect.stringContaining("`maxRuntimeSeconds`"),
    });
  });

  it("--tag also tags deploys, merged with a spec's own tags", () => {
    const tags = trainDefaultsFromFlags({ tags: ["team=ml"] }).tags;
    expect(withDeployDefaults({ tags: { env: "prod" } }, { tags }).tags).toEqual({ team: "ml", env: "prod" });
    expect(withDeployDefaults<DeployDefaults>({}, {}).tags).toBeUndefined();
  });

  it("the plugin declares the flags for train, tune and (--tag) deploy, each setting a schema option", () => {
    const byName = new Map((plugin.flags ?? []).map((f) => [f.name.split(" ")[0], f]));
    for (const name of ["--spot", "--max-wait", "--checkpoint-s3-uri", "--checkpoint-local-path", "--tag"]) {
      const flag = byName.get(name);
      expect(flag?.commands, name).toEqual(expect.arrayContaining(["train", "tune"]));
      expect(Object.keys(sageMakerPluginOptions.shape)).toContain(flag?.option);
    }
    expect(byName.get("--tag")?.commands).toContain("deploy");
  });
});
