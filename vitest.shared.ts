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
    // The AWS SDK warns once per process that it will drop Node 20 in 2027; known, and noise in test logs.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
