import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { type DeployDefaults, deployDefaultsFromFlags, withDeployDefaults } from "./deploy-flags.js";
import plugin from "./plugin.js";

const usageError = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (isMlshipError(e)) return { code: e.code, where: e.where, message: e.message };
    throw e;
  }
  throw new Error("no error");
};

describe("deploy flags -> deploy spec", () => {
  it("maps each group into the spec parts the library takes", () => {
    const options = plugin.options.parse({
      minInstances: "1",
      maxInstances: "3",
      targetInvocations: "70",
      scaleInCooldown: "60",
      asyncOutput: "s3://b/out",
      asyncErrorTopic: "arn:aws:sns:eu-west-1:123456789012:errors",
      capturePercentage: "20",
      captureDestination: "s3://b/capture",
    }) as Record<string, never>;
    expect(deployDefaultsFromFlags(options)).toEqual({
      autoscaling: { minInstances: 1, maxInstances: 3, targetInvocations: 70, scaleInCooldown: 60 },
      asyncInference: { outputPath: "s3://b/out", errorTopic: "arn:aws:sns:eu-west-1:123456789012:errors" },
      dataCapture: { destinationS3Uri: "s3://b/capture", samplingPercentage: 20 },
    });
    expect(deployDefaultsFromFlags({})).toEqual({});
  });

  it("refuses a partial group with E_USAGE naming the missing flag", () => {
    expect(
      usageError(() => deployDefaultsFromFlags({ maxInstances: 2, targetInvocations: 5 })),
    ).toMatchObject({
      code: "E_USAGE",
      where: "--min-instances",
    });
    expect(usageError(() => deployDefaultsFromFlags({ scaleInCooldown: 10 })).message).toContain(
      "--min-instances and --max-instances and --target-invocations",
    );
    expect(usageError(() => deployDefaultsFromFlags({ asyncSuccessTopic: "arn" }))).toMatchObject({
      where: "--async-output",
    });
    expect(usageError(() => deployDefaultsFromFlags({ capturePercentage: 10 }))).toMatchObject({
      where: "--capture-destination",
    });
  });

  it("the plugin's schema refuses a capture percentage over 100 and a negative cooldown", () => {
    expect(plugin.options.safeParse({ capturePercentage: "101" }).success).toBe(false);
    expect(plugin.options.safeParse({ scaleOutCooldown: "-1" }).success).toBe(false);
  });

  it("a spec's own part wins over the flags'", () => {
    const own = { destinationS3Uri: "s3://own/c" };
    const flagged = deployDefaultsFromFlags({ capturePercentage: 5, captureDestination: "s3://flag/c" });
    expect(withDeployDefaults({ dataCapture: own }, flagged).dataCapture).toBe(own);
    expect(withDeployDefaults<DeployDefaults>({}, flagged).dataCapture).toEqual(flagged.dataCapture);
  });
});
