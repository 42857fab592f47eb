import { createHash } from "node:crypto";
import type { KubeObject, KubeType } from "./kube.js";

export const TYPES = {
  namespace: { apiVersion: "v1", kind: "Namespace" },
  secret: { apiVersion: "v1", kind: "Secret" },
  service: { apiVersion: "v1", kind: "Service" },
  pod: { apiVersion: "v1", kind: "Pod" },
  deployment: { apiVersion: "apps/v1", kind: "Deployment" },
  apiRule: { apiVersion: "gateway.kyma-project.io/v2", kind: "APIRule" },
  gateway: { apiVersion: "networking.istio.io/v1", kind: "Gateway" },
  hpa: { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
} as const satisfies Record<string, KubeType>;

export const LABELS = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  /** Fingerprint of the pod template: tells this rollout's pods from older ones. */
  templateHash: "mlship.io/template-hash",
  istioInjection: "istio-injection",
} as const;

export const MANAGED_BY = "mlship";

export const ANNOTATIONS = {
  /** Where the model came from: `training-job/<name>` or the model.tar.gz URI. */
  source: "mlship.io/model-source",
  modelData: "mlship.io/model-data",
  sourceBundle: "mlship.io/source-bundle",
  entryPoint: "mlship.io/entry-point",
  /** The public host (when the domain is known). */
  host: "mlship.io/host",
  auth: "mlship.io/auth",
  /** When the ECR token in the pull secret stops working (ISO 8601). */
  pullSecretExpiresAt: "mlship.io/pull-secret-expires-at",
  pullSecretRegistry: "mlship.io/pull-secret-registry",
  /** When the presigned model/code URLs stop working (ISO 8601). */
  urlsExpireAt: "mlship.io/model-urls-expire-at",
  /** "true" when temporary AWS credentials signed the URLs (each carries their session token). */
  urlsTemporaryCredentials: "mlship.io/model-urls-temporary-credentials",
} as const;

export const SERVING_PORT = 8080;
export const MODEL_DIR = "/opt/ml/model";
export const CODE_DIR = "/opt/ml/model/code";
export const FETCH_CONTAINER = "fetch-model";
export const MODEL_CONTAINER = "model";
export const DEFAULT_GATEWAY = "kyma-system/kyma-gateway";

/** Istio's proxy uid: its outbound traffic skips the sidecar redirect, so an init container can reach S3. */
const ISTIO_PROXY_UID = 1337;

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

export const DEFAULT_RESOURCES: Resources = {
  requests: { cpu: "250m", memory: "512Mi" },
  limits: { memory: "1Gi" },
};

export type ApiAuth = { mode: "jwt"; issuer: string; jwksUri: string } | { mode: "noAuth" };

export interface DeploymentPlan {
  name: string;
  namespace: string;
  image: string;
  replicas: number;
  resources: Resources;
  environment: Record<string, string>;
  /** Human description of the model's source (annotation). */
  source: string;
  modelData: string;
  sourceBundle: string;
  entryPoint: string;
  region?: string;
  /** Name of the dockerconfigjson secret, when the image needs one. */
  pullSecret?: string;
  /** Name of the secret holding the presigned URLs. */
  urlsSecret: string;
  auth: ApiAuth;
  gateway: string;
  /** Public FQDN when known. */
  host?: string;
  /** An HPA owns the replica count: the Deployment leaves `replicas` to it. */
  autoscaled?: boolean;
}

export function pullSecretName(name: string): string {
  return `${name}-ecr-pull`;
}

export function urlsSecretName(name: string): string {
  return `${name}-model-urls`;
}

export function managedLabels(name: string): Record<string, string> {
  return { [LABELS.name]: name, [LABELS.instance]: name, [LABELS.managedBy]: MANAGED_BY };
}

export function selectorLabels(name: string): Record<string, string> {
  return { [LABELS.instance]: name, [LABELS.managedBy]: MANAGED_BY };
}

export function namespaceManifest(name: string, options: { created: boolean }): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        [LABELS.istioInjection]: "enabled",
        // Only a namespace mlship created carries managed-by: delete may remove only those.
        ...(options.created ? { [LABELS.managedBy]: MANAGED_BY } : {}),
      },
    },
  };
}

/** A `kubernetes.io/dockerconfigjson` secret for one registry; the password never leaves this object. */
export function pullSecretManifest(input: {
  name: string;
  namespace: string;
  owner: string;
  registry: string;
  username: string;
  password: string;
  expiresAt: string;
}): KubeObject {
  const auth = Buffer.from(`${input.username}:${input.password}`).toString("base64");
  const config = {
    auths: { [input.registry]: { username: input.username, password: input.password, auth } },
  };
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: managedLabels(input.owner),
      annotations: {
        [ANNOTATIONS.pullSecretExpiresAt]: input.expiresAt,
        [ANNOTATIONS.pullSecretRegistry]: input.registry,
      },
    },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
  };
}

export function urlsSecretManifest(input: {
  name: string;
  namespace: string;
  owner: string;
  modelUrl: string;
  sourceUrl: string;
  expiresAt: string;
  /** Signed with temporary credentials: each URL carries their session token. */
  temporaryCredentials?: boolean;
}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: managedLabels(input.owner),
      annotations: {
        [ANNOTATIONS.urlsExpireAt]: input.expiresAt,
        ...(input.temporaryCredentials ? { [ANNOTATIONS.urlsTemporaryCredentials]: "true" } : {}),
      },
    },
    type: "Opaque",
    data: {
      MODEL_URL: Buffer.from(input.modelUrl).toString("base64"),
      SOURCE_URL: Buffer.from(input.sourceUrl).toString("base64"),
    },
  };
}

/*
 * Runs in the inference image itself (it has Python), as Istio's proxy uid so its requests bypass the
 * not-yet-running sidecar. Fetches both archives from the presigned URLs, refuses entries that would land
 * outside the target directory, and never prints a URL (they grant read access until they expire).
 */
export const FETCH_SCRIPT = `
import os, shutil, sys, tarfile, urllib.error, urllib.request
MODEL_DIR = ${JSON.stringify(MODEL_DIR)}
CODE_DIR = ${JSON.stringify(CODE_DIR)}
def fail(msg):
    print("mlship-fetch: " + msg, file=sys.stderr, flush=True)
    sys.exit(1)
def fetch(var, label, dest):
    url = os.environ.get(var)
    if not url:
        fail(label + ": " + var + " is not set")
    try:
        with urllib.request.urlopen(url, timeout=300) as r, open(dest, "wb") as f:
            shutil.copyfileobj(r, f, 1024 * 1024)
    except urllib.error.HTTPError as e:
        hint = " (the presigned URL has expired: redeploy to issue fresh ones)" if e.code in (400, 403) else ""
        fail("downloading %s failed: HTTP %d %s%s" % (label, e.code, e.reason, hint))
    except Exception as e:
        fail("downloading %s failed: %s" % (label, type(e).__name__ + ": " + str(getattr(e, "reason", e))))
    print("mlship-fetch: %s: %d bytes" % (label, os.path.getsize(dest)), flush=True)
def inside(root, path):
    return path == root or path.startswith(root + os.sep)
def extract(archive, label, dest):
    os.makedirs(dest, exist_ok=True)
    root = os.path.realpath(dest)
    try:
        with tarfile.open(archive, "r:gz") as t:
            for m in t.getmembers():
                target = os.path.realpath(os.path.join(root, m.name))
                if not inside(root, target) or m.isdev():
                    fail("%s: unsafe entry %s" % (label, m.name))
                if (m.issym() or m.islnk()) and not inside(root, os.path.realpath(os.path.join(os.path.dirname(target), m.linkname))):
                    fail("%s: link %s points outside the archive" % (label, m.name))
            t.extractall(dest)
    except tarfile.TarError as e:
        fail("%s is not a valid .tar.gz: %s" % (label, e))
    os.remove(archive)
os.makedirs(CODE_DIR, exist_ok=True)
# Archives land in the emptyDir too: the image's root filesystem may be small or read-only.
MODEL_ARCHIVE = os.path.join(MODEL_DIR, ".mlship-model.tar.gz")
SOURCE_ARCHIVE = os.path.join(MODEL_DIR, ".mlship-sourcedir.tar.gz")
fetch("MODEL_URL", "model.tar.gz", MODEL_ARCHIVE)
extract(MODEL_ARCHIVE, "model.tar.gz", MODEL_DIR)
fetch("SOURCE_URL", "sourcedir.tar.gz", SOURCE_ARCHIVE)
extract(SOURCE_ARCHIVE, "sourcedir.tar.gz", CODE_DIR)
print("mlship-fetch: model ready in " + MODEL_DIR, flush=True)
`.trimStart();

function resourcesOf(r: Resources): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const key of ["requests", "limits"] as const) {
    const list = r[key];
    if (!list) continue;
    const entries = Object.entries(list).filter((e): e is [string, string] => typeof e[1] === "string");
    if (entries.length > 0) out[key] = Object.fromEntries(entries);
  }
  return out;
}

export function deploymentManifest(plan: DeploymentPlan): KubeObject {
  // One entry per name: server-side apply rejects an env list with duplicate names. The user's
  // environment overrides the defaults (as on SageMaker), except where the code lives.
  const defaults: Record<string, string> = {
    SAGEMAKER_CONTAINER_LOG_LEVEL: "20",
    ...(plan.region ? { SAGEMAKER_REGION: plan.region } : {}),
  };
  const user = Object.entries(plan.environment)
    .filter(([k]) => k !== "SAGEMAKER_PROGRAM" && k !== "SAGEMAKER_SUBMIT_DIRECTORY")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const env: Array<Record<string, unknown>> = [
    { name: "SAGEMAKER_PROGRAM", value: plan.entryPoint },
    { name: "SAGEMAKER_SUBMIT_DIRECTORY", value: CODE_DIR },
    ...Object.entries(defaults).map(([name, value]) => ({ name, value: plan.environment[name] ?? value })),
    ...user.filter(([k]) => !(k in defaults)).map(([name, value]) => ({ name, value })),
  ];
  const volumeMount = { name: "model", mountPath: MODEL_DIR };
  const podSpec: Record<string, unknown> = {
    ...(plan.pullSecret ? { imagePullSecrets: [{ name: plan.pullSecret }] } : {}),
    volumes: [{ name: "model", emptyDir: {} }],
    initContainers: [
      {
        name: FETCH_CONTAINER,
        image: plan.image,
        command: ["python3", "-c", FETCH_SCRIPT],
        env: [
          { name: "MODEL_URL", valueFrom: { secretKeyRef: { name: plan.urlsSecret, key: "MODEL_URL" } } },
          { name: "SOURCE_URL", valueFrom: { secretKeyRef: { name: plan.urlsSecret, key: "SOURCE_URL" } } },
        ],
        securityContext: { runAsUser: ISTIO_PROXY_UID, runAsNonRoot: true, allowPrivilegeEscalation: false },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
        volumeMounts: [volumeMount],
      },
    ],
    containers: [
      {
        name: MODEL_CONTAINER,
        image: plan.image,
        // The SageMaker containers start their model server with `serve`, as SageMaker hosting runs them.
        args: ["serve"],
        ports: [{ name: "http", containerPort: SERVING_PORT, protocol: "TCP" }],
        env,
        resources: resourcesOf(plan.resources),
        readinessProbe: {
          httpGet: { path: "/ping", port: SERVING_PORT },
          initialDelaySeconds: 5,
          periodSeconds: 10,
          timeoutSeconds: 5,
          failureThreshold: 3,
        },
        livenessProbe: {
          httpGet: { path: "/ping", port: SERVING_PORT },
          initialDelaySeconds: 30,
          periodSeconds: 15,
          timeoutSeconds: 5,
          failureThreshold: 4,
        },
        volumeMounts: [volumeMount],
      },
    ],
  };
  const templateAnnotations = {
    [ANNOTATIONS.modelData]: plan.modelData,
    [ANNOTATIONS.sourceBundle]: plan.sourceBundle,
  };
  // Same inputs -> same hash -> no rollout on a no-op redeploy; a new model or setting rolls the pods.
  const hash = createHash("sha256")
    .update(JSON.stringify([podSpec, templateAnnotations]))
    .digest("hex")
    .slice(0, 10);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: plan.name,
      namespace: plan.namespace,
      labels: { ...managedLabels(plan.name), [LABELS.component]: "inference" },
      annotations: {
        [ANNOTATIONS.source]: plan.source,
        [ANNOTATIONS.modelData]: plan.modelData,
        [ANNOTATIONS.sourceBundle]: plan.sourceBundle,
        [ANNOTATIONS.entryPoint]: plan.entryPoint,
        [ANNOTATIONS.auth]: plan.auth.mode,
        ...(plan.host ? { [ANNOTATIONS.host]: plan.host } : {}),
      },
    },
    spec: {
      ...(plan.autoscaled ? {} : { replicas: plan.replicas }),
      selector: { matchLabels: selectorLabels(plan.name) },
      template: {
        metadata: {
          labels: {
            ...managedLabels(plan.name),
            [LABELS.component]: "inference",
            [LABELS.templateHash]: hash,
          },
          annotations: templateAnnotations,
        },
        spec: podSpec,
      },
    },
  };
}

export function serviceManifest(plan: Pick<DeploymentPlan, "name" | "namespace">): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: plan.name, namespace: plan.namespace, labels: managedLabels(plan.name) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(plan.name),
      ports: [{ name: "http", port: SERVING_PORT, targetPort: SERVING_PORT, protocol: "TCP" }],
    },
  };
}

export function apiRuleManifest(
  plan: Pick<DeploymentPlan, "name" | "namespace" | "auth" | "gateway">,
): KubeObject {
  const access =
    plan.auth.mode === "jwt"
      ? { jwt: { authentications: [{ issuer: plan.auth.issuer, jwksUri: plan.auth.jwksUri }] } }
      : { noAuth: true };
  return {
    apiVersion: "gateway.kyma-project.io/v2",
    kind: "APIRule",
    metadata: { name: plan.name, namespace: plan.namespace, labels: managedLabels(plan.name) },
    spec: {
      hosts: [plan.name],
      gateway: plan.gateway,
      service: { name: plan.name, namespace: plan.namespace, port: SERVING_PORT },
      rules: [
        { path: "/ping", methods: ["GET"], ...access },
        { path: "/invocations", methods: ["POST"], ...access },
      ],
    },
  };
}
