import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { availableParallelism } from "node:os";
import { join, relative, sep } from "node:path";
import type { ObjectStore } from "@mlship/core";
import type { LogStore } from "../logs/log-store.js";
import { TRANSFORM_LOG_GROUP } from "./arn.js";
import { dataProcessing } from "./data-processing.js";
import type { ModelRecord } from "./models.js";
import type { LocalRuntime, RunningModelServer } from "./runtime.js";
import { s3PrefixStore } from "./s3-prefix.js";
import { containerLaunch } from "./serving.js";
import type { RecordStore } from "./store.js";
import type { TransformJobRecord } from "./transform-jobs.js";
import { type FileTransform, RecordError, transformFile } from "./transform-run.js";

export interface TransformRunDeps {
  models: RecordStore<ModelRecord>;
  objectStore: ObjectStore;
  logs: LogStore;
  runtime: () => Promise<LocalRuntime>;
  /** Root for job working directories (downloaded input, outputs, the instances' /opt/ml). */
  workRoot: string;
  python?: string;
}

interface InputObject {
  /** Key relative to the input prefix (`part-1.csv`, `sub/x.csv`): names the output object. */
  key: string;
  file: string;
}

/**
 * Runs a transform job: fetches the input objects, starts one model server per instance (up to one per
 * object), shards the objects across instances by key, transforms each object into `<key>.out` and
 * uploads it. A file with a rejected record gets no output; the others still do, and the job fails.
 */
export async function runTransform(
  deps: TransformRunDeps,
  job: TransformJobRecord,
  signal: AbortSignal,
  onStarted: () => void,
): Promise<{ failure?: string }> {
  const model = deps.models.get(job.ModelName);
  if (!model) return { failure: `ClientError: Could not find model "${job.ModelName}".` };
  const launch = containerLaunch(model);
  if (typeof launch === "string") return { failure: `ClientError: ${launch}` };
  const work = join(deps.workRoot, job.TransformJobName.toLowerCase());
  const uri = job.TransformInput.DataSource.S3DataSource.S3Uri;
  let objects: InputObject[];
  try {
    objects = await inputObjects(deps.objectStore, uri, join(work, "input"));
  } catch {
    objects = [];
  }
  if (objects.length === 0) {
    return {
      failure: `ClientError: No S3 objects found under S3 URL "${uri}" given in input data source. Please ensure that the bucket exists in the selected region, and that objects exist under that S3 prefix.`,
    };
  }
  const count = Math.min(job.TransformResources.InstanceCount, objects.length);
  const shards = Array.from({ length: count }, (_, i) => objects.filter((_, j) => j % count === i));
  const instances: Array<{ server: RunningModelServer; agent: Agent; id: string }> = [];
  try {
    const runtime = await deps.runtime();
    // The instances start side by side, as SageMaker provisions them; any that fails fails the job.
    const starts = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const id = `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
        const stream = `${job.TransformJobName}/${id}`;
        deps.logs.ensureStream(TRANSFORM_LOG_GROUP, stream);
        const server = await runtime.startModelServer(
          {
            workDir: join(work, id),
            modelData: launch.modelData,
            program: launch.env.SAGEMAKER_PROGRAM,
            submitDirectory: launch.env.SAGEMAKER_SUBMIT_DIRECTORY,
            runtime: launch.runtimeKind,
            python: deps.python,
            port: 0,
            host: "127.0.0.1",
            workers: Math.min(job.MaxConcurrentTransforms ?? 1, availableParallelism()),
            env: { ...launch.env, ...job.Environment },
            objectStore: deps.objectStore,
            onLog: (line) => logLine(deps.logs, stream, line),
          },
          { signal },
        );
        instances.push({ server, agent: new Agent({ keepAlive: true, maxSockets: 64 }), id });
        await server.ready();
      }),
    );
    const failedStart = starts.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failedStart) throw failedStart.reason;
    onStarted();
    const failures = await Promise.all(
      instances.map((instance, i) => runShard(deps, job, instance, shards[i] ?? [], work, signal)),
    );
    const failed = failures.flat();
    if (failed.length === 0) return {};
    return {
      failure: `ClientError: ${failed.length} of ${objects.length} input file${objects.length === 1 ? "" : "s"} failed; first: ${failed[0]}. See job logs for more information.`,
    };
  } catch (error) {
    if (signal.aborted) return {};
    return { failure: `ClientError: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await Promise.allSettled(
      instances.map(async ({ server, agent }) => {
        agent.destroy();
        await server.close();
      }),
    );
  }
}

/** One instance's objects, one after another; returns what failed (`<key>: <why>`). */
async function runShard(
  deps: TransformRunDeps,
  job: TransformJobRecord,
  instance: { server: RunningModelServer; agent: Agent; id: string },
  shard: readonly InputObject[],
  work: string,
  signal: AbortSignal,
): Promise<string[]> {
  const stream = `${job.TransformJobName}/${instance.id}`;
  const settings: FileTransform = {
    serverUrl: instance.server.url,
    agent: instance.agent,
    contentType: job.TransformInput.ContentType,
    accept: job.TransformOutput.Accept,
    splitLines: job.TransformInput.SplitType === "Line",
    multiRecord: job.BatchStrategy !== "SingleRecord",
    maxPayloadBytes: (job.MaxPayloadInMB ?? 6) * 1024 * 1024,
    maxConcurrent: Math.max(1, job.MaxConcurrentTransforms ?? 1),
    assembleLines: job.TransformOutput.AssembleWith === "Line",
    dataProcessing: dataProcessing(
      job.DataProcessing,
      job.TransformInput.ContentType,
      job.TransformOutput.Accept,
    ),
    timeoutMs: (job.ModelClientConfig?.InvocationsTimeoutInSeconds ?? 600) * 1000,
    retries: job.ModelClientConfig?.InvocationsMaxRetries ?? 3,
    signal,
    dataLog: (message) => logLine(deps.logs, `${stream}/data-log`, message),
  };
  const failed: string[] = [];
  const outputPath = job.TransformOutput.S3OutputPath.replace(/\/+$/, "");
  for (const object of shard) {
    if (signal.aborted) break;
    const outFile = join(work, "output", `${object.key}.out`);
    try {
      const records = await transformFile(settings, object.file, outFile);
      await deps.objectStore.upload(outFile, `${outputPath}/${object.key}.out`);
      logLine(
        deps.logs,
        stream,
        `Transformed ${object.key}: ${records} records -> ${outputPath}/${object.key}.out`,
      );
    } catch (error) {
      if (signal.aborted) break;
      const why =
        error instanceof RecordError ? error.message : `Could not transform: ${(error as Error).message}`;
      logLine(deps.logs, `${stream}/data-log`, `${object.key}: ${why}`);
      logLine(deps.logs, stream, `Failed to transform ${object.key}: ${why}`);
      failed.push(`${object.key}: ${why}`);
    }
  }
  return failed;
}

/** The input objects, sorted by key as S3 lists them: the object named by the URI, or every object under it. */
async function inputObjects(store: ObjectStore, uri: string, dir: string): Promise<InputObject[]> {
  const files = await s3PrefixStore(store).download(uri, dir);
  return files
    .map((file) => ({ key: relative(dir, file).split(sep).join("/"), file }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function logLine(logs: LogStore, stream: string, message: string): void {
  logs.append(TRANSFORM_LOG_GROUP, stream, [{ timestamp: Date.now(), message }]);
}
