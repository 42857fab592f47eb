import { describe, expect, it } from "vitest";
import { extractBlocks } from "../test/doc-blocks.js";

describe("extractBlocks", () => {
  it("reads fences with their line, language and marker", () => {
    const md = [
      "# T", //                                                   1
      "```sh", //                                                 2
      "echo a", //                                                3
      "```", //                                                   4
      "<!-- doc-test: cloud -->", //                              5
      "```ts", //                                                 6
      "x();", //                                                  7
      "```", //                                                   8
      "<!-- example: big-one (run by src/x.e2e.test.ts against the emulator) -->",
      "```js",
      "y();",
      "```",
      "```",
      "plain",
      "```",
    ].join("\n");
    expect(extractBlocks(md, "R.md")).toEqual([
      { file: "R.md", line: 2, lang: "sh", kind: "run", code: "echo a\n" },
      { file: "R.md", line: 6, lang: "ts", kind: "cloud", code: "x();\n" },
      {
        file: "R.md",
        line: 10,
        lang: "js",
        kind: "example",
        exampleName: "big-one",
        runBy: "src/x.e2e.test.ts",
        code: "y();\n",
      },
      { file: "R.md", line: 13, lang: "", kind: "run", code: "plain\n" },
    ]);
  });

  it("takes a marker across blank lines, but not a misspelled one or one above other text", () => {
    const md = [
      "<!-- doc-test: clod -->",
      "```sh",
      "a",
      "```",
      "<!-- doc-test: cloud -->",
      "",
      "```sh",
      "b",
      "```",
      "<!-- doc-test: cloud -->",
      "some prose",
      "```sh",
      "c",
      "```",
    ];
    expect(extractBlocks(md.join("\n"), "R.md").map((b) => b.kind)).toEqual(["run", "cloud", "run"]);
  });
});
