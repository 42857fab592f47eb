// The Kyma target end to end over real wires: @kubernetes/client-node against the Kubernetes API test
// server, ECR GetAuthorizationToken and S3 presigning against the emulator with the real AWS SDK.

import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AutoscalingV2Api, KubeConfig } from "@kubernetes/client-node";
import { collectingSink, createContainer, createTargetPlugin, resolveDeployTarget } from "@mlship/core";
import { type Emulator, emulatorClientConfig } from "@mlship/emulator";
import { createSageMakerTarget } from "@mlship/target-sagemaker";
import {
  type KubeApiServer,
  type KubeObject,
  mlshipRejection,
  runReadmeExample,
  type SimulatedRollout,
  simulateControllers,
  startKubeApiServer,
  tempDir,
  validateApiRuleV2,
} from "@mlship/testing";
import { Deployment as DeploymentModel } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Namespace, Secret, Service } from "kubernetes-models/v1";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import plugin, { createKymaTarget, ecrApi, type KymaTarget, type KymaTargetOptions } from "./index.js";
import { kymaTargetOn, startEmulatorWithModel, stopEmulatorWithModel } from "./test/kyma-on-emulator.js";

const EXAMPLES = resolve(fileURLToPath(new URL("../../../examples", import.meta.url)));
const BUCKET = "kyma-models";
const MODEL = `s3://${BUCKET}/bc/output/model.tar.gz`;
const SOURCE = `s3://${BUCKET}/bc/source/sourcedir.tar.gz`;
const JWT = {
  jwtIssuer: "https://tenant.accounts.ondemand.com",
  jwksUri: "https://tenant.accounts.ondemand.com/oauth2/certs",
};
const T = {
  deployment: { apiVersion: "apps/v1", kind: "Deployment" },
  pod: { apiVersion: "v1", kind: "Pod" },
  apiRule: { apiVersion: "gateway.kyma-project.io/v2", kind: "APIRule" },
  namespace: { apiVersion: "v1", kind: "Namespace" },
  secret: { apiVersion: "v1", kind: "Secret" },
  service: { apiVersion: "v1", kind: "Service" },
};

let emulator: Emulator;
let s3: S3Client;
let ecr: ECRClient;
let kube: KubeApiServer;

beforeAll(async () => {
  ({ emulator, s3, ecr } = await startEmulatorWithModel(BUCKET, MODEL));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "bc/source/sourcedir.tar.gz", Body: "code" }));
}, 60_000);

afterAll(() => stopEmulatorWithModel({ emulator, s3, ecr }), 60_000);

type Scenario = "ready" | "imagePull" | "crash" | "fetchFail" | "apiRuleError" | "stuck";
let scenario: Scenario;

const ROLLOUTS: Record<Scenario, SimulatedRollout> = {
  ready: "ready",
  apiRuleError: "ready",
  imagePull: "imagePullBackOff",
  crash: "crashLoopBackOff",
  fetchFail: "initFailed",
  stuck: "pending",
};

/** Plays the cluster's controllers: pods for each rollout, Deployment and APIRule status. */
function controllers(server: KubeApiServer): void {
  simulateControllers(server, {
    rollout: () => ROLLOUTS[scenario],
    apiRule: () =>
      scenario === "apiRuleError"
        ? {
            state: "Error",
            description: "Validation error: host breast-cancer is occupied by APIRule other/x",
          }
        : { state: "Ready" },
    logs: {
      model: "Traceback (most recent call last):\nValueError: model.joblib is corrupt\n",
      "fetch-model":
        "mlship-fetch: downloading model.tar.gz failed: HTTP 403 Forbidden (the presigned URL has expired: redeploy to issue fresh ones)\n",
    },
  });
}

function kymaGateway(): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: "kyma-gateway", namespace: "kyma-system" },
    spec: {
      selector: { app: "istio-ingressgateway" },
      servers: [
        { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["*.c-1a2b.kyma.ondemand.com"] },
      ],
    },
  };
}

function makeTarget(extra: Partial<KymaTargetOptions> = {}): KymaTarget {
  return kymaTargetOn(kube, { s3, ecr }, { ...JWT, ...extra });
}

const spec = (name = "breast-cancer", extra: Record<string, unknown> = {}) => ({
  name,
  model: { modelData: MODEL, sourceDir: SOURCE, entryPoint: "inference.py" },
  ...extra,
});

beforeEach(async () => {
  scenario = "ready";
  kube = await startKubeApiServer({ contextNamespace: "ml", objects: [kymaGateway()] });
  controllers(kube);
});

afterEach(async () => {
  await kube.stop();
});

describe("deploy", () => {
  it("creates the namespace, pull secret, URLs, Deployment, Service and a jwt APIRule, then waits", async () => {
    const target = makeTarget();
    const events = collectingSink();
    const d = await target.deploy(spec(), { events });
    expect(d).toMatchObject({
      target: "kyma",
      name: "breast-cancer",
      status: "InService",
      url: "https://breast-cancer.c-1a2b.kyma.ondemand.com",
      model: MODEL,
      instanceCount: 1,
    });
    expect(d.details).toMatchObject({
      namespace: "ml",
      auth: "jwt",
      image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      pullSecret: "breast-cancer-ecr-pull",
      pullSecretExpired: false,
      modelUrlsExpired: false,
      apiRuleState: "Ready",
    });
    // Namespace created for Istio, marked as mlship's.
    const ns = kube.get(T.namespace, undefined, "ml");
    expect(ns?.metadata.labels).toMatchObject({
      "istio-injection": "enabled",
      "app.kubernetes.io/managed-by": "mlship",
    });
    // Every write is a server-side apply by field manager mlship.
    const writes = kube.requests.filter((r) => r.method !== "GET");
    expect(writes.length).toBeGreaterThanOrEqual(6);
    for (const w of writes) {
      expect(w).toMatchObject({
        method: "PATCH",
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "mlship", force: "true" },
      });
    }
    // What the cluster stored passes the Kubernetes schemas and the APIRule v2 schema.
    const stored = {
      deployment: kube.get(T.deployment, "ml", "breast-cancer") as KubeObject,
      service: kube.get(T.service, "ml", "breast-cancer") as KubeObject,
      pull: kube.get(T.secret, "ml", "breast-cancer-ecr-pull") as KubeObject,
      urls: kube.get(T.secret, "ml", "breast-cancer-model-urls") as KubeObject,
      rule: kube.get(T.apiRule, "ml", "breast-cancer") as KubeObject,
    };
    new DeploymentModel(stored.deployment as never).validate();
    new Service(stored.service as never).validate();
    new Secret(stored.pull as never).validate();
    new Secret(stored.urls as never).validate();
    new Namespace(ns as never).validate();
    expect(validateApiRuleV2({ ...stored.rule, status: undefined })).toEqual([]);
    // client-node's typed serialisation kept every field mlship sent (no dropped keys on the way).
    const pod = (stored.deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.volumes).toEqual([{ name: "model", emptyDir: {} }]);
    expect(pod.imagePullSecrets).toEqual([{ name: "breast-cancer-ecr-pull" }]);
    expect(pod.initContainers).toEqual([
      expect.objectContaining({
        name: "fetch-model",
        command: ["python3", "-c", expect.stringContaining("mlship-fetch")],
        securityContext: { runAsUser: 1337, runAsNonRoot: true, allowPrivilegeEscalation: false },
        volumeMounts: [{ name: "model", mountPath: "/opt/ml/model" }],
      }),
    ]);
    expect(pod.containers).toEqual([
      expect.objectContaining({
        name: "model",
        args: ["serve"],
        ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
        readinessProbe: expect.objectContaining({ httpGet: { path: "/ping", port: 8080 } }),
        livenessProbe: expect.objectContaining({ httpGet: { path: "/ping", port: 8080 } }),
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
      }),
    ]);
    expect(stored.deployment.metadata.labels).toMatchObject({
      "app.kubernetes.io/name": "breast-cancer",
      "app.kubernetes.io/instance": "breast-cancer",
      "app.kubernetes.io/managed-by": "mlship",
    });
    expect(stored.deployment.metadata.annotations?.["mlship.io/model-source"]).toBe(MODEL);
    expect((stored.rule.spec as { rules: Array<{ jwt?: unknown; noAuth?: unknown }> }).rules).toEqual([
      expect.objectContaining({
        path: "/ping",
        methods: ["GET"],
        jwt: { authentications: [{ issuer: JWT.jwtIssuer, jwksUri: JWT.jwksUri }] },
      }),
      expect.objectContaining({
        path: "/invocations",
        methods: ["POST"],
        jwt: { authentications: [{ issuer: JWT.jwtIssuer, jwksUri: JWT.jwksUri }] },
      }),
    ]);
    // The pull secret is a docker config for the image's registry, valid ~12 hours.
    expect(stored.pull.type).toBe("kubernetes.io/dockerconfigjson");
    const docker = JSON.parse(
      Buffer.from(
        (stored.pull.data as Record<string, string>)[".dockerconfigjson"] as string,
        "base64",
      ).toString(),
    );
    expect(Object.keys(docker.auths)).toEqual(["683313688378.dkr.ecr.us-east-1.amazonaws.com"]);
    const expires = Date.parse(String(d.details?.pullSecretExpiresAt));
    expect(expires - Date.now()).toBeGreaterThan(11 * 3600_000);
    // The presigned URL really fetches the model from S3 (the emulator), with no credentials.
    const modelUrl = Buffer.from(
      (stored.urls.data as Record<string, string>).MODEL_URL as string,
      "base64",
    ).toString();
    expect(modelUrl).toContain("X-Amz-Signature=");
    const res = await fetch(modelUrl);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    // Events: progress to InService, and no secrets in them.
    const statuses = events.of("deploy.status");
    expect(statuses.at(-1)).toMatchObject({ status: "InService" });
    const transcript = JSON.stringify(events.events);
    expect(transcript).not.toContain("X-Amz-Signature");
    expect(transcript).not.toContain(docker.auths["683313688378.dkr.ecr.us-east-1.amazonaws.com"].password);
  });

  it("updates in place on redeploy, and a repeated identical deploy changes nothing", async () => {
    const target = makeTarget();
    await target.deploy(spec());
    const first = kube.get(T.deployment, "ml", "breast-cancer") as KubeObject;
    const events = collectingSink();
    const d = await target.deploy(
      spec("breast-cancer", { instanceCount: 3, environment: { MODEL_SERVER_WORKERS: "2" } }),
      { events },
    );
    const second = kube.get(T.deployment, "ml", "breast-cancer") as KubeObject;
    expect(second.metadata.uid).toBe(first.metadata.uid);
    expect(second.metadata.generation).toBe(2);
    expect(d.instanceCount).toBe(3);
    expect(events.of("deploy.status").some((e) => e.status === "Updating")).toBe(true);
    const container = (
      second.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } }
    ).template.spec.containers[0];
    expect(container?.env.map((e) => e.name)).toContain("MODEL_SERVER_WORKERS");
    await target.deploy(
      spec("breast-cancer", { instanceCount: 3, environment: { MODEL_SERVER_WORKERS: "2" } }),
    );
    expect(kube.get(T.deployment, "ml", "breast-cancer")?.metadata.resourceVersion).toBe(
      second.metadata.resourceVersion,
    );
    // update() is deploy() for an existing name only.
    expect((await mlshipRejection(target.update("nope", spec("nope")))).code).toBe("E_NOT_FOUND");
    await target.update("breast-cancer", { ...spec(), instanceCount: 1 });
    expect(kube.get(T.deployment, "ml", "breast-cancer")?.spec).toMatchObject({ replicas: 1 });
  });

  it("update finds the deployment in the namespace its spec names", async () => {
    const target = makeTarget();
    await target.deploy(spec("breast-cancer", { namespace: "team-a" }));
    const d = await target.update("breast-cancer", {
      ...spec("breast-cancer", { namespace: "team-a" }),
      instanceCount: 2,
    });
    expect(d.details?.namespace).toBe("team-a");
    expect(kube.get(T.deployment, "team-a", "breast-cancer")?.spec).toMatchObject({ replicas: 2 });
    expect(kube.get(T.deployment, "ml", "breast-cancer")).toBeUndefined();
    const err = await mlshipRejection(
      target.update("breast-cancer", spec("breast-cancer", { namespace: "team-b" })),
    );
    expect(err.code).toBe("E_NOT_FOUND");
  });

  it("refuses an existing namespace without istio-injection, and labels it only when asked", async () => {
    kube.set({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    const target = makeTarget({ namespace: "team-a" });
    const err = await mlshipRejection(target.deploy(spec()));
    expect(err.code).toBe("E_CONFIG");
    expect(err.message).toContain("istio-injection=enabled");
    expect(err.hint).toContain("kubectl label namespace team-a istio-injection=enabled");
    expect(kube.get(T.deployment, "team-a", "breast-cancer")).toBeUndefined();
    await target.deploy(spec("breast-cancer", { labelNamespace: true }));
    const ns = kube.get(T.namespace, undefined, "team-a");
    expect(ns?.metadata.labels?.["istio-injection"]).toBe("enabled");
    expect(ns?.metadata.labels).not.toHaveProperty("app.kubernetes.io/managed-by");
    // Not created by mlship: delete leaves the namespace alone.
    await target.delete("breast-cancer");
    expect(kube.get(T.namespace, undefined, "team-a")).toBeDefined();
  });

  it("uses noAuth only when asked explicitly, and insists on issuer and JWKS for jwt", async () => {
    const bare = makeTarget({ jwtIssuer: undefined, jwksUri: undefined });
    const err = await mlshipRejection(bare.deploy(spec()));
    expect(err.code).toBe("E_CONFIG");
    expect(err.hint).toContain("noAuth");
    expect(kube.get(T.apiRule, "ml", "breast-cancer")).toBeUndefined();
    const d = await bare.deploy(spec("breast-cancer", { auth: "noAuth" }));
    expect(d.details?.auth).toBe("noAuth");
    const rule = kube.get(T.apiRule, "ml", "breast-cancer") as KubeObject;
    expect(
      (rule.spec as { rules: Array<Record<string, unknown>> }).rules.map((r) => [
        r.path,
        r.noAuth,
        "jwt" in r,
      ]),
    ).toEqual([
      ["/ping", true, false],
      ["/invocations", true, false],
    ]);
    expect((await bare.deploy(spec("cli-style", { auth: "none" }))).details?.auth).toBe("noAuth");
    expect((await mlshipRejection(bare.deploy(spec("typo", { auth: "jwk" })))).code).toBe("E_INVALID_INPUT");
    // Switching back to jwt replaces noAuth (server-side apply drops the fields mlship no longer sets).
    await makeTarget().deploy(spec());
    const again = kube.get(T.apiRule, "ml", "breast-cancer") as KubeObject;
    expect(validateApiRuleV2({ ...again, status: undefined })).toEqual([]);
    expect(
      (again.spec as { rules: Array<Record<string, unknown>> }).rules.every(
        (r) => "jwt" in r && !("noAuth" in r),
      ),
    ).toBe(true);
  });

  it("works with namespace-scoped credentials that cannot read Namespace objects", async () => {
    const scoped = await startKubeApiServer({
      contextNamespace: "team-b",
      namespaces: ["default", "kyma-system", { name: "team-b", labels: { "istio-injection": "enabled" } }],
      objects: [kymaGateway()],
      // A Kyma service account bound to one namespace: no Namespace reads, no access to kyma-system.
      authorize: (r) => r.namespace === "team-b",
    });
    const previous = kube;
    kube = scoped;
    controllers(scoped);
    try {
      const events = collectingSink();
      const d = await makeTarget().deploy(spec(), { events });
      expect(d.status).toBe("InService");
      expect(d.url).toBeUndefined();
      expect(events.of("log").map((e) => e.message)).toEqual([
        "Cannot read the domain from the kyma-system/kyma-gateway Gateway: the deployment's URL stays unknown until you pass `domain`",
        "Cannot read namespace team-b with these credentials; assuming it exists with istio-injection=enabled",
      ]);
      const withDomain = await makeTarget({ domain: "c-1a2b.kyma.ondemand.com" }).deploy(spec());
      expect(withDomain.url).toBe("https://breast-cancer.c-1a2b.kyma.ondemand.com");
      await makeTarget().delete("breast-cancer");
      expect(scoped.get(T.deployment, "team-b", "breast-cancer")).toBeUndefined();
      expect(scoped.get(T.namespace, undefined, "team-b")).toBeDefined();
    } finally {
      kube = previous;
      await scoped.stop();
    }
  });

  it("packs and uploads a local source dir next to the model", async () => {
    const code = tempDir("kyma-code-");
    writeFileSync(join(code, "inference.py"), "def model_fn(model_dir):\n    return None\n");
    const d = await makeTarget().deploy({
      name: "local-code",
      model: { modelData: MODEL, sourceDir: code, entryPoint: "inference.py" },
    });
    const uploaded = `s3://${BUCKET}/mlship/kyma/ml/local-code/sourcedir.tar.gz`;
    expect(d.details?.sourceBundle).toBe(uploaded);
    const urls = kube.get(T.secret, "ml", "local-code-model-urls") as KubeObject;
    const sourceUrl = Buffer.from(
      (urls.data as Record<string, string>).SOURCE_URL as string,
      "base64",
    ).toString();
    const res = await fetch(sourceUrl);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // gzip
  });

  it("never takes over objects it did not create", async () => {
    kube.set({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "ml", labels: { "istio-injection": "enabled" } },
    });
    kube.set({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "breast-cancer", namespace: "ml" },
      spec: {
        selector: { matchLabels: { app: "x" } },
        template: {
          metadata: { labels: { app: "x" } },
          spec: { containers: [{ name: "x", image: "nginx" }] },
        },
      },
    });
    const target = makeTarget();
    expect((await mlshipRejection(target.deploy(spec()))).code).toBe("E_ALREADY_EXISTS");
    expect((await mlshipRejection(target.delete("breast-cancer"))).code).toBe("E_ALREADY_EXISTS");
    expect(kube.get(T.deployment, "ml", "breast-cancer")?.metadata.labels).toBeUndefined();
  });

  it("never takes over or deletes a Secret it did not create that has its pull/URL secret's name", async () => {
    kube.set({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "ml", labels: { "istio-injection": "enabled" } },
    });
    const theirs = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "breast-cancer-model-urls", namespace: "ml" },
      type: "Opaque",
      data: { token: Buffer.from("theirs").toString("base64") },
    };
    kube.set(theirs);
    const target = makeTarget();
    const err = await mlshipRejection(target.deploy(spec()));
    expect(err.code).toBe("E_ALREADY_EXISTS");
    expect(err.where).toBe("secret/breast-cancer-model-urls");
    expect(kube.requests.filter((r) => r.method !== "GET")).toEqual([]);
    await target.delete("breast-cancer");
    const kept = kube.get(T.secret, "ml", "breast-cancer-model-urls");
    expect(kept?.metadata.labels).toBeUndefined();
    expect(kept?.data).toEqual(theirs.data);
    // A docker-registry secret of the pull secret's name (same type) would be overwritten just as silently.
    kube.set({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "other-ecr-pull", namespace: "ml" },
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from('{"auths":{}}').toString("base64") },
    });
    expect((await mlshipRejection(target.deploy(spec("other")))).where).toBe("secret/other-ecr-pull");
    expect(kube.get(T.secret, "ml", "other-ecr-pull")?.metadata.labels).toBeUndefined();
  });

  it("validates names and inputs before touching the cluster", async () => {
    const target = makeTarget();
    expect((await mlshipRejection(target.deploy(spec("Breast_Cancer")))).code).toBe("E_INVALID_INPUT");
    expect(
      (
        await mlshipRejection(
          target.deploy({
            name: "m",
            model: { modelData: "/local/model.tar.gz", sourceDir: SOURCE, entryPoint: "i.py" },
          }),
        )
      ).code,
    ).toBe("E_INVALID_INPUT");
    expect((await mlshipRejection(target.deploy({ name: "m", model: { modelData: MODEL } }))).code).toBe(
      "E_INVALID_INPUT",
    );
    expect((await mlshipRejection(target.deploy({ ...spec("m"), framework: "node" }))).code).toBe(
      "E_INVALID_INPUT",
    );
  });

  it("checks resources before writing anything, and keeps numeric quantities from a JSON config", async () => {
    const bad = await mlshipRejection(
      makeTarget().deploy(spec("m", { resources: { requests: { cpu: "250m", memory: "512MB" } } })),
    );
    expect({ code: bad.code, where: bad.where }).toEqual({
      code: "E_INVALID_INPUT",
      where: "resources.requests.memory",
    });
    expect(kube.requests.filter((r) => r.method !== "GET")).toEqual([]);
    await makeTarget({
      resources: { requests: { cpu: 1 as never, memory: "1Gi" }, limits: { cpu: 2 as never } },
    }).deploy(spec("m"));
    const d = kube.get(T.deployment, "ml", "m") as unknown as {
      spec: { template: { spec: { containers: Array<{ resources: unknown }> } } };
    };
    expect(d.spec.template.spec.containers[0]?.resources).toEqual({
      requests: { cpu: "1", memory: "1Gi" },
      limits: { cpu: "2" },
    });
  });

  it("refuses a bad namespace, gateway, domain or URL lifetime before writing anything", async () => {
    const cases: Array<[Record<string, unknown>, Partial<KymaTargetOptions>, string]> = [
      [{ namespace: "ML_Models" }, {}, "namespace"],
      [{ gateway: "kyma-gateway" }, {}, "gateway"],
      [{ domain: "https://c-1a2b.kyma.ondemand.com" }, {}, "domain"],
      [{}, { domain: "*.c-1a2b.kyma.ondemand.com" }, "domain"],
      [{}, { urlExpirySeconds: 30 * 24 * 3600 }, "urlExpirySeconds"],
      [{}, { urlExpirySeconds: 0 }, "urlExpirySeconds"],
    ];
    for (const [extra, options, where] of cases) {
      const err = await mlshipRejection(makeTarget(options).deploy(spec("m", extra)));
      expect({ code: err.code, where: err.where }).toEqual({ code: "E_INVALID_INPUT", where });
    }
    expect(kube.requests.filter((r) => r.method !== "GET")).toEqual([]);
    await makeTarget().deploy(spec());
    const writes = kube.requests.filter((r) => r.method !== "GET").length;
    const err = await mlshipRejection(
      makeTarget({ urlExpirySeconds: 8 * 24 * 3600 }).refreshCredentials("breast-cancer"),
    );
    expect(err.where).toBe("urlExpirySeconds");
    expect(kube.requests.filter((r) => r.method !== "GET").length).toBe(writes);
  });
});

describe("failures name their cause", () => {
  it("ImagePullBackOff points at the pull secret", async () => {
    scenario = "imagePull";
    const err = await mlshipRejection(makeTarget().deploy(spec()));
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.message).toContain("cannot pull its image (ImagePullBackOff");
    expect(err.hint).toContain("ECR pull secret breast-cancer-ecr-pull");
    expect(err.details).toMatchObject({ reason: "ImagePullBackOff" });
  });

  it("CrashLoopBackOff carries the container's last log lines", async () => {
    scenario = "crash";
    const err = await mlshipRejection(makeTarget().deploy(spec()));
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.message).toContain("keeps crashing (exit code 1)");
    expect(err.message).toContain("ValueError: model.joblib is corrupt");
    expect(err.details?.logTail).toEqual([
      "Traceback (most recent call last):",
      "ValueError: model.joblib is corrupt",
    ]);
  });

  it("an init container download failure says so", async () => {
    scenario = "fetchFail";
    const err = await mlshipRejection(makeTarget().deploy(spec()));
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.message).toContain(
      "could not download the model: mlship-fetch: downloading model.tar.gz failed: HTTP 403",
    );
    expect(err.hint).toContain("deploy again");
  });

  it("an APIRule in Error reports its description", async () => {
    scenario = "apiRuleError";
    const err = await mlshipRejection(makeTarget().deploy(spec()));
    expect(err.code).toBe("E_DEPLOY_FAILED");
    expect(err.message).toContain(
      "APIRule breast-cancer is in Error: Validation error: host breast-cancer is occupied",
    );
    const d = await makeTarget().get("breast-cancer");
    expect(d.status).toBe("Failed");
    expect(d.failureReason).toContain("occupied");
  });

  it("times out with what it saw last and the cluster's warnings", async () => {
    scenario = "stuck";
    kube.onWrite((e) => {
      if (e.type === "ADDED" && e.object.kind === "Pod") {
        kube.addEvent(e.object, {
          type: "Warning",
          reason: "FailedScheduling",
          message: "0/3 nodes are available: 3 Insufficient memory.",
        });
      }
    });
    const err = await mlshipRejection(makeTarget({ waitTimeoutMs: 300 }).deploy(spec()));
    expect(err.code).toBe("E_TIMEOUT");
    expect(err.message).toContain("0/1 replicas available");
    expect(err.message).toContain("FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.");
    expect(err.details?.warnings).toEqual([
      "FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.",
    ]);
  });

  it("an abort stops the wait", async () => {
    scenario = "stuck";
    const controller = new AbortController();
    const p = makeTarget({ waitTimeoutMs: 60_000 }).deploy(spec(), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user cancelled")), 100);
    expect((await mlshipRejection(p)).code).toBe("E_ABORTED");
  });
  it("an abort before or during the deploy's first steps writes nothing to the cluster", async () => {
    const target = makeTarget();
    const aborted = new AbortController();
    aborted.abort(new Error("user cancelled"));
    expect((await mlshipRejection(target.deploy(spec(), { signal: aborted.signal }))).code).toBe("E_ABORTED");
    // Aborted as soon as the deploy reports its start (the user pressed Ctrl-C).
    const controller = new AbortController();
    const p = target.deploy(spec(), {
      signal: controller.signal,
      events: () => controller.abort(new Error("user cancelled")),
    });
    expect((await mlshipRejection(p)).code).toBe("E_ABORTED");
    expect(kube.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });
});

describe("get, list, delete, pull secrets", () => {
  it("get and list show mlship's deployments only; delete removes everything, idempotently", async () => {
    const target = makeTarget();
    await target.deploy(spec("m1"));
    await target.deploy(spec("m2", { auth: "noAuth" }));
    kube.set({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "other", namespace: "ml" },
      spec: {
        selector: { matchLabels: { app: "o" } },
        template: {
          metadata: { labels: { app: "o" } },
          spec: { containers: [{ name: "o", image: "nginx" }] },
        },
      },
    });
    const list = await target.list();
    expect(list.map((d) => [d.name, d.status, d.url])).toEqual([
      ["m1", "InService", "https://m1.c-1a2b.kyma.ondemand.com"],
      ["m2", "InService", "https://m2.c-1a2b.kyma.ondemand.com"],
    ]);
    expect((await target.list({ nameContains: "2" })).map((d) => d.name)).toEqual(["m2"]);
    expect((await mlshipRejection(target.get("other"))).message).toContain("not deployed by mlship");
    expect((await mlshipRejection(target.get("ghost"))).code).toBe("E_NOT_FOUND");

    const events = collectingSink();
    await target.delete("m1", { events });
    for (const [type, name] of [
      [T.deployment, "m1"],
      [T.service, "m1"],
      [T.apiRule, "m1"],
      [T.secret, "m1-ecr-pull"],
      [T.secret, "m1-model-urls"],
    ] as const) {
      expect(kube.get(type, "ml", name)).toBeUndefined();
    }
    expect(events.of("deploy.status").at(-1)?.status).toBe("NotFound");
    await target.delete("m1");
    // m2 and someone else's Deployment are still there, so the namespace stays.
    expect(kube.get(T.namespace, undefined, "ml")).toBeDefined();
    kube.remove(T.deployment, "ml", "other");
    await target.delete("m2");
    // The namespace mlship created is removed once it is empty.
    expect(kube.get(T.namespace, undefined, "ml")).toBeUndefined();
    await target.delete("m2");
  });

  it("shows an expired pull secret and refreshes it", async () => {
    const target = makeTarget();
    await target.deploy(spec());
    const secret = kube.get(T.secret, "ml", "breast-cancer-ecr-pull") as KubeObject;
    const oldData = (secret.data as Record<string, string>)[".dockerconfigjson"];
    // Twelve hours later: the token in the secret no longer works.
    kube.set({
      ...secret,
      metadata: {
        ...secret.metadata,
        managedFields: undefined,
        annotations: {
          ...secret.metadata.annotations,
          "mlship.io/pull-secret-expires-at": "2026-01-01T00:00:00.000Z",
        },
      },
    });
    const before = await target.get("breast-cancer");
    expect(before.details).toMatchObject({
      pullSecretExpired: true,
      pullSecretExpiresAt: "2026-01-01T00:00:00.000Z",
    });
    const info = await target.refreshPullSecret("breast-cancer");
    expect(Date.parse(info.expiresAt)).toBeGreaterThan(Date.now());
    const after = await target.get("breast-cancer");
    expect(after.details).toMatchObject({ pullSecretExpired: false, pullSecretExpiresAt: info.expiresAt });
    const refreshed = kube.get(T.secret, "ml", "breast-cancer-ecr-pull") as KubeObject;
    expect((refreshed.data as Record<string, string>)[".dockerconfigjson"]).not.toBe(oldData);
    expect((await mlshipRejection(target.refreshPullSecret("ghost"))).code).toBe("E_NOT_FOUND");
  });

  it("renews every credential a running deployment depends on (refreshCredentials)", async () => {
    let clock = Date.parse("2026-11-01T00:00:00.000Z");
    const target = makeTarget({ now: () => new Date(clock) });
    await target.deploy(spec());
    const urls = () => kube.get(T.secret, "ml", "breast-cancer-model-urls") as KubeObject;
    // Eight days later the presigned model URLs (7 days) and the ECR token (12 hours) have expired.
    clock += 8 * 24 * 3600 * 1000;
    expect((await target.get("breast-cancer")).details).toMatchObject({ modelUrlsExpired: true });
    const events = collectingSink();
    const result = await target.refreshCredentials("breast-cancer", { events });
    expect(result.name).toBe("breast-cancer");
    expect(result.renewed.map((r) => r.credential)).toEqual([
      "ECR pull secret breast-cancer-ecr-pull",
      "model URLs (secret breast-cancer-model-urls)",
    ]);
    expect(result.renewed[1]?.expiresAt).toBe(new Date(clock + 7 * 24 * 3600 * 1000).toISOString());
    expect(urls().metadata.annotations?.["mlship.io/model-urls-expire-at"]).toBe(
      result.renewed[1]?.expiresAt,
    );
    expect((await target.get("breast-cancer")).details).toMatchObject({
      modelUrlsExpired: false,
      modelUrlsExpireAt: result.renewed[1]?.expiresAt,
    });
    expect(events.of("deploy.status")).toHaveLength(2);
    expect(JSON.stringify(events.events)).not.toMatch(/X-Amz-Signature|dockerconfigjson/);
    expect((await mlshipRejection(target.refreshCredentials("ghost"))).code).toBe("E_NOT_FOUND");
  });

  it("get, invoker and refreshCredentials refuse a name no Kyma deployment can have", async () => {
    const target = makeTarget();
    for (const name of ["", "Breast_Cancer", "a/b"]) {
      for (const call of [target.get(name), target.invoker(name), target.refreshCredentials(name)]) {
        const err = await mlshipRejection(call);
        expect({ code: err.code, where: err.where }).toEqual({ code: "E_INVALID_INPUT", where: "name" });
      }
    }
  });

  it("an image outside ECR needs no pull secret", async () => {
    const target = makeTarget();
    const d = await target.deploy(spec("custom", { image: "ghcr.io/acme/sklearn-serving:1" }));
    expect(d.details?.pullSecret).toBeUndefined();
    expect(kube.get(T.secret, "ml", "custom-ecr-pull")).toBeUndefined();
    expect((await mlshipRejection(target.refreshPullSecret("custom"))).code).toBe("E_INVALID_INPUT");
  });

  it("a redeploy from an ECR image to another registry removes the pull secret it no longer uses", async () => {
    const target = makeTarget();
    expect((await target.deploy(spec())).details?.pullSecret).toBe("breast-cancer-ecr-pull");
    const d = await target.deploy(spec("breast-cancer", { image: "ghcr.io/acme/sklearn-serving:1" }));
    expect(d.details?.pullSecret).toBeUndefined();
    expect(kube.get(T.secret, "ml", "breast-cancer-ecr-pull")).toBeUndefined();
    expect((await target.get("breast-cancer")).details).not.toHaveProperty("pullSecretExpiresAt");
  });
});

describe("autoscaling (HorizontalPodAutoscaler)", () => {
  const HPA = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" };
  const autoscalingApi = () => {
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig);
    return kc.makeApiClient(AutoscalingV2Api);
  };

  it("the `autoscaling` target option (the plugin's --min-instances/--max-instances/--target-cpu) plans an HPA; a spec's own wins", async () => {
    const target = makeTarget({
      autoscaling: { minInstances: 2, maxInstances: 4, targetCpuUtilization: 50 },
    });
    expect((await target.plan(spec("breast-cancer"))).changes).toContainEqual({
      action: "create",
      kind: "HorizontalPodAutoscaler",
      name: "ml/breast-cancer",
      reason: "2-4 replicas at 50 % CPU",
    });
    const own = spec("breast-cancer", { autoscaling: { minInstances: 1, maxInstances: 2 } });
    expect((await target.plan(own)).changes).toContainEqual(
      expect.objectContaining({ kind: "HorizontalPodAutoscaler", reason: "1-2 replicas at 70 % CPU" }),
    );
  });

  it("creates an autoscaling/v2 HPA on CPU the API server accepts, reports the status a controller writes, updates and deletes it", async () => {
    const target = makeTarget();
    const scaled = spec("breast-cancer", {
      instanceCount: 3,
      autoscaling: { minInstances: 2, maxInstances: 5, targetCpuUtilization: 60 },
    });
    const plan = await target.plan(scaled);
    expect(plan.changes).toContainEqual({
      action: "create",
      kind: "HorizontalPodAutoscaler",
      name: "ml/breast-cancer",
      reason: "2-5 replicas at 60 % CPU",
    });
    await target.apply(plan);
    const hpa = kube.get(HPA, "ml", "breast-cancer") as KubeObject;
    new HorizontalPodAutoscaler(hpa as never).validate();
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "breast-cancer" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } },
        },
      ],
    });
    // The HPA owns the replica count (mlship's apply leaves it out, so the server's default of 1 stands until
    // the HPA acts); utilisation is measured against the CPU request mlship sets.
    const deployment = kube.get(T.deployment, "ml", "breast-cancer") as KubeObject;
    const template = deployment.spec as {
      replicas?: number;
      template: { spec: { containers: Array<{ resources: unknown }> } };
    };
    expect(template.replicas).toBe(1);
    expect(template.template.spec.containers[0]?.resources).toMatchObject({ requests: { cpu: "250m" } });

    // As the HPA controller does: write the status subresource over the API.
    await autoscalingApi().replaceNamespacedHorizontalPodAutoscalerStatus({
      name: "breast-cancer",
      namespace: "ml",
      body: {
        ...(hpa as never as object),
        status: {
          currentReplicas: 2,
          desiredReplicas: 4,
          currentMetrics: [
            {
              type: "Resource",
              resource: { name: "cpu", current: { averageUtilization: 95, averageValue: "237m" } },
            },
          ],
        },
      } as never,
    });
    const got = await target.get("breast-cancer");
    expect(got.details?.autoscaling).toEqual({
      minInstances: 2,
      maxInstances: 5,
      targetCpuUtilization: 60,
      currentReplicas: 2,
      desiredReplicas: 4,
      currentCpuUtilization: 95,
    });

    // Redeploy with new limits updates the HPA in place; without autoscaling it goes.
    await target.deploy(spec("breast-cancer", { autoscaling: { minInstances: 1, maxInstances: 8 } }));
    expect((kube.get(HPA, "ml", "breast-cancer") as KubeObject).spec).toMatchObject({
      minReplicas: 1,
      maxReplicas: 8,
    });
    const unscaled = await target.plan(spec("breast-cancer"));
    expect(unscaled.changes).toContainEqual({
      action: "delete",
      kind: "HorizontalPodAutoscaler",
      name: "ml/breast-cancer",
      reason: "no autoscaling asked for",
    });
    await target.deploy(spec("breast-cancer", { autoscaling: { minInstances: 2, maxInstances: 3 } }));
    await target.delete("breast-cancer");
    expect(kube.get(HPA, "ml", "breast-cancer")).toBeUndefined();
    expect(kube.get(T.deployment, "ml", "breast-cancer")).toBeUndefined();
  });

  // The README's `example: autoscaling` block, run as written.
  it("runs the README's autoscaling example as written", async () => {
    // Plays the HPA controller: as soon as the HPA exists, it writes a status.
    const stop = kube.onWrite((event) => {
      if (event.object.kind === "HorizontalPodAutoscaler" && event.type === "ADDED") {
        kube.setStatus(
          { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" },
          "ml",
          "breast-cancer",
          {
            currentReplicas: 2,
            desiredReplicas: 3,
            currentMetrics: [
              { type: "Resource", resource: { name: "cpu", current: { averageUtilization: 75 } } },
            ],
          },
        );
      }
    });
    let printed: unknown[][];
    try {
      printed = await runReadmeExample(new URL("../README.md", import.meta.url), "autoscaling", {
        kyma: makeTarget(),
        model: spec().model,
      });
    } finally {
      stop();
    }
    expect(printed).toEqual([
      [
        {
          minInstances: 2,
          maxInstances: 5,
          targetCpuUtilization: 60,
          currentReplicas: 2,
          desiredReplicas: 3,
          currentCpuUtilization: 75,
        },
      ],
    ]);
    expect(kube.get(HPA, "ml", "breast-cancer")).toBeUndefined();
  });

  it("refuses bad limits before writing anything, and the API server refuses an invalid HPA with 422", async () => {
    const target = makeTarget();
    const error = await mlshipRejection(
      target.deploy(spec("breast-cancer", { autoscaling: { minInstances: 3, maxInstances: 2 } })),
    );
    expect(error).toMatchObject({ code: "E_INVALID_INPUT", where: "autoscaling.maxInstances" });
    expect(kube.requests.filter((r) => r.method !== "GET")).toEqual([]);
    kube.set({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ml" } });
    const invalid = await autoscalingApi()
      .createNamespacedHorizontalPodAutoscaler({
        namespace: "ml",
        body: {
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "bad" },
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "x" },
            minReplicas: 3,
            maxReplicas: 2,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }],
          },
        },
      })
      .catch((e: unknown) => e);
    expect((invalid as { code?: number }).code).toBe(422);
    expect(String((invalid as { body?: unknown }).body)).toMatch(
      /spec.maxReplicas.*minReplicas|averageUtilization/,
    );
  });
});

describe("kubeconfig and plugin", () => {
  it("loads a kubeconfig path with a chosen context, and reports a missing context", async () => {
    const dir = tempDir("kyma-kc-");
    const file = join(dir, "kubeconfig.yml");
    const config = kube.kubeconfigObject;
    writeFileSync(
      file,
      JSON.stringify({
        ...config,
        "current-context": "elsewhere",
        contexts: [
          ...config.contexts,
          { name: "elsewhere", context: { cluster: "test", user: "test", namespace: "nowhere" } },
        ],
      }),
    );
    const err = await mlshipRejection(
      createKymaTarget({
        kubeconfig: file,
        context: "nope",
        s3,
        ecr: ecrApi(ecr),
        region: "us-east-1",
        ...JWT,
      }).list(),
    );
    expect(err.code).toBe("E_CONFIG");
    expect(err.hint).toContain("test, elsewhere");
    const target = createKymaTarget({
      kubeconfig: file,
      context: "test",
      s3,
      ecr: ecrApi(ecr),
      region: "us-east-1",
      pollIntervalMs: 10,
      ...JWT,
    });
    const d = await target.deploy(spec());
    expect(d.details?.namespace).toBe("ml");
    const missing = await mlshipRejection(createKymaTarget({ kubeconfig: join(dir, "absent.yml") }).list());
    expect(missing.code).toBe("E_CONFIG");
    // Default loading: KUBECONFIG, with its current context (namespace "nowhere" does not exist yet).
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const fromEnv = createKymaTarget({ s3, ecr: ecrApi(ecr), region: "us-east-1" });
      expect(await fromEnv.list()).toEqual([]);
      expect(kube.requests.map((r) => r.path)).toContain(
        "/apis/gateway.kyma-project.io/v2/namespaces/nowhere/apirules",
      );
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("an unreachable cluster is E_NETWORK naming its server, not a missing resource type", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const file = join(tempDir("kyma-kc-"), "kubeconfig.yml");
    const config = kube.kubeconfigObject;
    const server = `http://127.0.0.1:${closed}`;
    writeFileSync(
      file,
      JSON.stringify({ ...config, clusters: config.clusters.map((c) => ({ ...c, cluster: { server } })) }),
    );
    for (const call of [
      (t: ReturnType<typeof createKymaTarget>) => t.list(),
      (t: ReturnType<typeof createKymaTarget>) => t.get("bc"),
    ]) {
      const err = await mlshipRejection(call(createKymaTarget({ kubeconfig: file })));
      expect(err.code).toBe("E_NETWORK");
      expect(err.message).toContain(server);
      expect(err.hint).not.toContain("API Gateway");
    }
  });

  it("no kubeconfig anywhere is E_CONFIG listing where mlship looked", async () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    process.env.KUBECONFIG = join(tempDir("kyma-kc-"), "absent.yml");
    process.env.HOME = tempDir("kyma-home-");
    try {
      const err = await mlshipRejection(createKymaTarget({}).list());
      expect(err.code).toBe("E_CONFIG");
      expect(err.message).toBe("No kubeconfig found");
      expect(err.hint).toContain(process.env.KUBECONFIG);
      expect(err.hint).toContain(join(process.env.HOME, ".kube", "config"));
      expect(err.hint).toContain("--kubeconfig");
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("a malformed kubeconfig is reported without quoting its lines (they may hold the token)", async () => {
    const file = join(tempDir("kyma-kc-"), "kubeconfig.yml");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "users:",
        "- name: u",
        "  user:",
        // A token pasted with a stray ": " breaks the YAML on the token's own line.
        "    token: sa-token-7f3c9a1e: x",
        "current-context: x",
        "",
      ].join("\n"),
    );
    const err = await mlshipRejection(createKymaTarget({ kubeconfig: file }).list());
    expect(err.code).toBe("E_CONFIG");
    expect(err.message).toContain(`Cannot read the kubeconfig ${file}`);
    expect(JSON.stringify(err)).not.toContain("sa-token-7f3c9a1e");
    expect(err.stack).not.toContain("sa-token-7f3c9a1e");
    expect(String((err.cause as Error | undefined)?.message)).not.toContain("sa-token-7f3c9a1e");
  });

  it("the plugin creates the kyma deploy target from validated options", async () => {
    const container = createContainer();
    const found = { name: plugin.name, specifier: "@mlship/target-kyma", resolved: "", plugin };
    const config = { kubeconfig: "/nonexistent", region: "us-east-1", waitTimeoutMs: "1000" };
    const loaded = await createTargetPlugin(found, { config, flags: { labelNamespace: true } }, container);
    expect(loaded.options).toMatchObject({ waitTimeoutMs: 1000, labelNamespace: true });
    expect(resolveDeployTarget(container, "kyma").name).toBe("kyma");
    const bad = createTargetPlugin(
      found,
      { config: { auth: "open" }, configFile: "mlship.config.json" },
      container,
    );
    await expect(bad).rejects.toMatchObject({
      code: "E_CONFIG",
      where: "mlship.config.json#targets.kyma.auth",
    });
  });
});

describe("from a SageMaker training job", () => {
  it("deploys the model of a job trained on the emulator", async () => {
    const config = emulatorClientConfig(emulator);
    const sagemaker = createSageMakerTarget({
      endpoint: config.endpoint,
      region: config.region,
      credentials: config.credentials,
      role: "arn:aws:iam::000000000000:role/SageMakerRole",
      poll: { intervalMs: 100, maxIntervalMs: 500 },
    });
    try {
      const data = join(EXAMPLES, "sklearn-breast-cancer", "data");
      const run = await sagemaker.train({
        entryPoint: "train.py",
        sourceDir: join(EXAMPLES, "sklearn-breast-cancer"),
        framework: "sklearn",
        frameworkVersion: "1.2-1",
        channels: { train: join(data, "train.csv") },
        baseJobName: "kyma-bc",
      });
      expect(run.status).toBe("Completed");
      const target = makeTarget({ models: sagemaker.models });
      const d = await target.deploy({ name: "from-job", model: { trainingJob: run.jobName } });
      expect(d.model).toBe(`training-job/${run.jobName}`);
      expect(d.details).toMatchObject({
        modelData: run.modelArtifact,
        sourceBundle: run.sourceBundle,
        entryPoint: "train.py",
        image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
      });
      // The inference script and code can differ from the training ones.
      const serving = await target.deploy({
        name: "from-job-inference",
        model: {
          trainingJob: run.jobName,
          sourceDir: join(EXAMPLES, "sklearn-breast-cancer"),
          entryPoint: "inference.py",
        },
      });
      expect(serving.details).toMatchObject({
        modelData: run.modelArtifact,
        entryPoint: "inference.py",
        sourceBundle: expect.stringMatching(
          /^s3:\/\/sagemaker-us-east-1-000000000000\/mlship\/kyma\/ml\/from-job-inference\/sourcedir\.tar\.gz$/,
        ),
      });
      const stored = kube.get(T.deployment, "ml", "from-job") as KubeObject;
      expect(stored.metadata.annotations?.["mlship.io/model-source"]).toBe(`training-job/${run.jobName}`);
      const missing = await mlshipRejection(
        target.deploy({ name: "nojob", model: { trainingJob: "no-such-job" } }),
      );
      expect(missing.code).toBe("E_NOT_FOUND");
    } finally {
      await sagemaker.close();
    }
  }, 120_000);
});
