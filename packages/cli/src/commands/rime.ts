import { MlshipError } from "@mlship/core";
import { exportRimeModelFile } from "@mlship/scoring";
import { outputFile } from "../files.js";
import { parseList } from "../parse.js";
import type { CommandRun } from "../program.js";
import { deployTargetFor } from "../targets.js";

interface RimeFlags {
  target?: string;
  features: string;
  out: string;
}

/** `arn:aws:sagemaker:eu-west-1:...` -> `eu-west-1`. */
const arnRegion = (arn: unknown) => (typeof arn === "string" ? arn.split(":")[3] : undefined) || undefined;

export const run: CommandRun = async (ctx, [name = ""], options) => {
  const o = options as unknown as RimeFlags;
  const features = parseList("--features", o.features) ?? [];
  const out = outputFile(ctx.io.cwd, o.out, "--out");
  const { name: target, target: deploy } = await deployTargetFor(ctx, options);
  const deployment = await deploy.get(name, { signal: ctx.signal, events: ctx.events });
  const kind = target === "sagemaker" || target === "kyma" ? target : "http";
  if (kind !== "sagemaker" && !deployment.url) {
    throw new MlshipError("E_INVALID_INPUT", `Deployment ${name} on ${target} has no URL to call`, {
      hint: "Only deployments with a URL can be exported for RIME.",
    });
  }
  await exportRimeModelFile({
    target: kind,
    deployment: name,
    features,
    region: arnRegion(deployment.details?.endpointArn) ?? ctx.aws().region,
    // An emulator or VPC endpoint the CLI was pointed at must also be where the file sends requests.
    endpointUrl: kind === "sagemaker" ? ctx.aws().endpoint : undefined,
    url: kind === "sagemaker" ? undefined : deployment.url,
    out,
  });
  ctx.print(
    { deployment: name, target, out, features },
    () => `Wrote ${out}: predict_dict / predict_df calling ${name} (${target}).\n`,
  );
};
