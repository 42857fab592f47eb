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

  it("folds language aliases, reads info strings, indented and longer fences", () => {
    const md = [
      "```typescript title=x.ts", //                              1
      "a();", //                                                  2
      "```", //                                                   3
      "- a list item:", //                                        4
      "", //                                                      5
      "  <!-- doc-test: cloud -->", //                            6
      "  ```shell", //                                            7
      "  kubectl get pods", //                                    8
      "  ```", //                                                 9
      "````md", //                                                10
      "```ts", //                                                 11
      "inner();", //                                              12
      "```", //                                                   13
      "````", //                                                  14
    ].join("\n");
    expect(extractBlocks(md, "R.md")).toEqual([
      { file: "R.md", line: 1, lang: "ts", kind: "run", code: "a();\n" },
      { file: "R.md", line: 7, lang: "sh", kind: "cloud", code: "kubectl get pods\n" },
      { file: "R.md", line: 10, lang: "md", kind: "run", code: "```ts\ninner();\n```\n" },
    ]);
  });

  it("keeps a marker's reason, continues markers and the file an example shows", () => {
    const md = [
      "<!-- doc-test: fragment: needs the user's own cursor -->",
      "```ts",
      "a();",
      "```",
      "<!-- doc-test: fragment -->",
      "```ts",
      "```",
      "<!-- doc-test: continues -->",
      "```ts",
      "```",
      "<!-- example: p (shows examples/p/plugin.ts, run by src/p.test.ts) -->",
      "```ts",
      "```",
    ].join("\n");
    const blocks = extractBlocks(md, "R.md").map(({ kind, reason, shows, runBy, exampleName }) => ({
      kind,
      reason,
      shows,
      runBy,
      exampleName,
    }));
    expect(blocks).toEqual([
      { kind: "fragment", reason: "needs the user's own cursor" },
      { kind: "fragment" },
      { kind: "continues" },
      { kind: "example", exampleName: "p", shows: "examples/p/plugin.ts", runBy: "src/p.test.ts" },
    ]);
  });
});
