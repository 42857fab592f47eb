import { readFileSync } from "node:fs";

/**
 * How a README code block is tested. A block carries a marker on the line before its fence:
 * `<!-- doc-test: cloud -->` needs a real AWS account or Kyma cluster; `<!-- doc-test: install -->` is a
 * package-manager install; `<!-- doc-test: excerpt -->` is a type or interface excerpt, not a program;
 * `<!-- example: NAME (run by PATH) -->` is run by that test file. Blank lines may separate a marker from its
 * fence. Unmarked sh/bash and ts blocks run.
 */
export type BlockKind = "run" | "cloud" | "install" | "excerpt" | "fragment" | "example";

export interface DocBlock {
  /** README path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  kind: BlockKind;
  /** For `example` blocks: the test file named by the marker, relative to the README's folder or the root. */
  runBy?: string;
  exampleName?: string;
  code: string;
}

/** Languages whose blocks must be run or marked. */
export const TESTED_LANGS = new Set(["sh", "bash", "ts", "js"]);

const MARKER = /^<!--\s*doc-test:\s*(cloud|install|excerpt|fragment)\s*-->\s*$/;
const EXAMPLE = /^<!--\s*example:\s*([\w-]+)\s*\(run by ([^\s)]+)[^)]*\)\s*-->\s*$/;

export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    // The marker is the nearest non-blank line above the fence (formatters put a blank line after a comment).
    let above = start - 1;
    while (above >= 0 && (lines[above] ?? "").trim() === "") above--;
    const before = lines[above] ?? "";
    const marker = MARKER.exec(before);
    const example = EXAMPLE.exec(before);
    blocks.push({
      file,
      line: start + 1,
      lang: open[1] ?? "",
      kind: marker ? (marker[1] as BlockKind) : example ? "example" : "run",
      ...(example ? { exampleName: example[1], runBy: example[2] } : {}),
      code: `${body.join("\n")}\n`,
    });
  }
  return blocks;
}

export const readBlocks = (root: string, file: string): DocBlock[] =>
  extractBlocks(readFileSync(`${root}/${file}`, "utf8"), file);
