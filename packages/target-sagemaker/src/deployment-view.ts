import type { Deployment, DeploymentStatus, ListOptions, OperationContext } from "@mlship/core";
import { MlshipError } from "@mlship/core";
import { aws, isNotFound, wrapAwsError } from "@mlship/data-s3";
import { autoscalingDetails, describeAutoscaling } from "./autoscaling.js";
import { describeEndpoint } from "./endpoints.js";
import { DEFAULT_VARIANT_NAME } from "./hosting-requests.js";
import { resourceTags } from "./resource-tags.js";
import type { Session } from "./session.js";
import { TARGET_NAME } from "./training-job.js";

// Deployments as records built from what SageMaker reports: no local state.

const iso = (d: Date | undefined) => (d ? new Date(d).toISOString() : undefined);

/** A Deployment record built from DescribeEndpoint (+ its config and model): no local state. */
export async function getDeployment(
  session: Session,
  name: string,
  ctx?: OperationContext,
  description?: string,
): Promise<Deployment> {
  const d = await describeEndpoint(session, name, ctx?.signal);
  if (!d) throw new MlshipError("E_NOT_FOUND", `No endpoint named ${name}`, { where: name });
  const { api } = session.deps;
  const configName = d.EndpointConfigName;
  const config = configName
    ? await api.describeEndpointConfig({ EndpointConfigName: configName }).catch((e) => {
        if (isNotFound(e)) return undefined;
        throw wrapAwsError(e, `Describing endpoint config ${configName}`);
      })
    : undefined;
  const variant =
    config?.ProductionVariants?.find((v) => v.VariantName === DEFAULT_VARIANT_NAME) ??
    config?.ProductionVariants?.[0];
  const model = variant?.ModelName
    ? await api.describeModel({ ModelName: variant.ModelName }).catch((e) => {
        if (isNotFound(e)) return undefined;
        throw wrapAwsError(e, `Describing model ${variant.ModelName}`);
      })
    : undefined;
  const container = model?.PrimaryContainer;
  const modelDataUrl = container?.ModelDataUrl;
  const trainingJob = modelDataUrl ? /\/([^/]+)\/output\/model\.tar\.gz$/.exec(modelDataUrl)?.[1] : undefined;
  const runtimeVariant = d.ProductionVariants?.[0];
  const deployment: Deployment = {
    target: TARGET_NAME,
    name,
    status: (d.EndpointStatus ?? "Creating") as DeploymentStatus,
    url: await session.runtimeUrl(name),
    model: description ?? (trainingJob ? `training job ${trainingJob}` : modelDataUrl),
    failureReason: d.FailureReason,
    instanceType: variant?.InstanceType,
    instanceCount: runtimeVariant?.CurrentInstanceCount ?? variant?.InitialInstanceCount,
    createdAt: iso(d.CreationTime),
    updatedAt: iso(d.LastModifiedTime),
    details: {
      endpointArn: d.EndpointArn ?? null,
      endpointConfigName: configName ?? null,
      modelName: variant?.ModelName ?? null,
      variant: variant?.VariantName ?? null,
      image: container?.Image ?? null,
      modelDataUrl: modelDataUrl ?? null,
      program: container?.Environment?.SAGEMAKER_PROGRAM ?? null,
      submitDirectory: container?.Environment?.SAGEMAKER_SUBMIT_DIRECTORY ?? null,
      trainingJob: trainingJob ?? null,
      instances: runtimeVariant
        ? {
            current: runtimeVariant.CurrentInstanceCount ?? null,
            desired: runtimeVariant.DesiredInstanceCount ?? null,
          }
        : null,
      autoscaling: autoscalingDetails(await describeAutoscaling(session.deps.autoscaling, name)),
      asyncInference: config?.AsyncInferenceConfig?.OutputConfig
        ? {
            outputPath: config.AsyncInferenceConfig.OutputConfig.S3OutputPath ?? null,
            failurePath: config.AsyncInferenceConfig.OutputConfig.S3FailurePath ?? null,
          }
        : null,
      dataCapture: d.DataCaptureConfig
        ? {
            status: d.DataCaptureConfig.CaptureStatus ?? null,
            percentage: d.DataCaptureConfig.CurrentSamplingPercentage ?? null,
            destination: d.DataCaptureConfig.DestinationS3Uri ?? null,
          }
        : null,
      serverless: variant?.ServerlessConfig
        ? {
            memorySizeMb: variant.ServerlessConfig.MemorySizeInMB ?? null,
            maxConcurrency: variant.ServerlessConfig.MaxConcurrency ?? null,
          }
        : null,
      tags: (await resourceTags(api, d.EndpointArn, `endpoint ${name}`, ctx?.signal)) ?? null,
    },
  };
  for (const key of Object.keys(deployment) as (keyof Deployment)[])
    if (deployment[key] === undefined) delete deployment[key];
  return deployment;
}

export async function listDeployments(session: Session, options: ListOptions = {}): Promise<Deployment[]> {
  const out: Deployment[] = [];
  const max = options.maxResults ?? 100;
  let NextToken: string | undefined;
  do {
    const page = await aws("Listing endpoints", () =>
      session.deps.api.listEndpoints({
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: Math.min(100, max - out.length),
        ...(options.nameContains ? { NameContains: options.nameContains } : {}),
        NextToken,
      }),
    );
    for (const e of page.Endpoints ?? []) {
      const name = e.EndpointName ?? "";
      const dep: Deployment = {
        target: TARGET_NAME,
        name,
        status: (e.EndpointStatus ?? "Creating") as DeploymentStatus,
        url: await session.runtimeUrl(name),
        createdAt: iso(e.CreationTime),
        updatedAt: iso(e.LastModifiedTime),
        details: { endpointArn: e.EndpointArn ?? null },
      };
      for (const key of Object.keys(dep) as (keyof Deployment)[]) if (dep[key] === undefined) delete dep[key];
      out.push(dep);
    }
    NextToken = page.NextToken;
  } while (NextToken && out.length < max);
  return out.slice(0, max);
}
