import { describe, expect, it } from "vitest";
import { locate, type Snippet } from "../test/doc-snippets.js";

describe("locate", () => {
  it("names the README and line of a tsc error in a snippet", () => {
    const snippet: Snippet = {
      block: { file: "packages/x/README.md", line: 40, lang: "ts", kind: "run", code: "" },
      path: "/repo/.doc-test-1/packages-x-README-md-L40.ts",
    };
    const out = "packages-x-README-md-L40.ts(3,7): error TS2304: Cannot find name 'rows'.";
    expect(locate(out, [snippet])).toBe("packages/x/README.md:43:7: error TS2304: Cannot find name 'rows'.");
  });
});
