import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { DescribeEndpointCommandOutput } from "@aws-sdk/client-sagemaker";
import {
  type Deployment,
  type DeploymentStatus,
  type DeploySpec,
  emit,
  type ListOptions,
  MlshipError,
  NODE_RUNTIME_IMAGE,
  type OperationContext,
} from "@mlship/core";
import { parseS3Uri, uploadSourceDir } from "@mlship/data-s3";
import { aws, isNotFound, wrapAwsError } from "./errors.js";
import {
  buildCreateEndpointConfigRequest,
  buildCreateEndpointRequest,
  buildCreateModelRequest,
  type DataCaptureInput,
  DEFAULT_VARIANT_NAME,
} from "./hosting-requests.js";
import { sklearnImageUri } from "./images.js";
import { ENDPOINT_LOG_GROUP_PREFIX, LogTail } from "./logs.js";
import { nameFromBase } from "./naming.js";
import type { Session } from "./session.js";
import { lookupTrainingJob, TARGET_NAME } from "./training-job.js";
import type { VpcConfig } from "./training-request.js";
import { backoff, sleep } from "./wait.js";

/** DeploySpec plus SageMaker-only knobs. */
export interface SageMakerDeploySpec extends DeploySpec {
  role?: string;
  dataCapture?: DataCaptureInput;
  vpc?: VpcConfig;
}

const SETTLED = new Set(["InService", "Failed", "OutOfService"]);
const DELETE_TIMEOUT_MS = 15 * 60_000;
const DEPLOY_TIMEOUT_MS = 60 * 60_000;

export interface ModelPlan {
  image: string;
  modelDataUrl: string;
  program?: string;
  submitDirectory?: string;
  /** What the deployment serves, for humans: the training job or the artifact URI. */
  description: string;
}

const isNodeScript = (p: string | undefined) => !!p && /\.(m?js|cjs)$/.test(p);

const isFile = (path: string) =>
  stat(path).then(
    (st) => st.isFile(),
    () => false,
  );

export async function planModel(
  session: Session,
  spec: SageMakerDeploySpec,
  modelName: string,
  ctx?: OperationContext,
): Promise<ModelPlan> {
  const region = await session.region();
  const source = spec.model ?? {};
  let modelDataUrl: string;
  let program = source.entryPoint;
  let submitDirectory: string | undefined;
  let trainedImage: string | undefined;
  let description: string;
  if (source.trainingJob) {
    const job = await lookupTrainingJob(session.deps.api, source.trainingJob);
    modelDataUrl = job.modelData;
    program ??= job.entryPoint;
    submitDirectory = job.sourceBundle;
    trainedImage = job.image;
    description = `training job ${job.jobName}`;
  } else if (source.modelData) {
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
    modelDataUrl = source.modelData;
    description = modelDataUrl;
  } else {
    throw new MlshipError("E_INVALID_INPUT", "Deploy needs model.trainingJob or model.modelData", {
      where: "model",
    });
  }
  let image = spec.image;
  if (!image) {
    const framework = spec.framework ?? (isNodeScript(program) ? "node" : "sklearn");
    if (framework === "node") image = NODE_RUNTIME_IMAGE;
    else if (trainedImage && !spec.frameworkVersion)
      image = trainedImage; // sklearn containers serve with the training image
    else image = sklearnImageUri(region, spec.frameworkVersion, { scope: "inference" });
  }
  if (source.sourceDir) {
    if (!program) {
      throw new MlshipError("E_INVALID_INPUT", "model.entryPoint is required with model.sourceDir", {
        where: "model.entryPoint",
      });
    }
    if (!source.sourceDir.startsWith("s3://") && !(await isFile(join(source.sourceDir, program)))) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `Entry point ${program} not found in ${resolve(source.sourceDir)}`,
        {
          where: "model.entryPoint",
          hint: "model.entryPoint is the inference script, relative to model.sourceDir.",
        },
      );
    }
    submitDirectory = source.sourceDir.startsWith("s3://")
      ? source.sourceDir
      : await uploadSourceDir(
          session.deps.s3,
          source.sourceDir,
          `s3://${await session.bucket(ctx?.signal)}/${modelName}/sourcedir.tar.gz`,
          ctx,
        );
  }
  return { image, modelDataUrl, program, submitDirectory, description };
}

async function describeEndpoint(
  session: Session,
  name: string,
  signal?: AbortSignal,
): Promise<DescribeEndpointCommandOutput | undefined> {
  try {
    return await session.deps.api.describeEndpoint({ EndpointName: name }, { abortSignal: signal });
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw wrapAwsError(e, `Describing endpoint ${name}`, { where: name });
  }
}

/** Polls DescribeEndpoint until `done` says so, emitting every status change as deploy.status. */
async function watchEndpoint(
  session: Session,
  name: string,
  ctx: OperationContext | undefined,
  done: (d: DescribeEndpointCommandOutput | undefined, sawChange: boolean) => boolean,
  timeoutMs: number,
  alreadyEmitted?: DeploymentStatus,
): Promise<DescribeEndpointCommandOutput | undefined> {
  const delays = backoff(session.poll);
  const deadline = Date.now() + timeoutMs;
  let lastEmitted: string | undefined = alreadyEmitted;
  let lastSeen: string | undefined;
  // True once the endpoint has left InService or changed status: an InService seen before that may be stale.
  let sawChange = false;
  for (;;) {
    const d = await describeEndpoint(session, name, ctx?.signal);
    const status = (d?.EndpointStatus ?? "NotFound") as DeploymentStatus;
    if ((lastSeen !== undefined && status !== lastSeen) || status !== "InService") sawChange = true;
    lastSeen = status;
    if (status !== lastEmitted) {
      lastEmitted = status;
      emit(ctx, {
        type: "deploy.status",
        name,
        status,
        ...(d?.FailureReason ? { message: d.FailureReason } : {}),
      });
    }
    if (done(d, sawChange)) return d;
    if (Date.now() > deadline) {
      throw new MlshipError(
        "E_TIMEOUT",
        `Endpoint ${name} still ${status} after ${Math.round(timeoutMs / 1000)}s`,
        {
          where: name,
        },
      );
    }
    await sleep(delays.next().value, ctx?.signal, `Waiting for endpoint ${name}`);
  }
}

async function deleteQuietly(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isNotFound(e)) throw wrapAwsError(e, what);
  }
}

async function modelsOfConfig(session: Session, configName: string): Promise<string[]> {
  try {
    const c = await session.deps.api.describeEndpointConfig({ EndpointConfigName: configName });
    return (c.ProductionVariants ?? []).map((v) => v.ModelName).filter((n): n is string => !!n);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw wrapAwsError(e, `Describing endpoint config ${configName}`);
  }
}

async function deleteConfigAndModels(session: Session, configName: string): Promise<void> {
  const models = await modelsOfConfig(session, configName);
  await deleteQuietly(`Deleting endpoint config ${configName}`, () =>
    session.deps.api.deleteEndpointConfig({ EndpointConfigName: configName }),
  );
  for (const ModelName of models) {
    await deleteQuietly(`Deleting model ${ModelName}`, () => session.deps.api.deleteModel({ ModelName }));
  }
}

/**
 * Creates the endpoint, or updates it in place when the name exists: new model + config, UpdateEndpoint, wait,
 * then delete the previous config and model (SageMaker keeps serving the old variant until the new one is up).
 */
export async function deploy(
  session: Session,
  spec: SageMakerDeploySpec,
  ctx?: OperationContext,
): Promise<Deployment> {
  const name = spec.name;
  if (!name || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid endpoint name "${name}"`, {
      hint: "Use 1-63 letters, digits and hyphens.",
      where: "name",
    });
  }
  const region = await session.region();
  const role = session.role(spec.role);
  const resourceName = nameFromBase(name);
  // Built (and so checked) before anything is uploaded, created or replaced.
  const configRequest = buildCreateEndpointConfigRequest({
    configName: resourceName,
    modelName: resourceName,
    instanceType: spec.serverless ? undefined : spec.instanceType,
    instanceCount: spec.instanceCount,
    serverless: spec.serverless,
    dataCapture: spec.dataCapture,
    tags: spec.tags,
  });
  const plan = await planModel(session, spec, resourceName, ctx);

  let existing = await describeEndpoint(session, name, ctx?.signal);
  if (existing && !SETTLED.has(existing.EndpointStatus ?? "")) {
    // Creating/Updating/Deleting: let the previous operation finish first.
    existing = await watchEndpoint(
      session,
      name,
      ctx,
      (d) => !d || SETTLED.has(d.EndpointStatus ?? ""),
      DEPLOY_TIMEOUT_MS,
    );
  }
  if (existing?.EndpointStatus === "Failed") {
    // A failed endpoint cannot be updated; replace it.
    await deleteDeployment(session, name, ctx);
    existing = undefined;
  }

  const { api } = session.deps;
  await aws(
    `Creating model ${resourceName}`,
    () =>
      api.createModel(
        buildCreateModelRequest({
          modelName: resourceName,
          image: plan.image,
          role,
          region,
          modelDataUrl: plan.modelDataUrl,
          program: plan.program,
          submitDirectory: plan.submitDirectory,
          environment: spec.environment,
          vpc: spec.vpc,
          tags: spec.tags,
        }),
      ),
    { code: "E_DEPLOY_FAILED", where: name },
  );
  try {
    await aws(`Creating endpoint config ${resourceName}`, () => api.createEndpointConfig(configRequest), {
      code: "E_DEPLOY_FAILED",
      where: name,
    });
    if (existing) {
      await aws(
        `Updating endpoint ${name}`,
        () => api.updateEndpoint({ EndpointName: name, EndpointConfigName: resourceName }),
        { code: "E_DEPLOY_FAILED", where: name },
      );
      emit(ctx, { type: "deploy.status", name, status: "Updating" });
    } else {
      await aws(
        `Creating endpoint ${name}`,
        () =>
          api.createEndpoint(
            buildCreateEndpointRequest({ endpointName: name, configName: resourceName, tags: spec.tags }),
          ),
        { code: "E_DEPLOY_FAILED", where: name },
      );
      emit(ctx, { type: "deploy.status", name, status: "Creating" });
    }
  } catch (e) {
    await deleteConfigAndModels(session, resourceName).catch(() => {});
    await deleteQuietly(`Deleting model ${resourceName}`, () =>
      api.deleteModel({ ModelName: resourceName }),
    ).catch(() => {});
    throw e;
  }

  if (spec.wait === false) return getDeployment(session, name, ctx, plan.description);

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
    existing ? "Updating" : "Creating",
  );
  const ok = final?.EndpointStatus === "InService" && final.EndpointConfigName === resourceName;
  if (!ok) {
    const reason = final?.FailureReason ?? `endpoint is ${final?.EndpointStatus ?? "gone"}`;
    const lastLines = await lastEndpointLogLines(session, name);
    if (existing) {
      // The update rolled back: the old variant still serves; drop what we created.
      await deleteConfigAndModels(session, resourceName).catch(() => {});
    }
    throw new MlshipError(
      "E_DEPLOY_FAILED",
      `Deploying ${name} failed: ${reason}${
        lastLines.length ? `\nLast log lines:\n${lastLines.join("\n")}` : ""
      }`,
      {
        where: name,
        hint: existing
          ? "The previous model keeps serving. Check the endpoint's CloudWatch logs (/aws/sagemaker/Endpoints/<name>)."
          : `Check the endpoint's CloudWatch logs (/aws/sagemaker/Endpoints/${name}); delete it with \`delete\`.`,
        details: {
          name,
          status: final?.EndpointStatus,
          failureReason: final?.FailureReason,
          updated: !!existing,
          lastLogLines: lastLines,
        },
      },
    );
  }
  if (existing?.EndpointConfigName && existing.EndpointConfigName !== resourceName) {
    await deleteConfigAndModels(session, existing.EndpointConfigName);
  }
  return getDeployment(session, name, ctx, plan.description);
}

const LOG_TAIL_LINES = 20;

/** The last lines the endpoint's containers logged (`/aws/sagemaker/Endpoints/<name>`); best effort. */
async function lastEndpointLogLines(session: Session, name: string): Promise<string[]> {
  try {
    const events = await new LogTail(session.deps.logs, {
      group: `${ENDPOINT_LOG_GROUP_PREFIX}/${name}`,
      prefix: "",
    }).poll();
    return events.slice(-LOG_TAIL_LINES).map((e) => e.message);
  } catch {
    return []; // Logs are a hint; never mask the deployment error.
  }
}

/** Updates an existing endpoint in place; E_NOT_FOUND when there is none. */
export async function updateDeployment(
  session: Session,
  name: string,
  spec: Omit<SageMakerDeploySpec, "name">,
  ctx?: OperationContext,
): Promise<Deployment> {
  if (!(await describeEndpoint(session, name, ctx?.signal))) {
    throw new MlshipError("E_NOT_FOUND", `No endpoint named ${name}`, {
      where: name,
      hint: "Use deploy to create it.",
    });
  }
  return deploy(session, { ...spec, name }, ctx);
}

/** Endpoint, then its config and model(s); waits until the endpoint is gone. Missing pieces are fine. */
export async function deleteDeployment(
  session: Session,
  name: string,
  ctx?: OperationContext,
): Promise<void> {
  const d = await describeEndpoint(session, name, ctx?.signal);
  if (!d) return;
  const configName = d.EndpointConfigName;
  if (d.EndpointStatus !== "Deleting") {
    await deleteQuietly(`Deleting endpoint ${name}`, () =>
      session.deps.api.deleteEndpoint({ EndpointName: name }),
    );
  }
  emit(ctx, { type: "deploy.status", name, status: "Deleting" });
  await watchEndpoint(session, name, ctx, (x) => !x, DELETE_TIMEOUT_MS, "Deleting");
  if (configName) await deleteConfigAndModels(session, configName);
}

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
      serverless: variant?.ServerlessConfig
        ? {
            memorySizeMb: variant.ServerlessConfig.MemorySizeInMB ?? null,
            maxConcurrency: variant.ServerlessConfig.MaxConcurrency ?? null,
          }
        : null,
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
