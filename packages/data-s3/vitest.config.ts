import { defineProject, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

export default mergeConfig(
  shared,
  defineProject({ test: { name: "data-s3", include: ["src/**/*.test.ts"] } }),
);
