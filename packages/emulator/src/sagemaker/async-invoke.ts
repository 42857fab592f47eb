import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ObjectStore } from "@mlship/core";
import { AwsApiError } from "../aws-error.js";
import type { AccountScope } from "./arn.js";
import type { AsyncInferenceConfig } from "./endpoint-features.js";
import type { InvokeRequest, InvokeResponse } from "./invoke.js";

export interface AsyncInvokeRequest {
  endpointName: string;
  inputLocation?: string;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  inferenceId?: string;
  invocationTimeoutSeconds?: number;
}

export interface AsyncInvokeResponse {
  InferenceId: string;
  OutputLocation: string;
  FailureLocation: string;
}

export interface AsyncInvocations {
  invokeEndpointAsync(req: AsyncInvokeRequest): AsyncInvokeResponse;
  /** Resolves once every queued and running invocation has written its output or error object (tests). */
  idle(): Promise<void>;
  /** Drops queued requests. */
  close(): Promise<void>;
}

export interface AsyncDeps {
  scope: AccountScope;
  objectStore: ObjectStore;
  workDir: string;
  /** The endpoint's async config and running instance count, or undefined when there is no such endpoint. */
  endpoint(name: string): { name: string; config?: AsyncInferenceConfig; instances: number } | undefined;
  invoke(req: InvokeRequest): Promise<InvokeResponse>;
  /**
   * Appends a line to the endpoint's platform log, the `<variant>/<instance-id>/data-log` stream that SageMaker
   * writes for asynchronous endpoints (each line names the request's inference id); `variant` is the one that
   * answered, when one did.
   */
  dataLog(endpointName: string, variant: string | undefined, message: string): void;
}

/** Async payloads may be up to 1 GB; the model gets up to InvocationTimeoutSeconds (default 15 min, max 1 h). */
const MAX_ASYNC_BODY_BYTES = 1024 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 900;
/** SageMaker picks a value when MaxConcurrentInvocationsPerInstance is unset; the emulator uses 4. */
const DEFAULT_CONCURRENCY_PER_INSTANCE = 4;

interface Job {
  req: AsyncInvokeRequest;
  output: string;
  failure: string;
  inferenceId: string;
}

/**
 * InvokeEndpointAsync: requests queue per endpoint and run at most MaxConcurrentInvocationsPerInstance per
 * running instance at a time; each reads its input from S3, invokes the model like InvokeEndpoint (so it is
 * counted and captured too), and writes `<S3OutputPath>/<InferenceId>.out` or, when the model or the input
 * fails, `<S3FailurePath, else S3OutputPath>/<InferenceId>-error.out` with the error message.
 */
export function createAsyncInvocations(deps: AsyncDeps): AsyncInvocations {
  const queues = new Map<string, { waiting: Job[]; running: number }>();
  let busy = 0;
  let idleWaiters: Array<() => void> = [];
  let closing = false;
  mkdirSync(deps.workDir, { recursive: true });

  const pump = (key: string) => {
    const queue = queues.get(key);
    const endpoint = deps.endpoint(key);
    if (!queue || closing) return;
    const perInstance =
      endpoint?.config?.ClientConfig?.MaxConcurrentInvocationsPerInstance ?? DEFAULT_CONCURRENCY_PER_INSTANCE;
    const limit = perInstance * Math.max(1, endpoint?.instances ?? 1);
    while (queue.running < limit && queue.waiting.length > 0) {
      const job = queue.waiting.shift() as Job;
      queue.running++;
      void run(job).finally(() => {
        queue.running--;
        busy--;
        if (busy === 0) {
          for (const wake of idleWaiters) wake();
          idleWaiters = [];
        }
        pump(key);
      });
    }
  };

  async function run(job: Job): Promise<void> {
    const dir = mkdtempSync(join(deps.workDir, "async-"));
    let variant: string | undefined;
    const log = (message: string) =>
      deps.dataLog(job.req.endpointName, variant, `InferenceId ${job.inferenceId}: ${message}`);
    try {
      let result: { uri: string; body: Buffer; failed?: boolean };
      try {
        const [file] = await deps.objectStore.download(job.req.inputLocation as string, dir);
        const body = readFileSync(file as string);
        const out = await deps.invoke({
          endpointName: job.req.endpointName,
          body,
          contentType: job.req.contentType,
          accept: job.req.accept,
          customAttributes: job.req.customAttributes,
          inferenceId: job.inferenceId,
          limits: {
            maxBodyBytes: MAX_ASYNC_BODY_BYTES,
            timeoutMs: (job.req.invocationTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
          },
        });
        variant = out.invokedVariant;
        result = { uri: job.output, body: out.body };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`invocation failed: ${message}`);
        result = { uri: job.failure, body: Buffer.from(message), failed: true };
      }
      const file = join(dir, "result.out");
      writeFileSync(file, result.body);
      try {
        await deps.objectStore.upload(file, result.uri);
        log(`${result.failed ? "error" : "output"} written to ${result.uri}`);
      } catch (error) {
        // SageMaker counts these as ResponseUploadFailures; the request gets no output object at all.
        log(`ResponseUploadFailure: could not write ${result.uri}: ${(error as Error).message}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  return {
    invokeEndpointAsync(req) {
      const endpoint = deps.endpoint(req.endpointName);
      if (!endpoint) {
        throw new AwsApiError(
          "ValidationError",
          `Endpoint ${req.endpointName} of account ${deps.scope.accountId} not found.`,
        );
      }
      const output = endpoint.config?.OutputConfig;
      if (!output?.S3OutputPath) {
        throw new AwsApiError(
          "ValidationError",
          `Endpoint ${endpoint.name} of account ${deps.scope.accountId} is not an asynchronous endpoint (its endpoint config has no AsyncInferenceConfig with an S3OutputPath).`,
        );
      }
      if (!req.inputLocation?.startsWith("s3://")) {
        throw new AwsApiError(
          "ValidationError",
          `1 validation error detected: Value '${req.inputLocation ?? "null"}' at 'inputLocation' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$`,
        );
      }
      const inferenceId = req.inferenceId ?? randomUUID();
      const job: Job = {
        req,
        inferenceId,
        output: `${output.S3OutputPath.replace(/\/+$/, "")}/${inferenceId}.out`,
        failure: `${(output.S3FailurePath ?? output.S3OutputPath).replace(/\/+$/, "")}/${inferenceId}-error.out`,
      };
      const key = endpoint.name;
      const queue = queues.get(key) ?? { waiting: [], running: 0 };
      queues.set(key, queue);
      queue.waiting.push(job);
      busy++;
      pump(key);
      return { InferenceId: inferenceId, OutputLocation: job.output, FailureLocation: job.failure };
    },
    idle() {
      if (busy === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      // Queued requests are dropped; running ones finish on their own (their model call may take minutes).
      closing = true;
      for (const queue of queues.values()) {
        busy -= queue.waiting.length;
        queue.waiting = [];
      }
    },
  };
}
