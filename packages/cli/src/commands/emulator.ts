import { once } from "node:events";
import { outputDir } from "../files.js";
import { importOptional } from "../optional.js";
import type { CommandRun } from "../program.js";

interface EmulatorFlags {
  port: number;
  host: string;
  dataDir?: string;
}

/** Runs until Ctrl-C; prints the environment that points the AWS SDKs, the AWS CLI and mlship at it. */
export const run: CommandRun = async (ctx, _args, options) => {
  const o = options as unknown as EmulatorFlags;
  const dataDir = o.dataDir ? outputDir(ctx.io.cwd, o.dataDir, "--data-dir") : undefined;
  const { startEmulator } = await importOptional(
    "@mlship/emulator",
    "mlship emulator",
    ["@mlship/emulator"],
    () => import("@mlship/emulator"),
  );
  const emulator = await startEmulator({
    port: o.port,
    host: o.host,
    dataDir,
  });
  const env = {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
  ctx.print(
    {
      endpoint: emulator.endpoint,
      region: emulator.region,
      accountId: emulator.accountId,
      dataDir: emulator.dataDir,
      env,
    },
    () =>
      [
        `mlship emulator listening on ${emulator.endpoint} (region ${emulator.region}, account ${emulator.accountId})`,
        `data: ${emulator.dataDir}`,
        "",
        "Point AWS SDKs, the AWS CLI and mlship at it:",
        ...Object.entries(env).map(([k, v]) => `  export ${k}=${v}`),
        "",
        "S3 clients need path-style addressing (forcePathStyle: true). Press Ctrl-C to stop.",
        "",
      ].join("\n"),
  );
  if (!ctx.signal.aborted) await once(ctx.signal, "abort");
  await emulator.stop();
  ctx.io.stderr.write("emulator stopped\n");
};
