import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import type { DescribeTransformJobCommandOutput, TransformInstanceType } from "@aws-sdk/client-sagemaker";
import {
  abortError,
  type BatchTransformRequest,
  type BatchTransformResult,
  emit,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import { downloadUri, isNotFound, uploadFile, wrapAwsError } from "@mlship/data-s3";
import { planModel } from "./deploy-plan.js";
import { buildCreateModelRequest } from "./hosting-requests.js";
import { LogTail, readTransformLogs, TRANSFORM_LOG_GROUP } from "./logs.js";
import { nameFromBase } from "./naming.js";
import type { Session } from "./session.js";
import { backoff, sleep } from "./wait.js";

export const DEFAULT_TRANSFORM_INSTANCE_TYPE = "ml.m5.large";
const ENDED = new Set(["Completed", "Failed", "Stopped"]);
const STOP_WAIT_MS = 5 * 60_000;

/**
 * Scores a staged table with SageMaker Batch Transform: the table goes to S3 in one part per instance
 * (streamed), the job splits it by line into mini-batches up to MaxPayloadInMB, the model sees only the
 * feature columns (InputFilter) and the output keeps the extra columns beside the scores (JoinSource
 * Input + OutputFilter). Outputs come back in input order. Aborting stops the job, then rejects.
 */
export async function runBatchTransform(
  session: Session,
  req: BatchTransformRequest,
  ctx?: OperationContext,
): Promise<BatchTransformResult> {
  validate(req);
  const base = "deployment" in req.model ? req.model.deployment : req.model.trainingJob;
  const job = nameFromBase(`${base}-transform`);
  const bucket = await session.bucket(ctx?.signal);
  const modelName = await transformModel(session, req, job, ctx);
  const prefix = `s3://${bucket}/${job}`;
  const parts = await splitInput(req, join(req.workDir, "input"));
  for (const [i, part] of parts.entries()) {
    await uploadFile(session.deps.s3, part, `${prefix}/input/${partName(i)}`, ctx);
  }
  const F = req.featureColumns;
  await aws(`Creating transform job ${job}`, () =>
    session.deps.api.createTransformJob({
      TransformJobName: job,
      ModelName: modelName,
      BatchStrategy: "MultiRecord",
      MaxPayloadInMB: req.maxPayloadMB ?? 6,
      MaxConcurrentTransforms: req.maxConcurrentTransforms ?? 4,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `${prefix}/input/` } },
        ContentType: "text/csv",
        SplitType: "Line",
      },
      TransformOutput: { S3OutputPath: `${prefix}/output`, Accept: "text/csv", AssembleWith: "Line" },
      TransformResources: {
        InstanceType: (req.instanceType ?? DEFAULT_TRANSFORM_INSTANCE_TYPE) as TransformInstanceType,
        InstanceCount: req.instanceCount ?? 1,
      },
      // The model reads the features; the output keeps the extra columns (row number, label, kept) and the scores.
      DataProcessing: { InputFilter: `$[0:${F - 1}]`, JoinSource: "Input", OutputFilter: `$[${F}:]` },
    }),
  );
  emit(ctx, { type: "transform.status", job, status: "InProgress" });
  const ended = await watch(session, job, ctx);
  if (ended.TransformJobStatus !== "Completed") {
    throw new MlshipError(
      "E_TRANSFORM_FAILED",
      `Transform job ${job} ${ended.TransformJobStatus}: ${ended.FailureReason ?? ""}`,
      {
        where: job,
        details: { status: ended.TransformJobStatus, failureReason: ended.FailureReason },
        hint: readTransformLogs(job),
      },
    );
  }
  const files = await downloadUri(session.deps.s3, `${prefix}/output/`, join(req.workDir, "output"), ctx);
  const outputs = parts.map((_, i) => files.find((f) => f.endsWith(`${partName(i)}.out`)));
  if (outputs.some((f) => f === undefined)) {
    throw new MlshipError(
      "E_TRANSFORM_FAILED",
      `Transform job ${job} wrote ${files.length} outputs for ${parts.length} inputs`,
      { where: `${prefix}/output/` },
    );
  }
  return { job, outputs: outputs as string[] };
}

function validate(req: BatchTransformRequest): void {
  const count = req.instanceCount ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new MlshipError("E_INVALID_INPUT", `instanceCount must be a positive integer (got ${count})`, {
      where: "instanceCount",
    });
  }
  if (req.featureColumns < 1 || req.extraColumns < 1) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      "A transform input needs feature columns and a row-number column",
      { where: "input" },
    );
  }
  const mb = req.maxPayloadMB ?? 6;
  if (!(mb >= 1 && mb <= 100)) {
    throw new MlshipError("E_INVALID_INPUT", `maxPayloadMB must be from 1 to 100 (got ${mb})`, {
      where: "maxPayloadMB",
    });
  }
}

const partName = (i: number) => `part-${String(i).padStart(5, "0")}.csv`;

/** The deployment's model as it is, or a model made from the training job (as a deploy would). */
async function transformModel(
  session: Session,
  req: BatchTransformRequest,
  job: string,
  ctx?: OperationContext,
): Promise<string> {
  const { api } = session.deps;
  if ("deployment" in req.model) {
    const name = req.model.deployment;
    const endpoint = await api.describeEndpoint({ EndpointName: name }).catch((e: unknown) => {
      if (isNotFound(e))
        throw new MlshipError("E_NOT_FOUND", `No SageMaker deployment named ${name}`, {
          where: name,
          cause: e,
        });
      throw wrapAwsError(e, `Describing endpoint ${name}`, { where: name });
    });
    const config = await aws(`Describing endpoint config of ${name}`, () =>
      api.describeEndpointConfig({ EndpointConfigName: endpoint.EndpointConfigName }),
    );
    const model = config.ProductionVariants?.[0]?.ModelName;
    if (!model) throw new MlshipError("E_NOT_FOUND", `Deployment ${name} has no model`, { where: name });
    return model;
  }
  const { model: plan, trainedRole } = await planModel(
    session,
    { name: job, model: { trainingJob: req.model.trainingJob, entryPoint: req.model.entryPoint } },
    job,
    ctx,
  );
  await aws(`Creating model ${job}`, async () =>
    api.createModel(
      buildCreateModelRequest({
        modelName: job,
        image: plan.image,
        role: session.role(undefined, trainedRole),
        region: await session.region(),
        modelDataUrl: plan.modelDataUrl,
        program: plan.program,
        submitDirectory: plan.submitDirectory,
      }),
    ),
  );
  return job;
}

/** One part per instance (consecutive rows, so the outputs concatenate back in input order). */
async function splitInput(req: BatchTransformRequest, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const count = Math.max(1, Math.min(req.instanceCount ?? 1, req.rows));
  const perPart = Math.ceil(req.rows / count);
  const files = Array.from({ length: count }, (_, i) => join(dir, partName(i)));
  let part = 0;
  let inPart = 0;
  let out = createWriteStream(files[0] as string);
  for await (const line of createInterface({
    input: createReadStream(req.input),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (inPart === perPart && part < count - 1) {
      out.end();
      await finished(out);
      out = createWriteStream(files[++part] as string);
      inPart = 0;
    }
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
    inPart++;
  }
  out.end();
  await finished(out);
  return files.slice(0, part + 1);
}

/** Polls DescribeTransformJob and tails the job's logs until it ends; an abort stops the job first. */
async function watch(
  session: Session,
  job: string,
  ctx?: OperationContext,
): Promise<DescribeTransformJobCommandOutput> {
  const tail = new LogTail(session.deps.logs, { group: TRANSFORM_LOG_GROUP, prefix: `${job}/` });
  const delays = backoff(session.poll);
  let last = "InProgress";
  for (;;) {
    try {
      const d = await session.deps.api.describeTransformJob(
        { TransformJobName: job },
        { abortSignal: ctx?.signal },
      );
      for (const e of await tail.poll(ctx?.signal)) emit(ctx, { type: "transform.log", job, ...e });
      const status = d.TransformJobStatus ?? "InProgress";
      if (status !== last) {
        last = status;
        emit(ctx, {
          type: "transform.status",
          job,
          status,
          ...(d.FailureReason ? { message: d.FailureReason } : {}),
        });
      }
      if (ENDED.has(status)) return d;
      await sleep(delays.next().value, ctx?.signal, `Waiting for transform job ${job}`);
    } catch (error) {
      if (!ctx?.signal?.aborted) throw error;
      await stopAndWait(session, job, ctx);
      throw abortError(ctx.signal, `Transform job ${job} (stopped)`);
    }
  }
}

/** StopTransformJob, then waits (without the aborted signal) until SageMaker reports it Stopped. */
async function stopAndWait(session: Session, job: string, ctx: OperationContext): Promise<void> {
  await aws(`Stopping transform job ${job}`, () =>
    session.deps.api.stopTransformJob({ TransformJobName: job }),
  );
  const deadline = Date.now() + STOP_WAIT_MS;
  const delays = backoff(session.poll);
  while (Date.now() < deadline) {
    const d = await aws(`Describing transform job ${job}`, () =>
      session.deps.api.describeTransformJob({ TransformJobName: job }),
    );
    if (ENDED.has(d.TransformJobStatus ?? "")) {
      emit(ctx, { type: "transform.status", job, status: d.TransformJobStatus as string });
      return;
    }
    await sleep(delays.next().value);
  }
}

async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw wrapAwsError(e, what, { code: "E_TRANSFORM_FAILED" });
  }
}
