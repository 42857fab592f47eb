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

/** `<ISO 8601> <text>`, as the log stamper writes each line the server wrote. */
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s;

function parseLine(line: string): DeploymentLogLine {
  const m = STAMPED.exec(line);
  return m ? { timestamp: Date.parse(m[1] as string), message: m[2] as string } : { message: line };
}

/**
 * The lines a local deployment's server wrote (stdout and stderr of every server it ran, updates included),
 * from its `server.log`, each with the time the log stamper wrote it down; with `follow`, new lines as they
 * are written, until the signal aborts or the deployment is deleted.
 */
export async function* localDeploymentLogs(
  deploymentDir: string,
  exists: () => Promise<boolean>,
  name: string,
  options: DeploymentLogOptions = {},
  ctx: OperationContext = {},
): AsyncGenerator<DeploymentLogLine> {
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
    if (!options.follow && partial !== "") lines.push(partial);
    for (const line of lines.map(parseLine)) {
      if (options.since === undefined || (line.timestamp ?? 0) >= options.since) yield line;
    }
    if (!options.follow) return;
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
