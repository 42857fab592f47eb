import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { CONTENT_TYPES, MlshipError } from "@mlship/core";
import type { CliContext } from "../context.js";
import { withDidYouMean } from "../did-you-mean.js";
import { inputFile } from "../files.js";
import type { CommandRun } from "../program.js";
import { decodeAnswer, renderAnswer } from "../render/answer.js";
import { deployTargetFor } from "../targets.js";

interface InvokeFlags {
  target?: string;
  body?: string;
  file?: string;
  contentType?: string;
  accept: string;
  async?: boolean;
  wait: boolean;
}

const BY_EXTENSION: Record<string, string> = {
  ".csv": CONTENT_TYPES.csv,
  ".json": CONTENT_TYPES.json,
  ".npy": CONTENT_TYPES.npy,
};

export const run: CommandRun = async (ctx, [name = ""], options) => {
  const o = options as unknown as InvokeFlags;
  if ((o.body === undefined) === (o.file === undefined)) {
    throw new MlshipError("E_USAGE", "Give exactly one of --body or --file", {
      hint: 'Example: mlship invoke my-endpoint --body "1.0,2.0,3.0"',
    });
  }
  if (o.async) return invokeAsync(ctx, name, o, options);
  if (!o.wait) {
    throw new MlshipError("E_USAGE", "--no-wait only applies to --async", {
      where: "--no-wait",
      hint: "Add --async (an asynchronous endpoint), or drop --no-wait.",
    });
  }
  const body =
    o.file === undefined ? (o.body as string) : readFileSync(inputFile(ctx.io.cwd, o.file, "--file"));
  const contentType =
    o.contentType ?? (o.file ? BY_EXTENSION[extname(o.file).toLowerCase()] : undefined) ?? CONTENT_TYPES.csv;

  const { target } = await deployTargetFor(ctx, options);
  const op = { signal: ctx.signal, events: ctx.events };
  const response = await withDidYouMean(
    name,
    () => target.list({}, op),
    async () => {
      const invoker = await target.invoker(name, op);
      try {
        return await invoker.invoke({ body, contentType, accept: o.accept, signal: ctx.signal });
      } finally {
        await invoker.close?.();
      }
    },
  );
  const decoded = decodeAnswer(response.body, response.contentType);
  ctx.print(
    { contentType: response.contentType, body: decoded ?? Buffer.from(response.body).toString("utf8") },
    () => renderAnswer(response.body, response.contentType, decoded),
  );
};

/** `--async`: the target's optional invokeAsync (core's contract); waits for the output unless --no-wait. */
async function invokeAsync(ctx: CliContext, name: string, o: InvokeFlags, options: Record<string, unknown>) {
  if (o.file === undefined || o.body !== undefined) {
    throw new MlshipError("E_USAGE", "--async takes its request from --file", {
      where: "--async",
      hint: "Example: mlship invoke my-endpoint --async --file big.csv",
    });
  }
  const file = inputFile(ctx.io.cwd, o.file, "--file");
  const { name: targetName, target } = await deployTargetFor(ctx, options);
  if (!target.invokeAsync) {
    throw new MlshipError("E_USAGE", `The "${targetName}" target has no asynchronous invocation`, {
      where: "--async",
      hint: "Drop --async, or use a target that offers it (sagemaker).",
    });
  }
  const invokeAsync = target.invokeAsync.bind(target);
  const op = { signal: ctx.signal, events: ctx.events };
  const contentType = o.contentType ?? BY_EXTENSION[extname(file).toLowerCase()] ?? CONTENT_TYPES.csv;
  const result = await withDidYouMean(
    name,
    () => target.list({}, op),
    () => invokeAsync(name, { file, contentType, accept: o.accept, wait: o.wait }, op),
  );
  if (result.status === "Failed") {
    throw new MlshipError(
      "E_INVOKE_FAILED",
      `The asynchronous invocation failed: ${result.error ?? ""}`.trim(),
      {
        where: result.failureLocation ?? result.outputLocation,
        hint: "The error object holds the model's message; check the deployment's logs.",
      },
    );
  }
  const { output, ...located } = result;
  const decoded = output ? decodeAnswer(output, o.accept) : undefined;
  ctx.print(output ? { ...located, body: decoded ?? Buffer.from(output).toString("utf8") } : located, () =>
    output
      ? renderAnswer(output, o.accept, decoded)
      : `Queued ${result.inferenceId}; the output will be written to ${result.outputLocation}\n`,
  );
}
