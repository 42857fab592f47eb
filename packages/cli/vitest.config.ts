import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
      // The CLI keeps its records (staged data) under ~/.mlship; the spawned CLIs keep theirs here instead.
      env: { MLSHIP_STATE_DIR: mkdtempSync(join(tmpdir(), "mlship-cli-test-state-")) },
    },
  }),
);
