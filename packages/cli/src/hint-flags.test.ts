import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import kyma from "@mlship/target-kyma";
import local from "@mlship/target-local";
import sagemaker from "@mlship/target-sagemaker";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "./program.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** Flags of other tools that hints quote on purpose, with the command they belong to. */
const OTHER_TOOLS: Record<string, string> = { "--recursive": "aws s3 cp --recursive" };

function allFlags(cmd: Command, into = new Set<string>()): Set<string> {
  for (const o of cmd.options) if (o.long) into.add(o.long);
  for (const sub of cmd.commands) allFlags(sub, into);
  return into;
}

/** Every `--flag` written in a `hint:` of the packages' sources (tests excluded). */
function flagsInHints(): Map<string, string> {
  const files = execFileSync("git", ["ls-files", "packages/*/src/**/*.ts"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.includes(".test.") && !f.includes("/test/"));
  const found = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(`${repo}/${file}`, "utf8");
    for (const hint of text.matchAll(/hint:\s*(?:[\s\S]{0,40}?\?\s*)?([`"'])([\s\S]*?)\1/g))
      for (const flag of (hint[2] ?? "").matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g))
        if (!found.has(flag[0])) found.set(flag[0], file);
  }
  return found;
}

describe("hints speak the CLI's language", () => {
  it("names only flags that exist (the CLI's own and the first-party targets')", () => {
    const plugins = [sagemaker, kyma, local].map((plugin) => ({ requested: plugin.name, plugin }));
    const io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: repo };
    const flags = allFlags(buildProgram("0.0.0", async () => {}, io, { plugins }));
    const hints = flagsInHints();
    expect(hints.size).toBeGreaterThan(5);
    const unknown = [...hints].filter(([flag]) => !flags.has(flag) && !(flag in OTHER_TOOLS));
    expect(unknown.map(([flag, file]) => `${flag} (${file})`)).toEqual([]);
  });
});
