import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { AsyncInferenceConfig } from "@aws-sdk/client-sagemaker";
import {
  type AsyncInvokeRequest,
  type AsyncInvokeResult,
  emit,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import { isNotFound, parseS3Uri, uploadFile, wrapAwsError } from "@mlship/data-s3";
import { destinationBucketMissing } from "./destinations.js";
import type { Session } from "./session.js";
import { sleep } from "./wait.js";

/** An asynchronous endpoint: where outputs go, optional SNS topics, and the per-instance concurrency. */
export interface AsyncInferenceInput {
  /** `s3://bucket/prefix` for `<InferenceId>.out` objects. */
  outputPath: string;
  /** `s3://...` for `<InferenceId>-error.out`; default: SageMaker writes errors under `outputPath`. */
  failurePath?: string;
  /** SNS topic ARNs notified on success / on error (passed through to SageMaker). */
  successTopic?: string;
  errorTopic?: string;
  /** Requests each instance works on at once; default: SageMaker chooses. */
  maxConcurrentInvocationsPerInstance?: number;
}

const S3_URI = /^s3:\/\/[^/]+(\/.*)?$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** AsyncInferenceConfig for CreateEndpointConfig; E_INVALID_INPUT before anything is created. */
export function buildAsyncInferenceConfig(input: AsyncInferenceInput): AsyncInferenceConfig {
  const bad = (where: string, message: string, hint: string) =>
    new MlshipError("E_INVALID_INPUT", message, { where, hint });
  for (const [where, uri] of [
    ["async.outputPath", input.outputPath],
    ["async.failurePath", input.failurePath],
  ] as const) {
    if (uri !== undefined && !S3_URI.test(uri)) {
      throw bad(where, `${where} must be an s3:// URI (got ${uri})`, "Use s3://<bucket>/<prefix>.");
    }
  }
  for (const [where, arn] of [
    ["async.successTopic", input.successTopic],
    ["async.errorTopic", input.errorTopic],
  ] as const) {
    if (arn !== undefined && !SNS_ARN.test(arn)) {
      throw bad(
        where,
        `${where} must be an SNS topic ARN (got ${arn})`,
        "Use arn:aws:sns:<region>:<account>:<topic>.",
      );
    }
  }
  const perInstance = input.maxConcurrentInvocationsPerInstance;
  if (
    perInstance !== undefined &&
    (!Number.isInteger(perInstance) || perInstance < 1 || perInstance > 1000)
  ) {
    throw bad(
      "async.maxConcurrentInvocationsPerInstance",
      `maxConcurrentInvocationsPerInstance must be 1-1000 (got ${perInstance})`,
      "Leave it out to let SageMaker choose.",
    );
  }
  const topics = {
    ...(input.successTopic ? { SuccessTopic: input.successTopic } : {}),
    ...(input.errorTopic ? { ErrorTopic: input.errorTopic } : {}),
  };
  return {
    ...(perInstance !== undefined
      ? { ClientConfig: { MaxConcurrentInvocationsPerInstance: perInstance } }
      : {}),
    OutputConfig: {
      S3OutputPath: input.outputPath,
      ...(input.failurePath ? { S3FailurePath: input.failurePath } : {}),
      ...(Object.keys(topics).length > 0 ? { NotificationConfig: topics } : {}),
    },
  };
}

export type { AsyncInvokeResult } from "@mlship/core";

/** Core's request, plus SageMaker's own inference id and the polling interval. */
export interface AsyncInvokeOptions extends AsyncInvokeRequest {
  inferenceId?: string;
  /** Give up waiting after this long (default 1 h, SageMaker's longest invocation). */
  timeoutMs?: number;
  /** Between checks for the output (default 1 s). */
  pollMs?: number;
}

/**
 * InvokeEndpointAsync as a library call: uploads `file` next to the bucket's other mlship objects (or uses
 * `inputLocation`), queues the request, then waits for SageMaker's output or error object, emitting
 * `invoke.async` events while it waits.
 */
export async function invokeAsync(
  session: Session,
  endpoint: string,
  options: AsyncInvokeOptions,
  ctx?: OperationContext,
): Promise<AsyncInvokeResult> {
  const api = session.deps.asyncRuntime;
  if (!api) {
    throw new MlshipError("E_CONFIG", "This SageMaker target has no asynchronous runtime client", {
      hint: "Create the target from connection options, or pass `asyncRuntime` with the other ports.",
    });
  }
  if ((options.file === undefined) === (options.inputLocation === undefined)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      "Asynchronous invoke needs exactly one of file or inputLocation",
      {
        where: "file",
        hint: "Pass a local file to upload, or the s3:// URI of an input already in S3.",
      },
    );
  }
  if (options.inputLocation !== undefined && !S3_URI.test(options.inputLocation)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `inputLocation must be an s3:// URI (got ${options.inputLocation})`,
      {
        where: "inputLocation",
      },
    );
  }
  let inputLocation = options.inputLocation;
  if (options.file !== undefined) {
    const bucket = await session.bucket(ctx?.signal);
    inputLocation = `s3://${bucket}/${endpoint}/async-inputs/${randomUUID()}/${basename(options.file)}`;
    await uploadFile(session.deps.s3, options.file, inputLocation, ctx);
  }
  let answer: { InferenceId?: string; OutputLocation?: string; FailureLocation?: string };
  try {
    answer = await api.invokeEndpointAsync(
      {
        EndpointName: endpoint,
        InputLocation: inputLocation as string,
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...(options.accept ? { Accept: options.accept } : {}),
        ...(options.inferenceId ? { InferenceId: options.inferenceId } : {}),
      },
      ctx?.signal ? { abortSignal: ctx.signal } : undefined,
    );
  } catch (e) {
    throw wrapAwsError(e, `Invoking ${endpoint} asynchronously`, {
      code: "E_INVOKE_FAILED",
      where: endpoint,
    });
  }
  const result: AsyncInvokeResult = {
    inferenceId: answer.InferenceId ?? "",
    inputLocation: inputLocation as string,
    outputLocation: answer.OutputLocation ?? "",
    ...(answer.FailureLocation ? { failureLocation: answer.FailureLocation } : {}),
    status: "Queued",
  };
  if (options.wait === false) return result;
  return waitForResult(session.deps.s3, result, options, ctx);
}

async function waitForResult(
  s3: S3Client,
  result: AsyncInvokeResult,
  options: AsyncInvokeOptions,
  ctx?: OperationContext,
): Promise<AsyncInvokeResult> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 3_600_000);
  const report = (status: AsyncInvokeResult["status"], location: string) =>
    emit(ctx, {
      type: "invoke.async",
      inferenceId: result.inferenceId,
      status,
      elapsedMs: Date.now() - started,
      location,
    });
  report("Queued", result.outputLocation);
  // SageMaker cannot write an answer into a bucket that is gone: without this the wait lasts until its timeout.
  if (await destinationBucketMissing(s3, result.outputLocation)) {
    throw new MlshipError(
      "E_NOT_FOUND",
      `The endpoint's output bucket ${parseS3Uri(result.outputLocation).bucket} does not exist: request ${result.inferenceId} was queued, but its answer cannot be written`,
      {
        where: result.outputLocation,
        hint: "Create the bucket, or redeploy the endpoint with an output path in a bucket that exists.",
        details: { ...result },
      },
    );
  }
  let lastReport = Date.now();
  for (;;) {
    const output = await readIfPresent(s3, result.outputLocation, ctx);
    if (output) {
      report("Completed", result.outputLocation);
      return { ...result, status: "Completed", output };
    }
    const failure = result.failureLocation ? await readIfPresent(s3, result.failureLocation, ctx) : undefined;
    if (failure) {
      report("Failed", result.failureLocation as string);
      return { ...result, status: "Failed", error: new TextDecoder().decode(failure) };
    }
    if (Date.now() > deadline) {
      throw new MlshipError(
        "E_TIMEOUT",
        `No output for asynchronous request ${result.inferenceId} after ${Math.round((Date.now() - started) / 1000)}s`,
        {
          where: result.outputLocation,
          hint: "It may still finish: look for the output later (mlship invoke --no-wait prints where).",
          details: { ...result },
        },
      );
    }
    if (Date.now() - lastReport >= 5_000) {
      report("Queued", result.outputLocation);
      lastReport = Date.now();
    }
    await sleep(options.pollMs ?? 1_000, ctx?.signal, `Waiting for ${result.outputLocation}`);
  }
}

/** The object's bytes, or undefined while it does not exist. */
async function readIfPresent(
  s3: S3Client,
  uri: string,
  ctx?: OperationContext,
): Promise<Uint8Array | undefined> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx?.signal });
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: ctx?.signal,
    });
    return (await got.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (e) {
    if (isNotFound(e) || (e as { name?: string }).name === "NotFound") return undefined;
    throw wrapAwsError(e, `Reading ${uri}`, { where: uri });
  }
}
