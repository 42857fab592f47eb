import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runReadmeExample } from "./readme-example.js";
import { tempDir } from "./temp.js";

describe("runReadmeExample", () => {
  it("runs the marked block with the given globals and returns what it logged", async () => {
    const readme = join(tempDir(), "README.md");
    writeFileSync(
      readme,
      "# x\n\n```js\nthrow new Error('not this one');\n```\n\n<!-- example: sum -->\n```js\nconsole.log(await add(a, 2));\n```\n",
    );
    expect(
      await runReadmeExample(readme, "sum", { a: 1, add: async (x: number, y: number) => x + y }),
    ).toEqual([[3]]);
    await expect(runReadmeExample(readme, "missing", {})).rejects.toThrow(
      /no `<!-- example: missing -->` block/,
    );
  });
});
