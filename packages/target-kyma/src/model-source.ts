import { stat } from "node:fs/promises";
import {
  emit,
  isNodeRuntimeImage,
  MlshipError,
  type ModelResolver,
  type OperationContext,
} from "@mlship/core";
import { formatS3Uri, parseS3Uri, sklearnImageUri, sklearnVersionFromImage } from "@mlship/data-s3";
import type { KymaDeploySpec } from "./options.js";

/** Everything the workload needs to know about the model. */
export interface ResolvedModel {
  /** `training-job/<name>` or the model.tar.gz URI. */
  source: string;
  trainingJob?: string;
  modelData: string;
  sourceBundle: string;
  entryPoint: string;
  image: string;
  region?: string;
  /** A local source dir to pack and upload to `sourceBundle` when the plan is applied. */
  upload?: { sourceDir: string; uri: string };
}

export interface ModelSourceDeps {
  /** Training job -> model, code and image (core's port; the sagemaker plugin provides it). */
  models: ModelResolver;
  region?: string;
  namespace: string;
}

function requireS3Uri(uri: string, what: string): void {
  if (!uri.startsWith("s3://")) {
    throw new MlshipError("E_INVALID_INPUT", `${what} must be an s3:// URI for Kyma, got ${uri}`, {
      where: what,
      hint: "The cluster fetches the model from S3 through presigned URLs; upload it to S3 first.",
    });
  }
  parseS3Uri(uri);
}

/** The serving image: an explicit one, else the SageMaker scikit-learn inference image for the version and region. */
function imageFor(
  spec: KymaDeploySpec,
  region: string | undefined,
  fromJob?: string,
  jobVersion?: string,
): string {
  if (spec.image) return spec.image;
  if (spec.framework === "node" || (fromJob && isNodeRuntimeImage(fromJob))) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      "The Node runtime image only exists locally and cannot run on Kyma",
      {
        where: "image",
        hint: "Train with the sklearn framework, or pass `image` with a serving image your cluster can pull.",
      },
    );
  }
  if (!region) {
    throw new MlshipError("E_CONFIG", "An AWS region is needed to pick the SageMaker scikit-learn image", {
      where: "region",
      hint: "Pass `region` (or set AWS_REGION), or give `image` explicitly.",
    });
  }
  const version = spec.frameworkVersion ?? jobVersion;
  try {
    return sklearnImageUri(region, version, { scope: "inference" });
  } catch (error) {
    // A training-only version (e.g. 1.4-2) is served by the same image the job trained with.
    if (!spec.frameworkVersion && fromJob && sklearnVersionFromImage(fromJob)) return fromJob;
    throw error;
  }
}

/** An `s3://` sourcedir.tar.gz as is, or where a local directory will be uploaded: next to the model. */
async function resolveSourceBundle(
  sourceDir: string,
  modelData: string,
  spec: KymaDeploySpec,
  deps: ModelSourceDeps,
): Promise<Pick<ResolvedModel, "sourceBundle" | "upload">> {
  if (sourceDir.startsWith("s3://")) {
    requireS3Uri(sourceDir, "model.sourceDir");
    return { sourceBundle: sourceDir };
  }
  const info = await stat(sourceDir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new MlshipError("E_INVALID_INPUT", `model.sourceDir is not a directory: ${sourceDir}`, {
      where: "model.sourceDir",
    });
  }
  const { bucket } = parseS3Uri(modelData);
  const uri = formatS3Uri(bucket, `mlship/kyma/${deps.namespace}/${spec.name}/sourcedir.tar.gz`);
  return { sourceBundle: uri, upload: { sourceDir, uri } };
}

/** Resolves the DeploySpec's model into S3 URIs, entry point and image, with reads only (a local source dir is uploaded by apply). */
export async function resolveModel(
  spec: KymaDeploySpec,
  deps: ModelSourceDeps,
  ctx?: OperationContext,
): Promise<ResolvedModel> {
  const model = spec.model ?? {};
  if (model.trainingJob) {
    emit(ctx, {
      type: "deploy.status",
      name: spec.name,
      status: "Creating",
      message: `Looking up training job ${model.trainingJob}`,
    });
    const job = await deps.models.resolve(model.trainingJob, ctx);
    const region = job.region || deps.region;
    const modelData = model.modelData ?? job.modelData;
    requireS3Uri(modelData, "model.modelData");
    // The job's code bundle serves by default (the SDK's estimator.deploy()); sourceDir/entryPoint override it.
    const bundle = model.sourceDir
      ? await resolveSourceBundle(model.sourceDir, modelData, spec, deps)
      : { sourceBundle: job.sourceBundle };
    return {
      source: `training-job/${job.jobName}`,
      trainingJob: job.jobName,
      modelData,
      ...bundle,
      entryPoint: model.entryPoint ?? job.entryPoint,
      image: imageFor(spec, region, job.image, job.frameworkVersion),
      ...(region ? { region } : {}),
    };
  }
  if (!model.modelData) {
    throw new MlshipError("E_INVALID_INPUT", "Nothing to deploy: give model.trainingJob or model.modelData", {
      where: "model",
      hint: "A SageMaker training job name, or an s3:// model.tar.gz with sourceDir and entryPoint.",
    });
  }
  requireS3Uri(model.modelData, "model.modelData");
  if (!model.entryPoint || !model.sourceDir) {
    throw new MlshipError("E_INVALID_INPUT", "model.modelData needs model.sourceDir and model.entryPoint", {
      where: model.entryPoint ? "model.sourceDir" : "model.entryPoint",
      hint: "sourceDir: a local directory or an s3:// sourcedir.tar.gz with the inference script (entryPoint).",
    });
  }
  const image = imageFor(spec, deps.region);
  return {
    source: model.modelData,
    modelData: model.modelData,
    ...(await resolveSourceBundle(model.sourceDir, model.modelData, spec, deps)),
    entryPoint: model.entryPoint,
    image,
    ...(deps.region ? { region: deps.region } : {}),
  };
}
