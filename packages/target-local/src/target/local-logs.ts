import { open } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import {
  abortError,
  type DeploymentLogLine,
  type DeploymentLogOptions,
  MlshipError,
  type OperationContext,
  sleep,
} from "@mlship/core";

/** How often `follow` looks for new lines in the server's log file. */
const FOLLOW_INTERVAL_MS = 250;

/**
 * The lines a local deployment's server wrote (stdout and stderr of every server it ran, updates included),
 * from its `server.log`; with `follow`, new lines as they are written, until the signal aborts or the
 * deployment is deleted. The file has no per-line times, so `since` cannot be honoured: E_INVALID_INPUT.
 */
export async function* localDeploymentLogs(
  deploymentDir: string,
  exists: () => Promise<boolean>,
  name: string,
  options: DeploymentLogOptions = {},
  ctx: OperationContext = {},
): AsyncGenerator<DeploymentLogLine> {
  if (options.since !== undefined) {
    throw new MlshipError("E_INVALID_INPUT", "The local target's server log has no timestamps to filter by", {
      where: "since",
      hint: "Leave out `since` for a local deployment: its log starts with the deployment.",
    });
  }
  if (!(await exists())) {
    throw new MlshipError("E_NOT_FOUND", `No local deployment named ${name}`, { where: name });
  }
  const file = join(deploymentDir, "server.log");
  const decoder = new StringDecoder("utf8");
  let offset = 0;
  let partial = "";
  for (;;) {
    const read = await readFrom(file, offset);
    if (read === undefined && !(await exists())) return; // deleted while we followed it
    offset += read?.length ?? 0;
    const lines = (partial + decoder.write(read ?? Buffer.alloc(0))).split("\n");
    partial = lines.pop() ?? "";
    for (const message of lines) yield { message };
    if (!options.follow) {
      if (partial !== "") yield { message: partial };
      return;
    }
    await sleep(FOLLOW_INTERVAL_MS, ctx.signal).catch(() => {
      throw abortError(ctx.signal as AbortSignal, `Following the logs of ${name}`);
    });
  }
}

/** The bytes of `file` from `offset` on; undefined when there is no such file (not written yet, or deleted). */
async function readFrom(file: string, offset: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
