import { ECRClient } from "@aws-sdk/client-ecr";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  abortError,
  type CredentialsRefresh,
  type Deployment,
  type DeployTarget,
  emit,
  isMlshipError,
  type ListOptions,
  MlshipError,
  type OperationContext,
  sleep,
} from "@mlship/core";
import { presignGetUrl } from "@mlship/data-s3";
import { type AwsClients, createAwsClients, type SageMakerApi, sageMakerApi } from "@mlship/target-sagemaker";
import { discoverDomain } from "./domain.js";
import { createKymaInvoker, TOKEN_ENV } from "./invoker.js";
import { type KubeApi, type KubeObject, kubeApi, loadKubeConfig } from "./kube.js";
import {
  ANNOTATIONS,
  type ApiAuth,
  apiRuleManifest,
  DEFAULT_GATEWAY,
  DEFAULT_RESOURCES,
  type DeploymentPlan,
  deploymentManifest,
  LABELS,
  MANAGED_BY,
  MODEL_CONTAINER,
  namespaceManifest,
  pullSecretName,
  type Resources,
  serviceManifest,
  TYPES,
  urlsSecretManifest,
  urlsSecretName,
} from "./manifests.js";
import { resolveModel } from "./model-source.js";
import type { KymaDeploySpec, KymaExposureOptions, KymaTargetOptions } from "./options.js";
import {
  buildPullSecret,
  type EcrApi,
  ecrApi,
  ecrRegistryOf,
  type PullSecretInfo,
  pullSecretInfo,
} from "./pull-secret.js";
import { type Failure, observe, rolloutState, warningEvents } from "./status.js";

export const TARGET_NAME = "kyma";
const DEFAULT_URL_EXPIRY_SECONDS = 7 * 24 * 3600;
const DEFAULT_WAIT_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 3_000;
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface KymaTarget extends DeployTarget {
  readonly name: "kyma";
  deploy(spec: KymaDeploySpec, ctx?: OperationContext): Promise<Deployment>;
  update(name: string, spec: Omit<KymaDeploySpec, "name">, ctx?: OperationContext): Promise<Deployment>;
  /** Renews the ECR pull secret of a deployment (tokens last 12 hours); returns its new expiry. */
  refreshPullSecret(name: string, ctx?: OperationContext): Promise<PullSecretInfo>;
  /** Renews the ECR pull secret (when the image is from ECR) and the presigned model URLs. */
  refreshCredentials(name: string, ctx?: OperationContext): Promise<CredentialsRefresh>;
}

function validateName(name: string): void {
  if (!NAME.test(name)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid deployment name "${name}" for Kyma`, {
      where: "name",
      hint: "Use 1-63 lowercase letters, digits and '-', starting with a letter (it names the Service and the host).",
    });
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// The APIRule v2 CRD's rule for spec.gateway.
const GATEWAY = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/;
const DOMAIN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

/** What the cluster would refuse (or misroute) only after earlier objects were written. */
function validatePlacement(namespace: string, gateway: string, domain: string | undefined): void {
  if (!DNS_LABEL.test(namespace)) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid namespace "${namespace}"`, {
      where: "namespace",
      hint: "Use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit.",
    });
  }
  if (!GATEWAY.test(gateway)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Invalid gateway "${gateway}": the APIRule needs namespace/name`,
      {
        where: "gateway",
        hint: `E.g. ${DEFAULT_GATEWAY} (the default).`,
      },
    );
  }
  if (domain !== undefined && (domain.length > 253 || !DOMAIN.test(domain))) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid domain "${domain}": expected a DNS name`, {
      where: "domain",
      hint: "Give the cluster's domain alone, without scheme, path or wildcard, e.g. c-1a2b.kyma.ondemand.com.",
    });
  }
}

// A Kubernetes resource quantity (no sign): 250m, 0.5, 512Mi, 1G, 1e3.
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Requests/limits as quantity strings (a JSON config may give numbers); anything else is refused up front. */
function checkResources(resources: Resources): Resources {
  const out: Resources = {};
  for (const kind of ["requests", "limits"] as const) {
    const list = resources[kind];
    if (list === undefined) continue;
    const checked: Record<string, string> = {};
    for (const [key, value] of Object.entries(list as Record<string, unknown>)) {
      if (value === undefined) continue;
      const text = typeof value === "number" && Number.isFinite(value) && value >= 0 ? String(value) : value;
      if (typeof text !== "string" || !QUANTITY.test(text)) {
        throw new MlshipError(
          "E_INVALID_INPUT",
          `resources.${kind}.${key} is not a Kubernetes quantity: ${JSON.stringify(value)}`,
          {
            where: `resources.${kind}.${key}`,
            hint: 'E.g. cpu "250m" or "1", memory "512Mi" or "2Gi" (binary suffixes Ki, Mi, Gi; "MB" is not one).',
          },
        );
      }
      checked[key] = text;
    }
    out[kind] = checked;
  }
  return out;
}

function isManaged(object: KubeObject | undefined): boolean {
  return object?.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
}

function resolveAuth(spec: KymaExposureOptions, options: KymaExposureOptions): ApiAuth {
  const requested = String(spec.auth ?? options.auth ?? "jwt");
  const mode = ["noauth", "none"].includes(requested.toLowerCase()) ? "noAuth" : requested;
  if (mode === "noAuth") return { mode };
  if (mode !== "jwt") {
    throw new MlshipError("E_INVALID_INPUT", `Unknown auth "${String(mode)}": use "jwt" or "noAuth"`, {
      where: "auth",
    });
  }
  const issuer = spec.jwtIssuer ?? options.jwtIssuer;
  const jwksUri = spec.jwksUri ?? options.jwksUri;
  if (!issuer || !jwksUri) {
    throw new MlshipError("E_CONFIG", "A jwt APIRule needs jwtIssuer and jwksUri", {
      where: issuer ? "jwksUri" : "jwtIssuer",
      hint:
        "E.g. SAP Cloud Identity Services: jwtIssuer https://<tenant>.accounts.ondemand.com, " +
        "jwksUri https://<tenant>.accounts.ondemand.com/oauth2/certs. Only if the model may be public, pass auth: noAuth.",
    });
  }
  for (const [field, value] of [
    ["jwtIssuer", issuer],
    ["jwksUri", jwksUri],
  ] as const) {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new MlshipError("E_INVALID_INPUT", `${field} must be an http(s) URL, got "${value}"`, {
        where: field,
      });
    }
  }
  return { mode, issuer, jwksUri };
}

function compact<T extends Record<string, unknown>>(o: T): T {
  for (const key of Object.keys(o)) if (o[key] === undefined) delete o[key];
  return o;
}

function deployFailed(name: string, failure: Failure): MlshipError {
  return new MlshipError("E_DEPLOY_FAILED", `Deploying ${name} to Kyma failed: ${failure.message}`, {
    where: failure.pod
      ? `pod/${failure.pod}${failure.container ? `/${failure.container}` : ""}`
      : `deployment/${name}`,
    ...(failure.hint ? { hint: failure.hint } : {}),
    details: compact({
      reason: failure.reason,
      pod: failure.pod,
      container: failure.container,
      logTail: failure.logTail,
    }),
  });
}

export function createKymaTarget(options: KymaTargetOptions = {}): KymaTarget {
  const now = options.now ?? (() => new Date());
  let kubeCache: KubeApi | undefined;
  const kube = (): KubeApi => {
    kubeCache ??= options.kube ?? kubeApi(loadKubeConfig(options));
    return kubeCache;
  };
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const profile = options.profileName ?? options.profile;
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
  const s3 = (): S3Client => options.s3 ?? awsClients().s3;
  const sagemaker = (): SageMakerApi => options.sagemaker ?? sageMakerApi(awsClients().sagemaker);
  const namespaceOf = (spec?: KymaExposureOptions) =>
    spec?.namespace ?? options.namespace ?? kube().defaultNamespace;
  const gatewayOf = (spec?: KymaExposureOptions) => spec?.gateway ?? options.gateway ?? DEFAULT_GATEWAY;

  async function ensureNamespace(name: string, label: boolean, ctx?: OperationContext): Promise<void> {
    let existing: KubeObject | undefined;
    try {
      existing = await kube().read(TYPES.namespace, undefined, name);
    } catch (error) {
      // Namespace-scoped credentials (a Kyma service account) may not read Namespace objects at all.
      if (!isMlshipError(error) || error.code !== "E_PERMISSION") throw error;
      emit(ctx, {
        type: "log",
        level: "warn",
        message: `Cannot read namespace ${name} with these credentials; assuming it exists with istio-injection=enabled`,
      });
      return;
    }
    if (!existing) {
      emit(ctx, {
        type: "deploy.status",
        name,
        status: "Creating",
        message: `Creating namespace ${name} (istio-injection=enabled)`,
      });
      await kube().apply(namespaceManifest(name, { created: true }));
      return;
    }
    if (existing.metadata.labels?.[LABELS.istioInjection] === "enabled") return;
    if (!label) {
      throw new MlshipError(
        "E_CONFIG",
        `Namespace ${name} does not have the label istio-injection=enabled: its pods would get no Istio sidecar and the APIRule could not reach them`,
        {
          where: `namespace/${name}`,
          hint: `Run \`kubectl label namespace ${name} istio-injection=enabled\`, or let mlship add the label (labelNamespace: true / --label-namespace).`,
        },
      );
    }
    emit(ctx, {
      type: "deploy.status",
      name,
      status: "Creating",
      message: `Labelling namespace ${name} istio-injection=enabled`,
    });
    await kube().apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { [LABELS.istioInjection]: "enabled" } },
    });
  }

  async function readManaged(type: (typeof TYPES)[keyof typeof TYPES], namespace: string, name: string) {
    const object = await kube().read(type, namespace, name);
    if (object && !isManaged(object)) {
      throw new MlshipError(
        "E_ALREADY_EXISTS",
        `${type.kind} ${namespace}/${name} exists and is not managed by mlship`,
        {
          where: `${type.kind.toLowerCase()}/${name}`,
          hint: "Choose another deployment name or namespace; mlship never takes over or deletes objects it did not create.",
        },
      );
    }
    return object;
  }

  /** The pull and URL secrets are written by name too: refuse someone else's before touching anything. */
  async function readManagedSecrets(namespace: string, name: string): Promise<void> {
    await readManaged(TYPES.secret, namespace, pullSecretName(name));
    await readManaged(TYPES.secret, namespace, urlsSecretName(name));
  }

  /** Lifetime of the presigned URLs; checked before anything is written. */
  function urlExpirySeconds(): number {
    const expiry = options.urlExpirySeconds ?? DEFAULT_URL_EXPIRY_SECONDS;
    if (!Number.isInteger(expiry) || expiry < 1 || expiry > DEFAULT_URL_EXPIRY_SECONDS) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        `urlExpirySeconds must be a whole number from 1 to ${DEFAULT_URL_EXPIRY_SECONDS} (7 days, S3's maximum), got ${expiry}`,
        { where: "urlExpirySeconds" },
      );
    }
    return expiry;
  }

  /** (Re)writes the Secret with presigned URLs the init container downloads the model and code from. */
  async function applyModelUrls(
    name: string,
    namespace: string,
    modelData: string,
    sourceBundle: string,
  ): Promise<string> {
    const expiry = urlExpirySeconds();
    const expiresAt = new Date(now().getTime() + expiry * 1000).toISOString();
    const [modelUrl, sourceUrl] = await Promise.all([
      presignGetUrl(s3(), modelData, expiry),
      presignGetUrl(s3(), sourceBundle, expiry),
    ]);
    await kube().apply(
      urlsSecretManifest({
        name: urlsSecretName(name),
        namespace,
        owner: name,
        modelUrl,
        sourceUrl,
        expiresAt,
      }),
    );
    return expiresAt;
  }

  async function managedDeployment(name: string): Promise<{ namespace: string; deployment: KubeObject }> {
    validateName(name);
    const namespace = namespaceOf();
    const deployment = await readManaged(TYPES.deployment, namespace, name);
    if (!deployment) {
      throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`, {
        where: `deployment/${name}`,
      });
    }
    await readManagedSecrets(namespace, name);
    return { namespace, deployment };
  }

  /** A fresh ECR pull secret for the deployment's image; undefined when the image is not from ECR. */
  async function renewPullSecret(
    name: string,
    namespace: string,
    deployment: KubeObject,
  ): Promise<PullSecretInfo | undefined> {
    const image = (
      (
        deployment.spec as {
          template?: { spec?: { containers?: Array<{ name: string; image?: string }> } };
        }
      ).template?.spec?.containers ?? []
    ).find((c) => c.name === MODEL_CONTAINER)?.image;
    const pull = image ? await buildPullSecret(ecrFor(image), { owner: name, namespace, image }) : undefined;
    if (pull) await kube().apply(pull.manifest);
    return pull?.info;
  }

  async function hostOf(deployment: KubeObject, spec?: KymaExposureOptions): Promise<string | undefined> {
    const recorded = deployment.metadata.annotations?.[ANNOTATIONS.host];
    if (recorded) return recorded;
    const domain = spec?.domain ?? options.domain ?? (await discoverDomain(kube(), gatewayOf(spec)));
    return domain ? `${deployment.metadata.name}.${domain}` : undefined;
  }

  async function secretsOf(namespace: string, name: string) {
    const [pull, urls] = await Promise.all([
      kube().read(TYPES.secret, namespace, pullSecretName(name)),
      kube().read(TYPES.secret, namespace, urlsSecretName(name)),
    ]);
    return {
      pull: pullSecretInfo(pull),
      urlsExpireAt: urls?.metadata.annotations?.[ANNOTATIONS.urlsExpireAt],
    };
  }

  function toDeployment(
    state: ReturnType<typeof rolloutState>,
    namespace: string,
    host: string | undefined,
    secrets: { pull?: PullSecretInfo | undefined; urlsExpireAt?: string | undefined },
  ): Deployment {
    const d = state.deployment as KubeObject;
    const annotations = d.metadata.annotations ?? {};
    const container = (
      (d.spec as { template?: { spec?: { containers?: Array<{ name: string; image?: string }> } } }).template
        ?.spec?.containers ?? []
    ).find((c) => c.name === MODEL_CONTAINER);
    const at = now().getTime();
    const details = compact({
      namespace,
      host,
      image: container?.image,
      auth: annotations[ANNOTATIONS.auth],
      modelData: annotations[ANNOTATIONS.modelData],
      sourceBundle: annotations[ANNOTATIONS.sourceBundle],
      entryPoint: annotations[ANNOTATIONS.entryPoint],
      replicas: state.replicas,
      apiRuleState: state.apiRuleState,
      apiRuleDescription: state.apiRuleDescription,
      message: state.message,
      pullSecret: secrets.pull?.name,
      pullSecretExpiresAt: secrets.pull?.expiresAt,
      pullSecretExpired: secrets.pull ? Date.parse(secrets.pull.expiresAt) <= at : undefined,
      modelUrlsExpireAt: secrets.urlsExpireAt,
      modelUrlsExpired: secrets.urlsExpireAt ? Date.parse(secrets.urlsExpireAt) <= at : undefined,
    });
    return compact({
      target: TARGET_NAME,
      name: d.metadata.name,
      status: state.status,
      url: host ? `https://${host}` : undefined,
      model: annotations[ANNOTATIONS.source],
      failureReason: state.failure?.message,
      instanceCount: state.replicas.desired,
      createdAt: d.metadata.creationTimestamp,
      details,
    }) as Deployment;
  }

  async function waitUntilReady(
    namespace: string,
    name: string,
    pull: PullSecretInfo | undefined,
    spec: KymaDeploySpec,
    ctx?: OperationContext,
  ): Promise<Deployment> {
    const timeout = options.waitTimeoutMs ?? DEFAULT_WAIT_MS;
    const started = Date.now();
    let last = "";
    for (;;) {
      if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${name}`);
      const state = await observe(kube(), namespace, name, pull);
      if (state.message !== last) {
        last = state.message;
        emit(ctx, { type: "deploy.status", name, status: state.status, message: state.message });
      }
      if (state.failure) throw deployFailed(name, state.failure);
      if (state.ready) {
        const host = state.deployment ? await hostOf(state.deployment, spec) : undefined;
        return toDeployment(state, namespace, host, await secretsOf(namespace, name));
      }
      if (Date.now() - started >= timeout) {
        const warnings = await warningEvents(kube(), namespace, name);
        throw new MlshipError(
          "E_TIMEOUT",
          `Deployment ${name} was not ready after ${Math.round(timeout / 1000)} s: ${state.message}${warnings.length > 0 ? `; recent warnings: ${warnings.join("; ")}` : ""}`,
          {
            where: `deployment/${name}`,
            hint: `Inspect it with \`kubectl -n ${namespace} describe deployment ${name}\` and \`kubectl -n ${namespace} get apirule ${name}\`; deploy again to keep waiting.`,
            details: compact({
              replicas: state.replicas,
              apiRuleState: state.apiRuleState,
              warnings: warnings.length > 0 ? warnings : undefined,
            }),
          },
        );
      }
      try {
        await sleep(options.pollIntervalMs ?? DEFAULT_POLL_MS, ctx?.signal);
      } catch {
        throw abortError(ctx?.signal as AbortSignal, `Deploying ${name}`);
      }
    }
  }

  async function deploy(spec: KymaDeploySpec, ctx?: OperationContext): Promise<Deployment> {
    validateName(spec.name);
    const name = spec.name;
    const namespace = namespaceOf(spec);
    const auth = resolveAuth(spec, options);
    const replicas = spec.instanceCount ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new MlshipError("E_INVALID_INPUT", `instanceCount must be a whole number >= 0, got ${replicas}`, {
        where: "instanceCount",
      });
    }
    validatePlacement(namespace, gatewayOf(spec), spec.domain ?? options.domain);
    urlExpirySeconds();
    const resources = checkResources(spec.resources ?? options.resources ?? DEFAULT_RESOURCES);
    // Checked before each write: an abort stops the deploy at the next step instead of after the last.
    const stopIfAborted = () => {
      if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${name}`);
    };
    stopIfAborted();
    emit(ctx, {
      type: "deploy.status",
      name,
      status: "Creating",
      message: `Deploying ${name} to namespace ${namespace}`,
    });
    const existing = await readManaged(TYPES.deployment, namespace, name);
    await readManaged(TYPES.service, namespace, name);
    await readManaged(TYPES.apiRule, namespace, name);
    await readManagedSecrets(namespace, name);
    // Everything that can fail without touching the cluster comes first.
    const model = await resolveModel(spec, { sagemaker, s3, namespace, ...(region ? { region } : {}) }, ctx);
    const gateway = gatewayOf(spec);
    const domain = spec.domain ?? options.domain ?? (await discoverDomain(kube(), gateway));
    const host = domain ? `${name}.${domain}` : undefined;
    if (!host) {
      emit(ctx, {
        type: "log",
        level: "warn",
        message: `Cannot read the domain from the ${gateway} Gateway: the deployment's URL stays unknown until you pass \`domain\``,
      });
    }
    stopIfAborted();
    await ensureNamespace(namespace, spec.labelNamespace ?? options.labelNamespace ?? false, ctx);

    const pull = await buildPullSecret(ecrFor(model.image), { owner: name, namespace, image: model.image });
    stopIfAborted();
    if (pull) {
      await kube().apply(pull.manifest);
      emit(ctx, {
        type: "deploy.status",
        name,
        status: "Creating",
        message: `ECR pull secret ${pull.info.name} valid until ${pull.info.expiresAt}`,
      });
    }
    stopIfAborted();
    const urlsExpireAt = await applyModelUrls(name, namespace, model.modelData, model.sourceBundle);

    const plan: DeploymentPlan = {
      name,
      namespace,
      image: model.image,
      replicas,
      resources,
      environment: spec.environment ?? {},
      source: model.source,
      modelData: model.modelData,
      sourceBundle: model.sourceBundle,
      entryPoint: model.entryPoint,
      ...(model.region ? { region: model.region } : {}),
      ...(pull ? { pullSecret: pull.info.name } : {}),
      urlsSecret: urlsSecretName(name),
      auth,
      gateway,
      ...(host ? { host } : {}),
    };
    stopIfAborted();
    await kube().apply(deploymentManifest(plan));
    await kube().apply(serviceManifest(plan));
    await kube().apply(apiRuleManifest(plan));
    // A redeploy away from an ECR image leaves no pull secret behind for `get` to report as due or expired.
    if (!pull && existing) await kube().remove(TYPES.secret, namespace, pullSecretName(name));
    emit(ctx, {
      type: "deploy.status",
      name,
      status: existing ? "Updating" : "Creating",
      message: `Applied Deployment, Service and APIRule ${name} (${auth.mode})${host ? ` for https://${host}` : ""}`,
    });
    if (spec.wait === false) {
      const state = rolloutState(
        await kube().read(TYPES.deployment, namespace, name),
        await kube().read(TYPES.apiRule, namespace, name),
      );
      return toDeployment(state, namespace, host, { pull: pull?.info, urlsExpireAt });
    }
    return waitUntilReady(namespace, name, pull?.info, spec, ctx);
  }

  async function get(name: string, inNamespace?: string): Promise<Deployment> {
    validateName(name);
    const namespace = inNamespace ?? namespaceOf();
    const deployment = await kube().read(TYPES.deployment, namespace, name);
    if (deployment && !isManaged(deployment)) {
      throw new MlshipError(
        "E_NOT_FOUND",
        `Deployment ${namespace}/${name} exists but was not deployed by mlship`,
        {
          where: `deployment/${name}`,
          details: { namespace },
        },
      );
    }
    if (!deployment) {
      throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`, {
        where: `deployment/${name}`,
        details: { namespace },
      });
    }
    const secrets = await secretsOf(namespace, name);
    const state = await observe(kube(), namespace, name, secrets.pull);
    if (!state.deployment)
      throw new MlshipError("E_NOT_FOUND", `No Kyma deployment ${name} in namespace ${namespace}`);
    return toDeployment(state, namespace, await hostOf(state.deployment), secrets);
  }

  return {
    name: TARGET_NAME,
    deploy,
    get: (name) => get(name),

    async list(listOptions?: ListOptions): Promise<Deployment[]> {
      const namespace = namespaceOf();
      const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
      const [deployments, rules] = await Promise.all([
        kube().list(TYPES.deployment, namespace, selector),
        kube().list(TYPES.apiRule, namespace, selector),
      ]);
      const domain = options.domain ?? (await discoverDomain(kube(), gatewayOf()));
      const out: Deployment[] = [];
      for (const d of deployments) {
        if (listOptions?.nameContains && !d.metadata.name.includes(listOptions.nameContains)) continue;
        const rule = rules.find((r) => r.metadata.name === d.metadata.name);
        const host =
          d.metadata.annotations?.[ANNOTATIONS.host] ?? (domain ? `${d.metadata.name}.${domain}` : undefined);
        out.push(toDeployment(rolloutState(d, rule), namespace, host, {}));
        if (listOptions?.maxResults && out.length >= listOptions.maxResults) break;
      }
      return out;
    },

    async update(name, spec, ctx) {
      // The deployment to update lives where the spec deploys to.
      await get(name, namespaceOf(spec));
      return deploy({ ...spec, name }, ctx);
    },

    async delete(name, ctx) {
      validateName(name);
      const namespace = namespaceOf();
      emit(ctx, {
        type: "deploy.status",
        name,
        status: "Deleting",
        message: `Deleting ${name} from namespace ${namespace}`,
      });
      // Refuse before removing anything if the name belongs to someone else.
      await readManaged(TYPES.deployment, namespace, name);
      const owned: Array<[(typeof TYPES)[keyof typeof TYPES], string]> = [
        [TYPES.apiRule, name],
        [TYPES.service, name],
        [TYPES.deployment, name],
        [TYPES.secret, urlsSecretName(name)],
        [TYPES.secret, pullSecretName(name)],
      ];
      for (const [type, objectName] of owned) {
        const object = await kube().read(type, namespace, objectName);
        if (object && isManaged(object)) await kube().remove(type, namespace, objectName);
      }
      const ns = await kube()
        .read(TYPES.namespace, undefined, namespace)
        .catch((error: unknown) => {
          if (isMlshipError(error) && error.code === "E_PERMISSION") return undefined;
          throw error;
        });
      if (isManaged(ns) && (await namespaceIsEmpty(kube(), namespace))) {
        emit(ctx, {
          type: "deploy.status",
          name,
          status: "Deleting",
          message: `Deleting namespace ${namespace} (created by mlship, now empty)`,
        });
        await kube().remove(TYPES.namespace, undefined, namespace);
      }
      emit(ctx, { type: "deploy.status", name, status: "NotFound", message: `Deleted ${name}` });
    },

    async invoker(name, ctx) {
      const deployment = await get(name);
      const auth = deployment.details?.auth;
      const url = options.invokeBaseUrl ?? deployment.url;
      if (!url) {
        throw new MlshipError("E_CONFIG", `The public host of ${name} is unknown`, {
          where: "domain",
          hint: "Pass `domain` (the cluster's domain, e.g. c-1a2b.kyma.ondemand.com) or invokeBaseUrl.",
        });
      }
      const token = options.token ?? process.env[TOKEN_ENV];
      if (auth === "jwt" && !token) {
        throw new MlshipError("E_CREDENTIALS", `${name} is protected by JWT and no token is configured`, {
          where: "token",
          hint: `Set ${TOKEN_ENV} (or the token option) to a bearer token from the issuer the APIRule trusts.`,
        });
      }
      return createKymaInvoker({
        url,
        ...(auth === "jwt" && token ? { token } : { anonymous: true }),
        ...(options.invokeTimeoutMs !== undefined ? { timeoutMs: options.invokeTimeoutMs } : {}),
        ...(options.invokeRetries !== undefined ? { retries: options.invokeRetries } : {}),
        ...(ctx?.events ? { events: ctx.events } : {}),
      });
    },

    async refreshPullSecret(name, ctx) {
      const { namespace, deployment } = await managedDeployment(name);
      const pull = await renewPullSecret(name, namespace, deployment);
      if (!pull) {
        throw new MlshipError(
          "E_INVALID_INPUT",
          `${name} does not run an ECR image: there is no pull secret to refresh`,
          { where: `deployment/${name}` },
        );
      }
      emit(ctx, {
        type: "deploy.status",
        name,
        status: "InService",
        message: `ECR pull secret ${pull.name} renewed until ${pull.expiresAt}`,
      });
      return pull;
    },

    async refreshCredentials(name, ctx) {
      urlExpirySeconds();
      const { namespace, deployment } = await managedDeployment(name);
      const annotations = deployment.metadata.annotations ?? {};
      const modelData = annotations[ANNOTATIONS.modelData];
      const sourceBundle = annotations[ANNOTATIONS.sourceBundle];
      if (!modelData || !sourceBundle) {
        throw new MlshipError("E_INVALID_INPUT", `${name} does not record where its model is`, {
          where: `deployment/${name}`,
          hint: "Deploy it again with mlship: that records the model and renews every credential.",
        });
      }
      const renewed: CredentialsRefresh["renewed"] = [];
      const pull = await renewPullSecret(name, namespace, deployment);
      if (pull) renewed.push({ credential: `ECR pull secret ${pull.name}`, expiresAt: pull.expiresAt });
      const urlsExpireAt = await applyModelUrls(name, namespace, modelData, sourceBundle);
      renewed.push({ credential: `model URLs (secret ${urlsSecretName(name)})`, expiresAt: urlsExpireAt });
      for (const r of renewed) {
        emit(ctx, {
          type: "deploy.status",
          name,
          status: "InService",
          message: `${r.credential} renewed until ${r.expiresAt}`,
        });
      }
      return { name, renewed };
    },
  };
}

const SYSTEM_CONFIGMAPS = new Set(["kube-root-ca.crt", "istio-ca-root-cert"]);

/** True when nothing but what Kubernetes/Istio put into every namespace is left. */
async function namespaceIsEmpty(kube: KubeApi, namespace: string): Promise<boolean> {
  const alive = (o: KubeObject) => !o.metadata.deletionTimestamp;
  const [deployments, services, rules, pods, secrets, configMaps] = await Promise.all([
    kube.list(TYPES.deployment, namespace),
    kube.list(TYPES.service, namespace),
    kube.list(TYPES.apiRule, namespace),
    kube.list(TYPES.pod, namespace),
    kube.list(TYPES.secret, namespace),
    kube.list({ apiVersion: "v1", kind: "ConfigMap" }, namespace),
  ]);
  return (
    deployments.filter(alive).length === 0 &&
    services.filter(alive).length === 0 &&
    rules.filter(alive).length === 0 &&
    pods.filter(alive).length === 0 &&
    secrets.filter((s) => alive(s) && s.type !== "kubernetes.io/service-account-token").length === 0 &&
    configMaps.filter((c) => alive(c) && !SYSTEM_CONFIGMAPS.has(c.metadata.name)).length === 0
  );
}
