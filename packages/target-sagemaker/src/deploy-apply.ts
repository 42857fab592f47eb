import type { DescribeEndpointCommandOutput } from "@aws-sdk/client-sagemaker";
import { type Deployment, type DeployPlan, emit, MlshipError, type OperationContext } from "@mlship/core";
import { aws, uploadSourceDir } from "@mlship/data-s3";
import { applyAutoscaling, removeAutoscaling, scalingInput } from "./autoscaling.js";
import { endpointConfigRequest, type SageMakerPlanInputs } from "./deploy-plan.js";
import { getDeployment } from "./deployment-view.js";
import {
  DEPLOY_TIMEOUT_MS,
  deleteConfigAndModels,
  deleteDeployment,
  deleteQuietly,
  describeEndpoint,
  lastEndpointLogLines,
  SETTLED,
  watchEndpoint,
} from "./endpoints.js";
import { buildCreateEndpointRequest, buildCreateModelRequest } from "./hosting-requests.js";
import { readLogs } from "./logs.js";
import type { Session } from "./session.js";
import { TARGET_NAME } from "./training-job.js";

function inputsOf(plan: DeployPlan): SageMakerPlanInputs {
  const inputs = plan.inputs as unknown as SageMakerPlanInputs;
  if (plan.target !== TARGET_NAME || !inputs?.spec || !inputs.model || !inputs.resourceName) {
    throw new MlshipError("E_INVALID_INPUT", `Not a SageMaker deploy plan (target ${plan.target})`, {
      where: "plan",
      hint: "Apply a plan made by the sagemaker target's plan().",
    });
  }
  return inputs;
}

/** The endpoint, settled, must be as the plan found it (absent, Failed, or serving the same config). */
async function checkStillAsPlanned(
  session: Session,
  inputs: SageMakerPlanInputs,
  ctx?: OperationContext,
): Promise<DescribeEndpointCommandOutput | undefined> {
  const name = inputs.spec.name;
  let found = await describeEndpoint(session, name, ctx?.signal);
  if (found && !SETTLED.has(found.EndpointStatus ?? "")) {
    // Creating/Updating/Deleting: let the previous operation finish first.
    found = await watchEndpoint(
      session,
      name,
      ctx,
      (d) => !d || SETTLED.has(d.EndpointStatus ?? ""),
      DEPLOY_TIMEOUT_MS,
    );
  }
  const planned = inputs.existing;
  const same =
    (!found && !planned) ||
    (found !== undefined &&
      planned !== undefined &&
      (found.EndpointStatus === "Failed") === (planned.status === "Failed") &&
      found.EndpointConfigName === planned.configName);
  if (!same) {
    throw new MlshipError(
      "E_PLAN_STALE",
      `Endpoint ${name} is ${found ? `${found.EndpointStatus} with config ${found.EndpointConfigName}` : "gone"}, not as planned`,
      { where: name, hint: "Plan again (or deploy, which plans and applies at once)." },
    );
  }
  return found;
}

/** Creates the model, the endpoint config and the endpoint (or points it at the new config); undoes on failure. */
async function createResources(
  session: Session,
  inputs: SageMakerPlanInputs,
  update: boolean,
  ctx?: OperationContext,
) {
  const { spec, resourceName, model } = inputs;
  const name = spec.name;
  const { api } = session.deps;
  const failure = { code: "E_DEPLOY_FAILED" as const, where: name };
  const modelRequest = buildCreateModelRequest({
    modelName: resourceName,
    image: model.image,
    role: inputs.role,
    region: inputs.region,
    modelDataUrl: model.modelDataUrl,
    program: model.program,
    submitDirectory: model.submitDirectory,
    environment: spec.environment,
    vpc: spec.vpc,
    tags: spec.tags,
  });
  await aws(`Creating model ${resourceName}`, () => api.createModel(modelRequest), failure);
  const previousScaling = inputs.existing?.scaling;
  try {
    const configRequest = endpointConfigRequest(spec, resourceName);
    await aws(
      `Creating endpoint config ${resourceName}`,
      () => api.createEndpointConfig(configRequest),
      failure,
    );
    if (update) {
      // Deregistered while the endpoint updates (SageMaker's advice for autoscaled endpoints); registered
      // again with the spec's limits once it serves.
      if (previousScaling) await removeAutoscaling(session.deps.autoscaling, name);
      const request = { EndpointName: name, EndpointConfigName: resourceName };
      await aws(`Updating endpoint ${name}`, () => api.updateEndpoint(request), failure);
      emit(ctx, { type: "deploy.status", name, status: "Updating" });
    } else {
      const request = buildCreateEndpointRequest({
        endpointName: name,
        configName: resourceName,
        tags: spec.tags,
      });
      await aws(`Creating endpoint ${name}`, () => api.createEndpoint(request), failure);
      emit(ctx, { type: "deploy.status", name, status: "Creating" });
    }
  } catch (e) {
    await deleteConfigAndModels(session, resourceName).catch(() => {});
    await deleteQuietly(`Deleting model ${resourceName}`, () =>
      api.deleteModel({ ModelName: resourceName }),
    ).catch(() => {});
    await restoreScaling(session, inputs).catch(() => {});
    throw e;
  }
}

/** A failed update leaves the old variant serving: it gets its old scaling back. */
async function restoreScaling(session: Session, inputs: SageMakerPlanInputs): Promise<void> {
  const before = inputs.existing?.scaling;
  if (before?.policy)
    await applyAutoscaling(session.deps.autoscaling, inputs.spec.name, scalingInput(before));
}

async function deployFailed(
  session: Session,
  inputs: SageMakerPlanInputs,
  final: DescribeEndpointCommandOutput | undefined,
  update: boolean,
): Promise<MlshipError> {
  const name = inputs.spec.name;
  const reason = final?.FailureReason ?? `endpoint is ${final?.EndpointStatus ?? "gone"}`;
  const lastLines = await lastEndpointLogLines(session, name);
  // The update rolled back: the old variant still serves; drop what we created.
  if (update) {
    await deleteConfigAndModels(session, inputs.resourceName).catch(() => {});
    await restoreScaling(session, inputs).catch(() => {});
  }
  return new MlshipError(
    "E_DEPLOY_FAILED",
    `Deploying ${name} failed: ${reason}${lastLines.length ? `\nLast log lines:\n${lastLines.join("\n")}` : ""}`,
    {
      where: name,
      hint: update
        ? `The previous model keeps serving. ${readLogs(name)}`
        : `${readLogs(name)} Delete it with \`delete\`.`,
      details: {
        name,
        status: final?.EndpointStatus,
        failureReason: final?.FailureReason,
        updated: update,
        lastLogLines: lastLines,
      },
    },
  );
}

/**
 * Makes the plan's changes: uploads the code, replaces a Failed endpoint, creates the model and config, creates
 * or updates the endpoint, waits (unless wait: false), then deletes the previous config and model. SageMaker
 * keeps serving the old variant until the new one is up.
 */
export async function applyPlan(
  session: Session,
  plan: DeployPlan,
  ctx?: OperationContext,
): Promise<Deployment> {
  const inputs = inputsOf(plan);
  const { spec, resourceName, upload } = inputs;
  const name = spec.name;
  let existing = await checkStillAsPlanned(session, inputs, ctx);
  for (const message of plan.notes ?? []) emit(ctx, { type: "log", level: "warn", message });
  if (upload) {
    await session.bucket(ctx?.signal);
    await uploadSourceDir(session.deps.s3, upload.sourceDir, upload.uri, ctx);
  }
  if (existing?.EndpointStatus === "Failed") {
    // A failed endpoint cannot be updated; replace it.
    await deleteDeployment(session, name, ctx);
    existing = undefined;
  }
  const update = existing !== undefined;
  await createResources(session, inputs, update, ctx);
  if (spec.wait === false) return getDeployment(session, name, ctx, inputs.model.description);
  const final = await watchEndpoint(
    session,
    name,
    ctx,
    (d, sawChange) => {
      if (!d) return true;
      const status = d.EndpointStatus ?? "";
      if (status === "InService") return d.EndpointConfigName === resourceName || sawChange;
      return status === "Failed" || status === "OutOfService";
    },
    DEPLOY_TIMEOUT_MS,
    update ? "Updating" : "Creating",
  );
  if (final?.EndpointStatus !== "InService" || final.EndpointConfigName !== resourceName) {
    throw await deployFailed(session, inputs, final, update);
  }
  if (existing?.EndpointConfigName && existing.EndpointConfigName !== resourceName) {
    await deleteConfigAndModels(session, existing.EndpointConfigName);
  }
  if (spec.autoscaling) await applyAutoscaling(session.deps.autoscaling, name, spec.autoscaling);
  return getDeployment(session, name, ctx, inputs.model.description);
}
