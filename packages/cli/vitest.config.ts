import { defineProject, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: "cli",
      include: ["src/**/*.test.ts"],
      // The tests spawn the built CLI as a user would; build it (incrementally) first.
      globalSetup: ["./src/test/build-cli.ts"],
      testTimeout: 180_000,
    },
  }),
);
