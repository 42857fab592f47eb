import { describe, expect, it } from "vitest";
import { packageNameOf, pluginRequest, processConditions } from "./specifiers.js";

describe("pluginRequest", () => {
  it("expands bare names to first-party then third-party packages", () => {
    expect(pluginRequest("kyma")).toEqual({
      kind: "package",
      written: "kyma",
      candidates: ["@mlship/target-kyma", "mlship-target-kyma"],
    });
  });
  it("takes scoped, prefixed and path names as written", () => {
    expect(pluginRequest("@corp/x")).toMatchObject({ candidates: ["@corp/x"] });
    expect(pluginRequest("mlship-target-y")).toMatchObject({ candidates: ["mlship-target-y"] });
    expect(pluginRequest("./t.js")).toEqual({ kind: "path", written: "./t.js" });
    expect(pluginRequest("../t")).toEqual({ kind: "path", written: "../t" });
    expect(pluginRequest("/abs/t.js").kind).toBe("path");
  });
});

describe("packageNameOf", () => {
  it("drops subpaths", () => {
    expect(packageNameOf("@a/b/c")).toBe("@a/b");
    expect(packageNameOf("a/b")).toBe("a");
  });
});

describe("processConditions", () => {
  it("reads --conditions from execArgv and NODE_OPTIONS", () => {
    expect(
      processConditions(
        ["--conditions=@mlship/source", "-C", "dev"],
        "--conditions custom --max-old-space-size=100",
      ),
    ).toEqual(["@mlship/source", "dev", "custom"]);
  });
});
