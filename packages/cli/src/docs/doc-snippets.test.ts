import { describe, expect, it } from "vitest";
import type { DocBlock } from "../test/doc-blocks.js";
import { exampleInScope, isTestProgram, locate, programs, type Snippet } from "../test/doc-snippets.js";

const block = (
  line: number,
  code: string,
  kind: DocBlock["kind"] = "run",
  file = "packages/x/README.md",
): DocBlock => ({
  file,
  line,
  lang: "ts",
  kind,
  code,
});

describe("locate", () => {
  it("names the README and line of a tsc error in a snippet", () => {
    const snippet: Snippet = {
      blocks: [block(40, "const a = 1;\nconst b = 2;\nrows;\n")],
      path: "/repo/.doc-test-1/packages-x-README-md-L40.ts",
      test: false,
    };
    const out = "packages-x-README-md-L40.ts(3,7): error TS2304: Cannot find name 'rows'.";
    expect(locate(out, [snippet])).toBe("packages/x/README.md:43:7: error TS2304: Cannot find name 'rows'.");
  });

  it("maps a line of a continued program to the block it came from", () => {
    const snippet: Snippet = {
      blocks: [block(10, "a\nb\n"), block(30, "c\nd\ne\n", "continues")],
      path: "/repo/.doc-test-1/packages-x-README-md-L10.ts",
      test: false,
    };
    const out = "packages-x-README-md-L10.ts(2,1): error A\npackages-x-README-md-L10.ts(4,5): error B";
    expect(locate(out, [snippet])).toBe(
      "packages/x/README.md:12:1: error A\npackages/x/README.md:32:5: error B",
    );
  });
});

describe("programs", () => {
  it("joins a continues block to the program before it, in its own README only", () => {
    const a = block(1, "");
    const b = block(9, "", "continues");
    const c = block(20, "");
    expect(programs([a, b, c])).toEqual([[a, b], [c]]);
    expect(() => programs([block(5, "", "continues")])).toThrow(/README.md:5: marked continues/);
    expect(() => programs([a, block(3, "", "continues", "other/README.md")])).toThrow(/other\/README.md:3/);
  });

  it("takes a program that imports vitest or the conformance kit for a test file", () => {
    expect(
      isTestProgram([block(1, 'import { describeTrainTarget } from "@mlship/testing/conformance";\n')]),
    ).toBe(true);
    expect(isTestProgram([block(1, 'import { it } from "vitest";\n')])).toBe(true);
    expect(isTestProgram([block(1, 'import { startKubeApiServer } from "@mlship/testing";\n')])).toBe(false);
  });
});

describe("exampleInScope", () => {
  it("puts an example after the program before it in its README, else alone", () => {
    const main = [block(10, ""), block(30, "", "continues")];
    const later = [block(90, "")];
    const example = { ...block(50, ""), kind: "example" as const, exampleName: "e", runBy: "x.test.ts" };
    expect(exampleInScope(example, [main, later])).toEqual([...main, example]);
    const elsewhere = { ...example, file: "other/README.md" };
    expect(exampleInScope(elsewhere, [main, later])).toEqual([elsewhere]);
  });
});
