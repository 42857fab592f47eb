import { describe, expect, it } from "vitest";
import { isNodeRuntimeImage, NODE_RUNTIME_IMAGE } from "./images.js";

describe("isNodeRuntimeImage", () => {
  it("recognises the Node runtime under any registry and tag", () => {
    expect(isNodeRuntimeImage(NODE_RUNTIME_IMAGE)).toBe(true);
    expect(isNodeRuntimeImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlship-node:20")).toBe(true);
    expect(isNodeRuntimeImage("mlship-node")).toBe(true);
  });
  it("rejects other images", () => {
    expect(
      isNodeRuntimeImage("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ).toBe(false);
    expect(isNodeRuntimeImage("mlship-node-extra:1")).toBe(false);
  });
});
