import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import plugin from "./plugin.js";

describe("kyma plugin deploy flags", () => {
  it("declares --min-instances, --max-instances and --target-cpu on deploy, bound to its options", () => {
    const flags = (plugin.flags ?? []).filter((f) => f.commands.includes("deploy"));
    expect(flags.map((f) => [f.name.split(" ")[0], f.option])).toEqual(
      expect.arrayContaining([
        ["--min-instances", "minInstances"],
        ["--max-instances", "maxInstances"],
        ["--target-cpu", "targetCpuUtilization"],
      ]),
    );
    expect(
      plugin.options.parse({ minInstances: "1", maxInstances: "3", targetCpuUtilization: "60" }),
    ).toEqual({
      minInstances: 1,
      maxInstances: 3,
      targetCpuUtilization: 60,
    });
  });

  it("refuses half a range with E_USAGE naming the missing flag, before any cluster is reached", async () => {
    const error = await Promise.resolve()
      .then(() => plugin.create(plugin.options.parse({ maxInstances: "3" }), {} as never))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isMlshipError(error) && { code: error.code, where: error.where }).toEqual({
      code: "E_USAGE",
      where: "--min-instances",
    });
  });
});
