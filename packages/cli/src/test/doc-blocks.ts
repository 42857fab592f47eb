import { readFileSync } from "node:fs";

/**
 * How a README code block is tested. A block carries a marker on the line before its fence:
 * `<!-- doc-test: cloud -->` needs a real AWS account or Kyma cluster; `<!-- doc-test: install -->` is a
 * package-manager install; `<!-- doc-test: excerpt -->` is a type or interface excerpt, not a program;
 * `<!-- doc-test: fragment: <why> -->` cannot run offline, for the reason given;
 * `<!-- doc-test: continues -->` (TypeScript) continues the README's previous TypeScript block, as one program;
 * `<!-- example: NAME (run by PATH) -->` is run by that test file, and
 * `<!-- example: NAME (shows FILE, run by PATH) -->` is FILE as it is, run by that test file. Blank lines may
 * separate a marker from its fence. Unmarked sh/bash and ts blocks run.
 */
export type BlockKind = "run" | "cloud" | "install" | "excerpt" | "fragment" | "continues" | "example";

export interface DocBlock {
  /** README path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language, aliases folded (`typescript` -> `ts`, `shell` -> `sh`, ...). */
  lang: string;
  kind: BlockKind;
  /** What the marker says after its kind (`fragment: <why>`). */
  reason?: string;
  /** For `example` blocks: the test file named by the marker, relative to the README's folder or the root. */
  runBy?: string;
  exampleName?: string;
  /** For `example` blocks that show a file: that file, relative to the README's folder or the root. */
  shows?: string;
  code: string;
}

/** Languages whose blocks must be run or marked. */
export const TESTED_LANGS = new Set(["sh", "bash", "ts", "js"]);

/** Other names of the tested languages: a block fenced with one of these is tested like the language. */
const ALIASES: Record<string, string> = {
  typescript: "ts",
  tsx: "ts",
  mts: "ts",
  cts: "ts",
  javascript: "js",
  jsx: "js",
  mjs: "js",
  cjs: "js",
  node: "js",
  shell: "sh",
  zsh: "sh",
  console: "sh",
  "shell-session": "sh",
};

const KINDS = new Set<BlockKind>(["cloud", "install", "excerpt", "fragment", "continues"]);
const MARKER = /^\s*<!--\s*doc-test:\s*([\w-]+)\s*:?\s*(.*?)\s*-->\s*$/;
const EXAMPLE =
  /^\s*<!--\s*example:\s*([\w-]+)\s*\((?:shows ([^\s,]+),\s*)?run by ([^\s)]+)[^)]*\)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)[^`]*$/;

export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split("\n");
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (!open) continue;
    const [, indent = "", fence = "", lang = ""] = open;
    const start = i;
    const body: string[] = [];
    // Closed by a fence of the same character, at least as long (CommonMark).
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    for (i++; i < lines.length && !close.test(lines[i] ?? ""); i++) body.push(dedent(lines[i] ?? "", indent));
    blocks.push({
      file,
      line: start + 1,
      lang: ALIASES[lang.toLowerCase()] ?? lang.toLowerCase(),
      ...markerAbove(lines, start),
      code: `${body.join("\n")}\n`,
    });
  }
  return blocks;
}

/** The marker is the nearest non-blank line above the fence (formatters put a blank line after a comment). */
function markerAbove(
  lines: string[],
  fence: number,
): Pick<DocBlock, "kind" | "reason" | "exampleName" | "runBy" | "shows"> {
  let above = fence - 1;
  while (above >= 0 && (lines[above] ?? "").trim() === "") above--;
  const before = lines[above] ?? "";
  const marker = MARKER.exec(before);
  if (marker && KINDS.has(marker[1] as BlockKind)) {
    return { kind: marker[1] as BlockKind, ...(marker[2] ? { reason: marker[2] } : {}) };
  }
  const example = EXAMPLE.exec(before);
  if (!example) return { kind: "run" };
  return {
    kind: "example",
    exampleName: example[1] as string,
    ...(example[2] ? { shows: example[2] } : {}),
    runBy: example[3] as string,
  };
}

/** A fenced block inside a list item is indented; its lines lose that indentation. */
const dedent = (line: string, indent: string) =>
  line.startsWith(indent) ? line.slice(indent.length) : line.trimStart();

export const readBlocks = (root: string, file: string): DocBlock[] =>
  extractBlocks(readFileSync(`${root}/${file}`, "utf8"), file);
