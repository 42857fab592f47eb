import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { CONTENT_TYPES, MlshipError } from "@mlship/core";
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
