import { defineConfig } from "vitest/config";

// Tests run on TypeScript sources: the "@mlship/source" export condition points every
// workspace package at its src/index.ts, so no prebuild is needed.
export default defineConfig({
  resolve: { conditions: ["@mlship/source"] },
  ssr: { resolve: { conditions: ["@mlship/source"] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
