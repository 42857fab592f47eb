import { ECRClient } from "@aws-sdk/client-ecr";
import type { S3Client } from "@aws-sdk/client-s3";
import { MlshipError, type ModelResolver } from "@mlship/core";
import { awsClientConfig, createS3Client } from "@mlship/data-s3";
import { type KubeApi, kubeApi, loadKubeConfig } from "./kube.js";
import { DEFAULT_GATEWAY } from "./manifests.js";
import type { KymaExposureOptions, KymaTargetOptions } from "./options.js";
import { type EcrApi, ecrApi, ecrRegistryOf } from "./pull-secret.js";

/** The target's options and the clients it talks through, each made on first use. */
export interface KymaContext {
  readonly options: KymaTargetOptions;
  readonly region: string | undefined;
  now(): Date;
  kube(): KubeApi;
  s3(): S3Client;
  /** Training job -> model, code and image: the `models` option (core's model resolver service). */
  models: ModelResolver;
  /** An ECR client in the image registry's region. */
  ecrFor(image: string): EcrApi;
  /** The spec's namespace, else the target's, else the kubeconfig context's. */
  namespaceOf(spec?: KymaExposureOptions): string;
  gatewayOf(spec?: KymaExposureOptions): string;
}

/** Without a resolver only model URIs deploy: a training job is refused before anything is written. */
const noModelResolver: ModelResolver = {
  name: "none",
  async resolve(job) {
    throw new MlshipError("E_CONFIG", `Training job ${job} cannot be resolved: no model resolver was given`, {
      where: "model.trainingJob",
      hint: "Pass `models` (e.g. createSageMakerTarget(...).models), or deploy an s3:// model.tar.gz with sourceDir and entryPoint.",
    });
  },
};

export function createKymaContext(options: KymaTargetOptions): KymaContext {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const profile = options.profileName ?? options.profile;
  let kube: KubeApi | undefined;
  let s3: S3Client | undefined;
  // ECR tokens are regional: ask the registry's own region for one.
  const ecrClients = new Map<string, EcrApi>();
  const ecrFor = (image: string): EcrApi => {
    if (options.ecr) return options.ecr;
    const registryRegion = ecrRegistryOf(image)?.region ?? region;
    const key = registryRegion ?? "";
    let api = ecrClients.get(key);
    if (!api) {
      api = ecrApi(
        new ECRClient(awsClientConfig({ region: registryRegion, profile, endpoint: options.endpoint })),
      );
      ecrClients.set(key, api);
    }
    return api;
  };
  const context: KymaContext = {
    options,
    region,
    now: options.now ?? (() => new Date()),
    kube: () => {
      kube ??= options.kube ?? kubeApi(loadKubeConfig(options));
      return kube;
    },
    s3: () => {
      s3 ??= options.s3 ?? createS3Client({ region, profile, endpoint: options.endpoint });
      return s3;
    },
    models: options.models ?? noModelResolver,
    ecrFor,
    namespaceOf: (spec) => spec?.namespace ?? options.namespace ?? context.kube().defaultNamespace,
    gatewayOf: (spec) => spec?.gateway ?? options.gateway ?? DEFAULT_GATEWAY,
  };
  return context;
}
