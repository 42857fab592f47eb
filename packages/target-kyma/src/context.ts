import { ECRClient } from "@aws-sdk/client-ecr";
import type { S3Client } from "@aws-sdk/client-s3";
import { type AwsClients, createAwsClients, type SageMakerApi, sageMakerApi } from "@mlship/target-sagemaker";
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
  sagemaker(): SageMakerApi;
  /** An ECR client in the image registry's region. */
  ecrFor(image: string): EcrApi;
  /** The spec's namespace, else the target's, else the kubeconfig context's. */
  namespaceOf(spec?: KymaExposureOptions): string;
  gatewayOf(spec?: KymaExposureOptions): string;
}

export function createKymaContext(options: KymaTargetOptions): KymaContext {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const profile = options.profileName ?? options.profile;
  let kube: KubeApi | undefined;
  let aws: AwsClients | undefined;
  const awsClients = (): AwsClients => {
    aws ??= createAwsClients({
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    return aws;
  };
  // ECR tokens are regional: ask the registry's own region for one.
  const ecrClients = new Map<string, EcrApi>();
  const ecrFor = (image: string): EcrApi => {
    if (options.ecr) return options.ecr;
    const registryRegion = ecrRegistryOf(image)?.region ?? region;
    const key = registryRegion ?? "";
    let api = ecrClients.get(key);
    if (!api) {
      api = ecrApi(
        new ECRClient({
          ...(registryRegion ? { region: registryRegion } : {}),
          ...(profile ? { profile } : {}),
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        }),
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
    s3: () => options.s3 ?? awsClients().s3,
    sagemaker: () => options.sagemaker ?? sageMakerApi(awsClients().sagemaker),
    ecrFor,
    namespaceOf: (spec) => spec?.namespace ?? options.namespace ?? context.kube().defaultNamespace,
    gatewayOf: (spec) => spec?.gateway ?? options.gateway ?? DEFAULT_GATEWAY,
  };
  return context;
}
