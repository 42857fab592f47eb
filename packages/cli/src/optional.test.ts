import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { importOptional } from "./optional.js";

describe("importOptional", () => {
  it("says which package to install when it is absent", async () => {
    const error = await importOptional(
      "@mlship/not-installed",
      "mlship demo",
      ["@mlship/not-installed", "x"],
      () => import(["@mlship", "not-installed"].join("/")),
    ).catch((e: unknown) => e);
    expect(isMlshipError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "E_CONFIG",
      where: "@mlship/not-installed",
      hint: "Install it next to the CLI: npm i @mlship/not-installed x",
    });
  });

  it("keeps a broken install's own error, and returns the module when present", async () => {
    const broken = Object.assign(new Error("Cannot find package 'undici' imported from /x/emulator.js"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(
      importOptional("@mlship/emulator", "mlship emulator", [], () => Promise.reject(broken)),
    ).rejects.toBe(broken);
    const core = await importOptional("@mlship/core", "test", [], () => import("@mlship/core"));
    expect(typeof core.MlshipError).toBe("function");
  });
});
