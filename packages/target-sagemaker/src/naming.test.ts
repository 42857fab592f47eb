import { describe, expect, it } from "vitest";
import {
  baseNameFromEntryPoint,
  baseNameFromImage,
  isValidName,
  nameFromBase,
  sagemakerTimestamp,
} from "./naming.js";

const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 67));

describe("job names", () => {
  it("formats the SDK timestamp in UTC with milliseconds", () => {
    expect(sagemakerTimestamp(at)).toBe("2024-01-02-03-04-05-067");
  });

  it("appends the timestamp to the base", () => {
    expect(nameFromBase("train", at)).toBe("train-2024-01-02-03-04-05-067");
  });

  it("trims a long base so the name fits 63 characters, like name_from_base", () => {
    const name = nameFromBase("x".repeat(100), at);
    expect(name).toHaveLength(63);
    expect(name).toBe(`${"x".repeat(63 - 24)}-2024-01-02-03-04-05-067`);
    expect(isValidName(name)).toBe(true);
  });

  it("sanitises characters SageMaker names do not allow", () => {
    expect(nameFromBase("my_job.v2", at)).toBe("my-job-v2-2024-01-02-03-04-05-067");
    expect(isValidName(nameFromBase("__", at))).toBe(true);
  });

  it("derives bases from entry points and images", () => {
    expect(baseNameFromEntryPoint("src/train_model.py")).toBe("train-model");
    expect(baseNameFromEntryPoint("train.mjs")).toBe("train");
    expect(
      baseNameFromImage("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"),
    ).toBe("sagemaker-scikit-learn");
  });
});
