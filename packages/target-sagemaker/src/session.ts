import type { S3Client } from "@aws-sdk/client-s3";
import { type DataStager, MlshipError, untilAborted } from "@mlship/core";
import { bucketExists, defaultBucketName, ensureBucket, S3DataStager, wrapAwsError } from "@mlship/data-s3";
import type { LogsApi, RuntimeApi, SageMakerApi, StsApi } from "./api.js";
import type { AsyncRuntimeApi, AutoScalingApi } from "./autoscaling-api.js";
import { resolveRole } from "./training-request.js";
import type { TuningApi } from "./tuning-api.js";
import { DEFAULT_POLL, type PollOptions } from "./wait.js";

/** Everything the target talks to: narrow ports for SageMaker/Logs/Runtime/STS, the caller's S3 client. */
export interface SageMakerDeps {
  api: SageMakerApi;
  /** Hyperparameter tuning calls (tune, and deploying a tuning job's best training job). */
  tuning?: TuningApi;
  logs: LogsApi;
  runtime: RuntimeApi;
  sts: StsApi;
  s3: S3Client;
  /** Application Auto Scaling, for deploys with `autoscaling` (and to deregister on delete). */
  autoscaling?: AutoScalingApi;
  /** InvokeEndpointAsync, for `invokeAsync`. */
  asyncRuntime?: AsyncRuntimeApi;
  /** The region, fixed or resolved from the SDK chain. */
  region: string | (() => Promise<string>);
  /** Execution role ARN; default `MLSHIP_SAGEMAKER_ROLE`. */
  role?: string;
  /** Bucket for code, output and staged data; default `sagemaker-<region>-<account>` (created if missing). */
  bucket?: string;
  /** Key prefix for staged training data (the seed's `prefix`; default data-s3's `mlship-data`). */
  prefix?: string;
  /** Stages local files handed as channels; default an S3DataStager on the same bucket. */
  stager?: DataStager;
  poll?: Partial<PollOptions>;
  /** Runtime base URL shown in Deployment.url (the endpoint override, or the public runtime host). */
  runtimeUrl?: string;
  env?: NodeJS.ProcessEnv;
}

/** Lazily resolved, memoised facts shared by train and deploy. */
export class Session {
  readonly deps: SageMakerDeps;
  readonly poll: PollOptions;
  #region?: Promise<string>;
  #bucket?: Promise<string>;
  #bucketName?: Promise<string>;
  #stager?: DataStager;

  constructor(deps: SageMakerDeps) {
    this.deps = deps;
    this.poll = { ...DEFAULT_POLL, ...deps.poll };
  }

  region(): Promise<string> {
    const { region } = this.deps;
    this.#region ??= (typeof region === "string" ? Promise.resolve(region) : region()).then((r) => {
      if (!r)
        throw new MlshipError("E_CONFIG", "No AWS region configured", {
          hint: "Pass `region` or set AWS_REGION.",
        });
      return r;
    });
    this.#region.catch(() => {
      this.#region = undefined;
    });
    return this.#region;
  }

  /**
   * The execution role: a per-call override, else the target's, else MLSHIP_SAGEMAKER_ROLE, else `fallback`
   * (a deploy's training job role); validated.
   */
  role(override?: string, fallback?: string): string {
    const env = this.deps.env ?? process.env;
    return resolveRole(override ?? this.deps.role ?? env.MLSHIP_SAGEMAKER_ROLE ?? fallback, env);
  }

  /** The bucket's name without creating it: the configured one, else `sagemaker-<region>-<account>`. */
  bucketName(signal?: AbortSignal): Promise<string> {
    this.#bucketName ??= (async () => {
      const region = await this.region();
      if (this.deps.bucket) return this.deps.bucket;
      let account: string | undefined;
      try {
        account = (await this.deps.sts.getCallerIdentity()).Account;
      } catch (e) {
        throw wrapAwsError(e, "Looking up the AWS account for the default bucket");
      }
      if (!account) throw new MlshipError("E_CREDENTIALS", "STS did not return an account id");
      return defaultBucketName(region, account);
    })();
    this.#bucketName.catch(() => {
      this.#bucketName = undefined;
    });
    return untilAborted(this.#bucketName, signal, "Finding the bucket");
  }

  /** Whether using the bucket creates it first: it is the SageMaker default one and does not exist yet. */
  async bucketMissing(signal?: AbortSignal): Promise<boolean> {
    if (this.deps.bucket) return false;
    return !(await bucketExists(this.deps.s3, await this.bucketName(signal)));
  }

  /** The bucket, created on first use when it is the SageMaker default one; `signal` stops the wait for it. */
  bucket(signal?: AbortSignal): Promise<string> {
    this.#bucket ??= (async () => {
      const bucket = await this.bucketName();
      if (!this.deps.bucket) await ensureBucket(this.deps.s3, bucket, await this.region());
      return bucket;
    })();
    this.#bucket.catch(() => {
      this.#bucket = undefined;
    });
    return untilAborted(this.#bucket, signal, "Finding the bucket");
  }

  async stager(): Promise<DataStager> {
    if (this.deps.stager) return this.deps.stager;
    this.#stager ??= new S3DataStager({
      client: this.deps.s3,
      region: await this.region(),
      bucket: await this.bucket(),
      ...(this.deps.prefix ? { prefix: this.deps.prefix } : {}),
    });
    return this.#stager;
  }

  async runtimeUrl(endpointName: string): Promise<string> {
    const base = this.deps.runtimeUrl ?? `https://runtime.sagemaker.${await this.region()}.amazonaws.com`;
    return `${base.replace(/\/$/, "")}/endpoints/${encodeURIComponent(endpointName)}/invocations`;
  }
}
