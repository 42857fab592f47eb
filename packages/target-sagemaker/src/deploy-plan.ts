import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DescribeEndpointCommandOutput } from "@aws-sdk/client-sagemaker";
import {
  type DeployPlan,
  type DeploySpec,
  type JsonObject,
  MlshipError,
  NODE_RUNTIME_IMAGE,
  type OperationContext,
  type PlannedChange,
} from "@mlship/core";
import { parseS3Uri, sklearnImageUri } from "@mlship/data-s3";
import { type AsyncInferenceInput, buildAsyncInferenceConfig } from "./async-inference.js";
import {
  type AutoscalingInput,
  type AutoscalingState,
  describeAutoscaling,
  initialScaledCount,
  POLICY_NAME,
  scalableResourceId,
  validateScaledDeploy,
} from "./autoscaling.js";
import { checkDestinationBuckets, type Destination } from "./destinations.js";
import { DEPLOY_TIMEOUT_MS, describeEndpoint, modelsOfConfig, SETTLED, watchEndpoint } from "./endpoints.js";
import { buildCreateEndpointConfigRequest, type DataCaptureInput } from "./hosting-requests.js";
import { nameFromBase } from "./naming.js";
import type { Session } from "./session.js";
import { lookupTrainingJob, TARGET_NAME } from "./training-job.js";
import type { VpcConfig } from "./training-request.js";
import { resolveTrainingJobName } from "./tuning.js";

/** DeploySpec plus SageMaker-only knobs. */
export interface SageMakerDeploySpec extends DeploySpec {
  role?: string;
  dataCapture?: DataCaptureInput;
  vpc?: VpcConfig;
  /** Application Auto Scaling of the variant (target tracking on invocations per instance). */
  autoscaling?: AutoscalingInput;
  /** An asynchronous endpoint (InvokeEndpointAsync) writing its outputs to S3. */
  asyncInference?: AsyncInferenceInput;
}

/** The model a deploy serves, resolved with reads only. */
export interface ModelPlan {
  image: string;
  modelDataUrl: string;
  program?: string;
  submitDirectory?: string;
  /** What the deployment serves, for humans: the training job or the artifact URI. */
  description: string;
}

/** What apply needs, kept in the plan's `inputs` (JSON). */
export interface SageMakerPlanInputs {
  spec: SageMakerDeploySpec;
  /** Name of the new model and endpoint config (`<name>-<timestamp>`). */
  resourceName: string;
  region: string;
  role: string;
  model: ModelPlan;
  /** A local source dir to pack and upload to `model.submitDirectory` (creating the default bucket if needed). */
  upload?: { sourceDir: string; uri: string; createBucket: boolean };
  /** The endpoint as the plan found it (settled), absent when there is none. */
  existing?: { status: string; configName?: string; models: string[]; scaling?: AutoscalingState };
}

const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const isNodeScript = (p: string | undefined) => !!p && /\.(m?js|cjs)$/.test(p);

const isFile = (path: string) =>
  stat(path).then(
    (st) => st.isFile(),
    () => false,
  );

/** Model data and code from the training job or the spec's artifact. */
async function modelSource(session: Session, spec: SageMakerDeploySpec) {
  const source = spec.model ?? {};
  if (source.trainingJob) {
    // A tuning job's name stands for its best training job.
    const resolved = await resolveTrainingJobName(session, source.trainingJob);
    const job = await lookupTrainingJob(session.deps.api, resolved.jobName);
    return {
      modelDataUrl: job.modelData,
      program: source.entryPoint ?? job.entryPoint,
      submitDirectory: job.sourceBundle as string | undefined,
      trainedImage: job.image as string | undefined,
      trainedRole: job.role,
      description: resolved.tuningJob
        ? `training job ${job.jobName} (best of tuning job ${resolved.tuningJob})`
        : `training job ${job.jobName}`,
    };
  }
  if (!source.modelData) {
    throw new MlshipError("E_INVALID_INPUT", "Deploy needs model.trainingJob or model.modelData", {
      where: "model",
    });
  }
  if (!source.modelData.startsWith("s3://")) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `model.modelData must be an s3:// URI (got ${source.modelData})`,
      {
        where: "model.modelData",
      },
    );
  }
  parseS3Uri(source.modelData);
  return {
    modelDataUrl: source.modelData,
    program: source.entryPoint,
    description: source.modelData,
    trainedRole: undefined,
  };
}

/** The image, model data and code a deploy serves; a local source dir becomes an upload for apply to make. */
export async function planModel(
  session: Session,
  spec: SageMakerDeploySpec,
  resourceName: string,
  ctx?: OperationContext,
): Promise<{ model: ModelPlan; upload?: SageMakerPlanInputs["upload"]; trainedRole?: string }> {
  const region = await session.region();
  const found = await modelSource(session, spec);
  const { trainedRole } = found;
  const { program } = found;
  let image = spec.image;
  if (!image) {
    const framework = spec.framework ?? (isNodeScript(program) ? "node" : "sklearn");
    if (framework === "node") image = NODE_RUNTIME_IMAGE;
    else if (found.trainedImage && !spec.frameworkVersion)
      image = found.trainedImage; // sklearn containers serve with the training image
    else image = sklearnImageUri(region, spec.frameworkVersion, { scope: "inference" });
  }
  const model: ModelPlan = { image, modelDataUrl: found.modelDataUrl, description: found.description };
  if (program) model.program = program;
  if (found.submitDirectory) model.submitDirectory = found.submitDirectory;
  const sourceDir = spec.model?.sourceDir;
  if (!sourceDir) return { model, trainedRole };
  if (!program) {
    throw new MlshipError("E_INVALID_INPUT", "model.entryPoint is required with model.sourceDir", {
      where: "model.entryPoint",
    });
  }
  if (sourceDir.startsWith("s3://")) return { model: { ...model, submitDirectory: sourceDir }, trainedRole };
  if (!(await isFile(join(sourceDir, program)))) {
    throw new MlshipError("E_INVALID_INPUT", `Entry point ${program} not found in ${resolve(sourceDir)}`, {
      where: "model.entryPoint",
      hint: "model.entryPoint is the inference script, relative to model.sourceDir.",
    });
  }
  const uri = `s3://${await session.bucketName(ctx?.signal)}/${resourceName}/sourcedir.tar.gz`;
  const upload = { sourceDir, uri, createBucket: await session.bucketMissing(ctx?.signal) };
  return { model: { ...model, submitDirectory: uri }, upload, trainedRole };
}

export function checkEndpointName(name: string): void {
  if (!name || !ENDPOINT_NAME.test(name)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid endpoint name "${name}"`, {
      hint: "Use 1-63 letters, digits and hyphens.",
      where: "name",
    });
  }
}

/** The endpoint config request: built (and so checked) before anything is uploaded, created or replaced. */
export function endpointConfigRequest(spec: SageMakerDeploySpec, resourceName: string) {
  const scaling = spec.autoscaling;
  if (scaling) validateScaledDeploy(scaling, spec);
  return buildCreateEndpointConfigRequest({
    configName: resourceName,
    modelName: resourceName,
    instanceType: spec.serverless ? undefined : spec.instanceType,
    instanceCount: scaling ? initialScaledCount(scaling, spec.instanceCount) : spec.instanceCount,
    serverless: spec.serverless,
    dataCapture: spec.dataCapture,
    asyncInference: spec.asyncInference ? buildAsyncInferenceConfig(spec.asyncInference) : undefined,
    tags: spec.tags,
  });
}

function changesOf(inputs: SageMakerPlanInputs): PlannedChange[] {
  const { spec, resourceName, existing, upload } = inputs;
  const changes: PlannedChange[] = [];
  if (upload?.createBucket) {
    changes.push({ action: "create", kind: "S3Bucket", name: `s3://${new URL(upload.uri).host}` });
  }
  if (upload)
    changes.push({
      action: "create",
      kind: "S3Object",
      name: upload.uri,
      reason: `packed from ${upload.sourceDir}`,
    });
  const old = existing
    ? [
        ...(existing.configName
          ? [{ action: "delete" as const, kind: "EndpointConfig", name: existing.configName }]
          : []),
        ...existing.models.map((m) => ({ action: "delete" as const, kind: "Model", name: m })),
      ]
    : [];
  const failed = existing?.status === "Failed";
  if (failed) {
    changes.push({
      action: "delete",
      kind: "Endpoint",
      name: spec.name,
      reason: "Failed endpoints cannot be updated",
    });
    changes.push(...old);
  }
  changes.push({ action: "create", kind: "Model", name: resourceName, reason: inputs.model.description });
  changes.push({ action: "create", kind: "EndpointConfig", name: resourceName });
  const update = existing && !failed;
  changes.push({
    action: update ? "update" : "create",
    kind: "Endpoint",
    name: spec.name,
    reason: `serves config ${resourceName}`,
  });
  if (update) changes.push(...old.map((c) => ({ ...c, reason: "replaced, once the new config serves" })));
  changes.push(...scalingChanges(spec, existing?.scaling));
  return changes;
}

/** The scalable target and policy a deploy registers, re-registers with new limits, or removes. */
function scalingChanges(spec: SageMakerDeploySpec, before: AutoscalingState | undefined): PlannedChange[] {
  const target = scalableResourceId(spec.name);
  const scaling = spec.autoscaling;
  if (!scaling) {
    return before
      ? [{ action: "delete", kind: "ScalableTarget", name: target, reason: "no autoscaling asked for" }]
      : [];
  }
  return [
    {
      action: before ? "update" : "create",
      kind: "ScalableTarget",
      name: target,
      reason: `${scaling.minInstances}-${scaling.maxInstances} instances, once the endpoint serves`,
    },
    {
      action: before?.policy ? "update" : "create",
      kind: "ScalingPolicy",
      name: POLICY_NAME,
      reason: `${scaling.targetInvocations} invocations per instance per minute`,
    },
  ];
}

/** The endpoint as it is; with `settle`, after any operation in progress (Creating, Updating...) has finished. */
async function currentEndpoint(
  session: Session,
  name: string,
  settle: boolean,
  ctx?: OperationContext,
): Promise<DescribeEndpointCommandOutput | undefined> {
  const found = await describeEndpoint(session, name, ctx?.signal);
  if (!found || !settle || SETTLED.has(found.EndpointStatus ?? "")) return found;
  return watchEndpoint(
    session,
    name,
    ctx,
    (d) => !d || SETTLED.has(d.EndpointStatus ?? ""),
    DEPLOY_TIMEOUT_MS,
  );
}

/** Where the endpoint will write: asynchronous answers and errors, captured requests. */
function destinationsOf(spec: SageMakerDeploySpec): Destination[] {
  const { asyncInference: async, dataCapture } = spec;
  return [
    ...(async ? [{ uri: async.outputPath, where: "async.outputPath", what: "asynchronous output" }] : []),
    ...(async?.failurePath
      ? [{ uri: async.failurePath, where: "async.failurePath", what: "asynchronous failure" }]
      : []),
    ...(dataCapture
      ? [{ uri: dataCapture.destinationS3Uri, where: "dataCapture.destinationS3Uri", what: "data capture" }]
      : []),
  ];
}

/**
 * What deploy(spec) will create, update and delete, with reads only. `settle` first waits for an operation in
 * progress on the endpoint to finish (deploy does); without it the plan notes that apply will wait.
 */
export async function planDeploy(
  session: Session,
  spec: SageMakerDeploySpec,
  ctx?: OperationContext,
  settle = false,
): Promise<DeployPlan> {
  checkEndpointName(spec.name);
  const region = await session.region();
  const resourceName = nameFromBase(spec.name);
  endpointConfigRequest(spec, resourceName);
  const { model, upload, trainedRole } = await planModel(session, spec, resourceName, ctx);
  await checkDestinationBuckets(
    session.deps.s3,
    destinationsOf(spec),
    upload?.createBucket ? new URL(upload.uri).host : undefined,
  );
  const role = session.role(spec.role, trainedRole);
  const found = await currentEndpoint(session, spec.name, settle, ctx);
  const configName = found?.EndpointConfigName;
  const existing = found
    ? {
        status: found.EndpointStatus ?? "Creating",
        ...(configName ? { configName } : {}),
        models: configName ? await modelsOfConfig(session, configName) : [],
      }
    : undefined;
  const scaling = found ? await describeAutoscaling(session.deps.autoscaling, spec.name) : undefined;
  if (existing && scaling) Object.assign(existing, { scaling });
  const inputs: SageMakerPlanInputs = {
    spec,
    resourceName,
    region,
    role,
    model,
    ...(upload ? { upload } : {}),
    ...(existing ? { existing } : {}),
  };
  const notes =
    existing && !SETTLED.has(existing.status)
      ? [
          `Endpoint ${spec.name} is ${existing.status}: apply waits for that to finish, and refuses (E_PLAN_STALE) if the endpoint then differs from this plan`,
        ]
      : [];
  return {
    target: TARGET_NAME,
    name: spec.name,
    operation: existing && existing.status !== "Failed" ? "update" : "create",
    changes: changesOf(inputs),
    ...(notes.length > 0 ? { notes } : {}),
    inputs: JSON.parse(JSON.stringify(inputs)) as JsonObject,
  };
}
