import type { DescribeEndpointCommandOutput } from "@aws-sdk/client-sagemaker";
import { type DeploymentStatus, emit, MlshipError, type OperationContext } from "@mlship/core";
import { isNotFound, wrapAwsError } from "@mlship/data-s3";
import { removeAutoscaling } from "./autoscaling.js";
import { endpointLogGroup, LogTail } from "./logs.js";
import type { Session } from "./session.js";
import { backoff, sleep } from "./wait.js";

// Endpoints as SageMaker reports them: describe, watch until settled, delete with their configs and models.

export const SETTLED = new Set(["InService", "Failed", "OutOfService"]);
export const DEPLOY_TIMEOUT_MS = 60 * 60_000;
const DELETE_TIMEOUT_MS = 15 * 60_000;

export async function describeEndpoint(
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
export async function watchEndpoint(
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

export async function deleteQuietly(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    if (!isNotFound(e)) throw wrapAwsError(e, what);
  }
}

export async function modelsOfConfig(session: Session, configName: string): Promise<string[]> {
  try {
    const c = await session.deps.api.describeEndpointConfig({ EndpointConfigName: configName });
    return (c.ProductionVariants ?? []).map((v) => v.ModelName).filter((n): n is string => !!n);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw wrapAwsError(e, `Describing endpoint config ${configName}`);
  }
}

export async function deleteConfigAndModels(session: Session, configName: string): Promise<void> {
  const models = await modelsOfConfig(session, configName);
  await deleteQuietly(`Deleting endpoint config ${configName}`, () =>
    session.deps.api.deleteEndpointConfig({ EndpointConfigName: configName }),
  );
  for (const ModelName of models) {
    await deleteQuietly(`Deleting model ${ModelName}`, () => session.deps.api.deleteModel({ ModelName }));
  }
}

const LOG_TAIL_LINES = 20;

/** The last lines the endpoint's containers logged (`/aws/sagemaker/Endpoints/<name>`); best effort. */
export async function lastEndpointLogLines(session: Session, name: string): Promise<string[]> {
  try {
    const events = await new LogTail(session.deps.logs, {
      group: endpointLogGroup(name),
      prefix: "",
    }).poll();
    return events.slice(-LOG_TAIL_LINES).map((e) => e.message);
  } catch {
    return []; // Logs are a hint; never mask the deployment error.
  }
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
  // Scaling first, as SageMaker asks: a scalable target must not outlive its endpoint.
  await removeAutoscaling(session.deps.autoscaling, name);
  if (d.EndpointStatus !== "Deleting") {
    await deleteQuietly(`Deleting endpoint ${name}`, () =>
      session.deps.api.deleteEndpoint({ EndpointName: name }),
    );
  }
  emit(ctx, { type: "deploy.status", name, status: "Deleting" });
  await watchEndpoint(session, name, ctx, (x) => !x, DELETE_TIMEOUT_MS, "Deleting");
  if (configName) await deleteConfigAndModels(session, configName);
}
