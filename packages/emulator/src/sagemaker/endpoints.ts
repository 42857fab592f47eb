import type { AwsApiError } from "../aws-error.js";
import { type AccountScope, sageMakerArn } from "./arn.js";
import {
  type EndpointConfigRecord,
  endpointConfigNotFound,
  type ProductionVariant,
} from "./endpoint-configs.js";
import {
  type AsyncInferenceConfig,
  type DataCaptureConfig,
  dataCaptureSummary,
  endpointFeatures,
} from "./endpoint-features.js";
import { requiredName } from "./models.js";
import { listPage } from "./paging.js";
import {
  INVOKE_TIMEOUT_MS,
  initialInstances,
  type LiveVariant,
  type ServingDeps,
  startInstance,
  startVariants,
  VariantStartError,
} from "./serving.js";
import type { RecordStore } from "./store.js";
import { toEpochSeconds } from "./time.js";
import { createValidator, resourceName, validateTags, validationError } from "./validation.js";
import { resizeVariant } from "./variant-instances.js";

export type EndpointStatus =
  | "Creating"
  | "Updating"
  | "SystemUpdating"
  | "RollingBack"
  | "InService"
  | "OutOfService"
  | "Deleting"
  | "Failed"
  | "UpdateRollbackFailed";

const STATUS_VALUES: readonly EndpointStatus[] = [
  "OutOfService",
  "Creating",
  "Updating",
  "SystemUpdating",
  "RollingBack",
  "InService",
  "Deleting",
  "Failed",
  "UpdateRollbackFailed",
];

/** Statuses in which an endpoint answers InvokeEndpoint (it keeps serving the old config while updating). */
export const SERVING_STATUSES: ReadonlySet<string> = new Set([
  "InService",
  "Updating",
  "SystemUpdating",
  "RollingBack",
]);

interface DeployedVariant {
  VariantName: string;
  Image: string;
  /** Epoch ms. */
  ResolutionTime: number;
  Weight: number;
  /** Instances running now (CurrentInstanceCount). */
  InstanceCount: number;
  /** What autoscaling (or the config) asks for; differs from InstanceCount while instances start or stop. */
  DesiredInstanceCount?: number;
  ServerlessConfig?: ProductionVariant["ServerlessConfig"];
}

export interface EndpointRecord {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  EndpointStatus: EndpointStatus;
  FailureReason?: string;
  /** Epoch ms. */
  CreationTime: number;
  LastModifiedTime: number;
  /** The production variants the endpoint runs (a snapshot: AWS keeps serving even if the config is deleted). */
  Variants: ProductionVariant[];
  /** The config's DataCaptureConfig and AsyncInferenceConfig, snapshotted like the variants. */
  DataCaptureConfig?: DataCaptureConfig;
  AsyncInferenceConfig?: AsyncInferenceConfig;
  /** What is actually deployed, for DescribeEndpoint's ProductionVariants. */
  Deployed?: DeployedVariant[];
  /** The config an update is rolling out. */
  PendingConfigName?: string;
  PendingVariants?: ProductionVariant[];
  PendingSince?: number;
  Tags?: unknown[];
}

export interface Endpoints {
  CreateEndpoint(input: Record<string, unknown>): { EndpointArn: string };
  DescribeEndpoint(input: Record<string, unknown>): Record<string, unknown>;
  ListEndpoints(input: Record<string, unknown>): Record<string, unknown>;
  UpdateEndpoint(input: Record<string, unknown>): { EndpointArn: string };
  DeleteEndpoint(input: Record<string, unknown>): Record<string, never>;
  /** The endpoint record and its serving processes (InvokeEndpoint). */
  lookup(name: string): { record: EndpointRecord; variants: readonly LiveVariant[] } | undefined;
  /**
   * Starts fresh processes for the named variants and swaps them in (as SageMaker replaces unhealthy
   * instances); resolves to false when the endpoint is gone, busy with an operation, or a start fails.
   */
  replaceVariants(name: string, variantNames: readonly string[]): Promise<boolean>;
  /**
   * Moves a variant to `desired` instances (Application Auto Scaling): new processes answer before they
   * count, removed ones stop taking requests and drain first. False when the endpoint is busy or gone.
   */
  setInstanceCount(name: string, variantName: string, desired: number): Promise<boolean>;
  /** Brings the persisted endpoints back: serving ones restart, half-done operations finish. */
  restore(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the endpoint's current create/update/delete has finished (tests, faults). */
  settled(name: string): Promise<void>;
}

interface LiveEndpoint {
  variants: LiveVariant[];
  /** The create/update/delete in flight, if any. */
  operation?: { controller: AbortController; done: Promise<unknown> };
}

export function createEndpoints(
  scope: AccountScope,
  endpoints: RecordStore<EndpointRecord>,
  configs: RecordStore<EndpointConfigRecord>,
  serving: ServingDeps,
): Endpoints {
  const live = new Map<string, LiveEndpoint>();
  let closing = false;
  const key = (name: string) => name.toLowerCase();
  const notFound = (name: string): AwsApiError =>
    validationError(`Could not find endpoint "${sageMakerArn(scope, "endpoint", name)}".`);
  const liveOf = (name: string): LiveEndpoint => {
    let entry = live.get(key(name));
    if (!entry) {
      entry = { variants: [] };
      live.set(key(name), entry);
    }
    return entry;
  };
  const save = (record: EndpointRecord) => {
    if (closing) return;
    record.LastModifiedTime = Date.now();
    endpoints.put(record);
  };

  /** Runs one background operation per endpoint; a newer one (delete) aborts the older. */
  const runOperation = (name: string, work: (signal: AbortSignal) => Promise<void>) => {
    const entry = liveOf(name);
    const controller = new AbortController();
    const done = work(controller.signal).finally(() => {
      if (entry.operation?.controller === controller) entry.operation = undefined;
    });
    entry.operation = { controller, done };
  };

  const deployed = (
    variants: readonly ProductionVariant[],
    started: readonly LiveVariant[],
  ): DeployedVariant[] =>
    variants.map((pv) => ({
      VariantName: pv.VariantName,
      Image: started.find((s) => s.variantName === pv.VariantName)?.image ?? "",
      ResolutionTime: Date.now(),
      Weight: pv.InitialVariantWeight ?? 1,
      InstanceCount: started.filter((s) => s.variantName === pv.VariantName).length,
      DesiredInstanceCount: initialInstances(pv),
      ServerlessConfig: pv.ServerlessConfig,
    }));

  const failureReason = (error: unknown): string => {
    if (error instanceof VariantStartError) {
      return `The primary container for production variant ${error.variantName} did not pass the ping health check: ${error.message} Please check CloudWatch logs for this endpoint.`.slice(
        0,
        1024,
      );
    }
    return (error instanceof Error ? error.message : String(error)).slice(0, 1024);
  };

  async function create(record: EndpointRecord, signal: AbortSignal): Promise<void> {
    try {
      const started = await startVariants(serving, record.EndpointName, record.Variants, signal);
      if (signal.aborted || closing) {
        await Promise.allSettled(started.map((v) => v.close()));
        return;
      }
      liveOf(record.EndpointName).variants = started;
      record.EndpointStatus = "InService";
      record.FailureReason = undefined;
      record.Deployed = deployed(record.Variants, started);
      save(record);
    } catch (error) {
      if (signal.aborted || closing) return;
      record.EndpointStatus = "Failed";
      record.FailureReason = failureReason(error);
      save(record);
    }
  }

  async function update(
    record: EndpointRecord,
    variants: ProductionVariant[],
    configName: string,
    signal: AbortSignal,
  ) {
    let started: LiveVariant[];
    try {
      started = await startVariants(serving, record.EndpointName, variants, signal);
    } catch (error) {
      if (signal.aborted || closing) return;
      // As on AWS, the endpoint stays on the config it runs and FailureReason says why the update failed.
      record.EndpointStatus = "InService";
      record.FailureReason = failureReason(error);
      clearPending(record);
      save(record);
      return;
    }
    if (signal.aborted || closing) {
      await Promise.allSettled(started.map((v) => v.close()));
      return;
    }
    // The new processes answer before the old ones stop: no request sees a gap.
    const entry = liveOf(record.EndpointName);
    const old = entry.variants;
    entry.variants = started;
    record.EndpointConfigName = configName;
    record.Variants = variants;
    Object.assign(record, endpointFeatures(configs.get(configName)));
    record.Deployed = deployed(variants, started);
    record.EndpointStatus = "InService";
    record.FailureReason = undefined;
    clearPending(record);
    save(record);
    // Requests already sent to the old processes finish before those stop.
    await Promise.allSettled(
      old.map(async (v) => {
        await v.drained(INVOKE_TIMEOUT_MS);
        await v.close();
      }),
    );
  }

  async function remove(record: EndpointRecord, previous: Promise<unknown> | undefined): Promise<void> {
    await previous?.catch(() => {});
    const entry = live.get(key(record.EndpointName));
    await Promise.allSettled((entry?.variants ?? []).map((v) => v.close()));
    if (entry) entry.variants = [];
    if (closing) return;
    live.delete(key(record.EndpointName));
    endpoints.delete(record.EndpointName);
  }

  return {
    CreateEndpoint(input) {
      const v = createValidator();
      const name = resourceName(v, input.EndpointName, "endpointName");
      const configName = resourceName(v, input.EndpointConfigName, "endpointConfigName");
      validateTags(v, input.Tags, "tags");
      v.done();
      const arn = sageMakerArn(scope, "endpoint", name);
      if (endpoints.has(name)) throw validationError(`Cannot create already existing endpoint "${arn}".`);
      const config = configs.get(configName);
      if (!config) throw endpointConfigNotFound(scope, configName);
      const now = Date.now();
      const record: EndpointRecord = {
        EndpointName: name,
        EndpointArn: arn,
        EndpointConfigName: config.EndpointConfigName,
        EndpointStatus: "Creating",
        CreationTime: now,
        LastModifiedTime: now,
        Variants: structuredClone(config.ProductionVariants),
        ...endpointFeatures(config),
        Tags: input.Tags as unknown[] | undefined,
      };
      endpoints.put(record);
      runOperation(name, (signal) => create(record, signal));
      return { EndpointArn: arn };
    },
    DescribeEndpoint(input) {
      const name = requiredName(input.EndpointName, "endpointName");
      const record = endpoints.get(name);
      if (!record) throw notFound(name);
      return describe(record);
    },
    ListEndpoints(input) {
      const { page, nextToken } = listPage(endpoints.all(), input, {
        sortKeys: ["Name", "CreationTime", "Status"],
        statusValues: STATUS_VALUES,
        name: (e) => e.EndpointName,
        created: (e) => e.CreationTime,
        modified: (e) => e.LastModifiedTime,
        status: (e) => e.EndpointStatus,
      });
      return {
        Endpoints: page.map((e) => ({
          EndpointName: e.EndpointName,
          EndpointArn: e.EndpointArn,
          CreationTime: toEpochSeconds(e.CreationTime),
          LastModifiedTime: toEpochSeconds(e.LastModifiedTime),
          EndpointStatus: e.EndpointStatus,
        })),
        NextToken: nextToken,
      };
    },
    UpdateEndpoint(input) {
      const v = createValidator();
      const name = resourceName(v, input.EndpointName, "endpointName");
      const configName = resourceName(v, input.EndpointConfigName, "endpointConfigName");
      v.done();
      const record = endpoints.get(name);
      if (!record) throw notFound(name);
      if (record.EndpointStatus !== "InService") {
        throw validationError(
          record.EndpointStatus === "Failed"
            ? `Cannot update failed endpoint "${record.EndpointArn}". Delete it and create it again.`
            : `Cannot update in-progress endpoint "${record.EndpointArn}".`,
        );
      }
      const config = configs.get(configName);
      if (!config) throw endpointConfigNotFound(scope, configName);
      const variants = structuredClone(config.ProductionVariants);
      record.EndpointStatus = "Updating";
      record.PendingConfigName = config.EndpointConfigName;
      record.PendingVariants = variants;
      record.PendingSince = Date.now();
      save(record);
      runOperation(name, (signal) => update(record, variants, config.EndpointConfigName, signal));
      return { EndpointArn: record.EndpointArn };
    },
    DeleteEndpoint(input) {
      const name = requiredName(input.EndpointName, "endpointName");
      const record = endpoints.get(name);
      if (!record) throw notFound(name);
      if (record.EndpointStatus === "Deleting") return {};
      const previous = live.get(key(name))?.operation;
      previous?.controller.abort();
      record.EndpointStatus = "Deleting";
      clearPending(record);
      save(record);
      runOperation(name, () => remove(record, previous?.done));
      return {};
    },
    lookup(name) {
      const record = endpoints.get(name);
      if (!record) return undefined;
      return { record, variants: live.get(key(name))?.variants ?? [] };
    },
    async replaceVariants(name, variantNames) {
      const record = endpoints.get(name);
      const entry = live.get(key(name));
      const specs = record?.Variants.filter((v) => variantNames.includes(v.VariantName)) ?? [];
      if (
        !record ||
        !entry ||
        specs.length === 0 ||
        entry.operation ||
        !SERVING_STATUSES.has(record.EndpointStatus)
      ) {
        return false;
      }
      const controller = new AbortController();
      let replaced = false;
      const done = (async () => {
        let started: LiveVariant[];
        try {
          started = await startVariants(serving, record.EndpointName, specs, controller.signal);
        } catch {
          return;
        }
        // An update or delete that began meanwhile owns the endpoint now: this replacement is moot.
        if (controller.signal.aborted || closing || entry.operation?.controller !== controller) {
          await Promise.allSettled(started.map((v) => v.close()));
          return;
        }
        const names = new Set(specs.map((v) => v.VariantName));
        const old = entry.variants.filter((v) => names.has(v.variantName));
        entry.variants = [...entry.variants.filter((v) => !names.has(v.variantName)), ...started];
        replaced = true;
        await Promise.allSettled(old.map((v) => v.close()));
      })().finally(() => {
        if (entry.operation?.controller === controller) entry.operation = undefined;
      });
      entry.operation = { controller, done };
      await done;
      return replaced;
    },
    async setInstanceCount(name, variantName, desired) {
      const record = endpoints.get(name);
      const entry = live.get(key(name));
      const deployedVariant = record?.Deployed?.find((d) => d.VariantName === variantName);
      const spec = record?.Variants.find((v) => v.VariantName === variantName);
      if (!record || !entry || !deployedVariant || !spec || spec.ServerlessConfig || entry.operation)
        return false;
      if (record.EndpointStatus !== "InService" || closing) return false;
      deployedVariant.DesiredInstanceCount = desired;
      save(record);
      const controller = new AbortController();
      const owns = () => !controller.signal.aborted && !closing && entry.operation?.controller === controller;
      const done = resizeVariant({
        entry,
        variantName,
        desired,
        owns,
        start: () => startInstance(serving, record.EndpointName, spec, controller.signal),
        counted: (count) => {
          deployedVariant.InstanceCount = count;
          save(record);
        },
      }).finally(() => {
        if (entry.operation?.controller === controller) entry.operation = undefined;
      });
      entry.operation = { controller, done };
      return done;
    },
    async restore() {
      const restarts: Promise<void>[] = [];
      for (const record of endpoints.load()) {
        if (record.EndpointStatus === "Deleting") {
          endpoints.delete(record.EndpointName);
          continue;
        }
        if (record.EndpointStatus === "Failed" || record.EndpointStatus === "OutOfService") continue;
        // An update cut short by the restart is dropped: the endpoint comes back on its running config.
        clearPending(record);
        if (record.EndpointStatus !== "Creating") record.EndpointStatus = "InService";
        endpoints.put(record);
        const controller = new AbortController();
        const done = (async () => {
          try {
            const started = await startVariants(
              serving,
              record.EndpointName,
              record.Variants,
              controller.signal,
            );
            if (closing) {
              await Promise.allSettled(started.map((v) => v.close()));
              return;
            }
            liveOf(record.EndpointName).variants = started;
            record.EndpointStatus = "InService";
            record.Deployed = deployed(record.Variants, started);
          } catch (error) {
            if (closing) return;
            record.EndpointStatus = "Failed";
            record.FailureReason = failureReason(error);
          }
          save(record);
        })();
        liveOf(record.EndpointName).operation = { controller, done };
        restarts.push(done);
      }
      await Promise.allSettled(restarts);
    },
    async close() {
      closing = true;
      const entries = [...live.values()];
      for (const entry of entries) entry.operation?.controller.abort();
      await Promise.allSettled(entries.map((e) => e.operation?.done));
      await Promise.allSettled(entries.flatMap((e) => e.variants.map((v) => v.close())));
      live.clear();
    },
    async settled(name) {
      // An operation may chain into another (delete after create); wait until none is left.
      for (let op = live.get(key(name))?.operation; op; op = live.get(key(name))?.operation) {
        await op.done.catch(() => {});
        if (live.get(key(name))?.operation === op) break;
      }
    },
  };
}

function clearPending(record: EndpointRecord): void {
  record.PendingConfigName = undefined;
  record.PendingVariants = undefined;
  record.PendingSince = undefined;
}

function describe(record: EndpointRecord): Record<string, unknown> {
  return {
    EndpointName: record.EndpointName,
    EndpointArn: record.EndpointArn,
    EndpointConfigName: record.EndpointConfigName,
    ProductionVariants: record.Deployed?.map((d) => ({
      VariantName: d.VariantName,
      DeployedImages: [
        { SpecifiedImage: d.Image, ResolvedImage: d.Image, ResolutionTime: toEpochSeconds(d.ResolutionTime) },
      ],
      CurrentWeight: d.Weight,
      DesiredWeight: d.Weight,
      CurrentInstanceCount: d.InstanceCount,
      DesiredInstanceCount: d.DesiredInstanceCount ?? d.InstanceCount,
      CurrentServerlessConfig: d.ServerlessConfig,
      DesiredServerlessConfig: d.ServerlessConfig,
    })),
    EndpointStatus: record.EndpointStatus,
    FailureReason: record.FailureReason,
    DataCaptureConfig: dataCaptureSummary(record.DataCaptureConfig),
    AsyncInferenceConfig: record.AsyncInferenceConfig,
    CreationTime: toEpochSeconds(record.CreationTime),
    LastModifiedTime: toEpochSeconds(record.LastModifiedTime),
    PendingDeploymentSummary: record.PendingConfigName
      ? {
          EndpointConfigName: record.PendingConfigName,
          ProductionVariants: record.PendingVariants?.map((pv) => ({
            VariantName: pv.VariantName,
            DesiredWeight: pv.InitialVariantWeight ?? 1,
            DesiredInstanceCount: pv.ServerlessConfig ? undefined : pv.InitialInstanceCount,
            InstanceType: pv.InstanceType,
            DesiredServerlessConfig: pv.ServerlessConfig,
            VariantStatus: [{ Status: "Creating", StartTime: toEpochSeconds(record.PendingSince) }],
          })),
          StartTime: toEpochSeconds(record.PendingSince),
        }
      : undefined,
  };
}
