import { defineConfig } from "vitest/config";

// The packed-install tests run on what npm would publish (built dist, packed tarballs), outside the
// workspace: no "@mlship/source" condition here. `npm run test:packed`, after `npx tsc -b` (npm run check).
export default defineConfig({
  test: {
    include: ["tests/packed/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
