import {
  abortError,
  type Deployment,
  type DeployPlan,
  emit,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import { uploadSourceDir } from "@mlship/data-s3";
import { HPA_TYPE, hpaManifest } from "./autoscaler.js";
import type { KymaContext } from "./context.js";
import { applyModelUrls } from "./credentials.js";
import { TARGET_NAME, toDeployment } from "./deployment-view.js";
import { apiRuleManifest, deploymentManifest, pullSecretName, serviceManifest, TYPES } from "./manifests.js";
import { applyNamespace } from "./namespace.js";
import { readManaged } from "./ownership.js";
import type { KymaPlanInputs } from "./plan.js";
import { buildPullSecret, type PullSecretInfo } from "./pull-secret.js";
import { waitUntilReady } from "./rollout.js";
import { rolloutState } from "./status.js";

function inputsOf(plan: DeployPlan): KymaPlanInputs {
  const inputs = plan.inputs as unknown as KymaPlanInputs;
  if (plan.target !== TARGET_NAME || !inputs?.workload || !inputs.objects) {
    throw new MlshipError("E_INVALID_INPUT", `Not a Kyma deploy plan (target ${plan.target})`, {
      where: "plan",
      hint: "Apply a plan made by the kyma target's plan().",
    });
  }
  return inputs;
}

/** The Deployment, Service and APIRule must still be absent or present as planned: else plan again. */
async function checkStillAsPlanned(kyma: KymaContext, inputs: KymaPlanInputs): Promise<void> {
  const { name, namespace } = inputs.workload;
  for (const [key, type] of [
    ["deployment", TYPES.deployment],
    ["service", TYPES.service],
    ["apiRule", TYPES.apiRule],
  ] as const) {
    const exists = (await readManaged(kyma.kube(), type, namespace, name)) !== undefined;
    if (exists !== (inputs.objects[key] !== "create")) {
      throw new MlshipError(
        "E_PLAN_STALE",
        `${type.kind} ${namespace}/${name} ${exists ? "appeared" : "went away"} since the plan was made`,
        {
          where: `${type.kind.toLowerCase()}/${name}`,
          hint: "Plan again (or deploy, which plans and applies at once).",
        },
      );
    }
  }
}

async function writePullSecret(kyma: KymaContext, inputs: KymaPlanInputs, ctx?: OperationContext) {
  const { name, namespace, image } = inputs.workload;
  const pull = await buildPullSecret(kyma.ecrFor(image), { owner: name, namespace, image });
  if (!pull) return undefined;
  await kyma.kube().apply(pull.manifest);
  const message = `ECR pull secret ${pull.info.name} valid until ${pull.info.expiresAt}`;
  emit(ctx, { type: "deploy.status", name, status: "Creating", message });
  return pull.info;
}

/** Writes the HPA after its Deployment exists, or removes one the spec no longer asks for. */
async function applyAutoscaler(kyma: KymaContext, inputs: KymaPlanInputs): Promise<void> {
  const { name, namespace } = inputs.workload;
  const action = inputs.objects.hpa;
  if (action === "delete") await kyma.kube().remove(HPA_TYPE, namespace, name);
  else if ((action === "create" || action === "update") && inputs.autoscaling) {
    await kyma.kube().apply(hpaManifest(name, namespace, inputs.autoscaling));
  }
}

/** Makes the plan's changes in its order, then waits for the rollout unless the spec said wait: false. */
export async function applyPlan(
  kyma: KymaContext,
  plan: DeployPlan,
  ctx?: OperationContext,
): Promise<Deployment> {
  const inputs = inputsOf(plan);
  const { workload } = inputs;
  const { name, namespace } = workload;
  const kube = kyma.kube();
  // Checked before each write: an abort stops the deploy at the next step instead of after the last.
  const stopIfAborted = () => {
    if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${name}`);
  };
  stopIfAborted();
  emit(ctx, {
    type: "deploy.status",
    name,
    status: "Creating",
    message: `Deploying ${name} to namespace ${namespace}`,
  });
  for (const message of plan.notes ?? []) emit(ctx, { type: "log", level: "warn", message });
  await checkStillAsPlanned(kyma, inputs);
  if (inputs.upload) {
    const { sourceDir, uri } = inputs.upload;
    emit(ctx, {
      type: "deploy.status",
      name,
      status: "Creating",
      message: `Uploading ${sourceDir} to ${uri}`,
    });
    await uploadSourceDir(kyma.s3(), sourceDir, uri, ctx);
  }
  stopIfAborted();
  await applyNamespace(kube, namespace, inputs.namespaceStep, name, ctx);
  const pull: PullSecretInfo | undefined = inputs.pullSecret
    ? await writePullSecret(kyma, inputs, ctx)
    : undefined;
  stopIfAborted();
  const urlsExpireAt = await applyModelUrls(
    kyma,
    name,
    namespace,
    workload.modelData,
    workload.sourceBundle,
    ctx,
    plan.operation === "update" ? "Updating" : "Creating",
  );
  stopIfAborted();
  if (inputs.objects.deployment !== "unchanged") await kube.apply(deploymentManifest(workload));
  if (inputs.objects.service !== "unchanged") await kube.apply(serviceManifest(workload));
  if (inputs.objects.apiRule !== "unchanged") await kube.apply(apiRuleManifest(workload));
  await applyAutoscaler(kyma, inputs);
  // A redeploy away from an ECR image leaves no pull secret behind for `get` to report as due or expired.
  if (inputs.removePullSecret) await kube.remove(TYPES.secret, namespace, pullSecretName(name));
  const host = workload.host;
  emit(ctx, {
    type: "deploy.status",
    name,
    status: plan.operation === "update" ? "Updating" : "Creating",
    message: `Applied Deployment, Service and APIRule ${name} (${workload.auth.mode})${host ? ` for https://${host}` : ""}`,
  });
  if (!inputs.wait) {
    const state = rolloutState(
      await kube.read(TYPES.deployment, namespace, name),
      await kube.read(TYPES.apiRule, namespace, name),
    );
    return toDeployment(kyma, state, namespace, host, { pull, urlsExpireAt });
  }
  return waitUntilReady(kyma, namespace, name, pull, inputs.exposure, ctx);
}
