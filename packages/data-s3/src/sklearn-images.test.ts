import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { SKLEARN_VERSIONS, sklearnImageUri, sklearnVersionFromImage } from "./sklearn-images.js";

describe("sklearnImageUri", () => {
  it("formats the SDK's URI for a region and version", () => {
    expect(sklearnImageUri("us-east-1", "1.2-1")).toBe(
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    );
    expect(sklearnImageUri("eu-central-1", "0.23-1")).toBe(
      "492215442770.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3",
    );
  });

  it("defaults to 1.2-1 and resolves aliases", () => {
    expect(sklearnImageUri("us-west-2")).toBe(
      "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    );
    expect(sklearnImageUri("us-west-2", "1.0")).toContain(":1.0-1-cpu-py3");
  });

  it("uses the partition's ECR domain", () => {
    expect(sklearnImageUri("cn-north-1", "1.2-1")).toBe(
      "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-scikit-learn:1.2-1-cpu-py3",
    );
    expect(sklearnImageUri("us-iso-east-1", "1.2-1")).toContain(".c2s.ic.gov/");
  });

  it("rejects an unknown region, listing valid ones", () => {
    try {
      sklearnImageUri("mars-north-1", "1.2-1");
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_INVALID_INPUT");
      expect(isMlshipError(e) && e.hint).toContain("eu-west-1");
    }
  });

  it("rejects an unknown version, listing valid ones", () => {
    try {
      sklearnImageUri("us-east-1", "0.99");
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_INVALID_INPUT");
      expect(isMlshipError(e) && e.hint).toContain("1.2-1");
      expect(isMlshipError(e) && (e.details?.valid as string[])).toEqual(SKLEARN_VERSIONS);
    }
  });

  it("validates per scope: 1.4-2 trains but has no inference image in the SDK table", () => {
    expect(sklearnImageUri("us-east-1", "1.4-2", { scope: "training" })).toContain(":1.4-2-cpu-py3");
    expect(() => sklearnImageUri("us-east-1", "1.4-2", { scope: "inference" })).toThrow(/inference/);
  });

  it("reads the version back from an image", () => {
    expect(sklearnVersionFromImage(sklearnImageUri("us-east-1", "1.0-1"))).toBe("1.0-1");
    expect(sklearnVersionFromImage("mlship-node:latest")).toBeUndefined();
  });
});
