import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { packSourceDir } from "@mlship/data-s3";
import { tempDir, validateApiRuleV2 } from "@mlship/testing";
import { Deployment } from "kubernetes-models/apps/v1";
import { Namespace, Secret, Service } from "kubernetes-models/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiRuleManifest,
  type DeploymentPlan,
  deploymentManifest,
  FETCH_SCRIPT,
  LABELS,
  namespaceManifest,
  pullSecretManifest,
  serviceManifest,
  urlsSecretManifest,
} from "./manifests.js";

const run = promisify(execFile);

const plan: DeploymentPlan = {
  name: "breast-cancer",
  namespace: "ml",
  image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
  replicas: 2,
  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "2Gi" } },
  environment: { SAGEMAKER_MODEL_SERVER_WORKERS: "2" },
  source: "training-job/bc-2026-11-23-10-00-00-000",
  modelData: "s3://bucket/bc/output/model.tar.gz",
  sourceBundle: "s3://bucket/bc/source/sourcedir.tar.gz",
  entryPoint: "inference.py",
  region: "us-east-1",
  pullSecret: "breast-cancer-ecr-pull",
  urlsSecret: "breast-cancer-model-urls",
  auth: {
    mode: "jwt",
    issuer: "https://tenant.accounts.ondemand.com",
    jwksUri: "https://tenant.accounts.ondemand.com/oauth2/certs",
  },
  gateway: "kyma-system/kyma-gateway",
  host: "breast-cancer.c-1.kyma.ondemand.com",
};

type Container = {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  readinessProbe: { httpGet: { path: string; port: number } };
  livenessProbe: { httpGet: { path: string; port: number } };
  resources: unknown;
  volumeMounts: Array<{ mountPath: string }>;
  securityContext?: { runAsUser?: number };
};
type PodTemplate = {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers: Container[];
    volumes: unknown[];
    imagePullSecrets?: unknown[];
  };
};

const templateOf = (d: ReturnType<typeof deploymentManifest>) =>
  (d.spec as { template: PodTemplate }).template;

describe("manifests", () => {
  it("builds a Deployment that passes the Kubernetes schema and serves the SageMaker contract", () => {
    const d = deploymentManifest(plan);
    new Deployment(d as never).validate();
    expect(d.metadata.labels).toMatchObject({
      [LABELS.name]: "breast-cancer",
      [LABELS.instance]: "breast-cancer",
      [LABELS.managedBy]: "mlship",
    });
    expect(d.metadata.annotations?.["mlship.io/model-source"]).toBe(plan.source);
    const t = templateOf(d);
    const [model] = t.spec.containers;
    const [fetch] = t.spec.initContainers;
    expect(model?.args).toEqual(["serve"]);
    expect(model?.readinessProbe.httpGet).toEqual({ path: "/ping", port: 8080 });
    expect(model?.livenessProbe.httpGet).toEqual({ path: "/ping", port: 8080 });
    expect(model?.resources).toEqual(plan.resources);
    expect(model?.env).toEqual(
      expect.arrayContaining([
        { name: "SAGEMAKER_PROGRAM", value: "inference.py" },
        { name: "SAGEMAKER_SUBMIT_DIRECTORY", value: "/opt/ml/model/code" },
        { name: "SAGEMAKER_MODEL_SERVER_WORKERS", value: "2" },
      ]),
    );
    expect(model?.volumeMounts[0]?.mountPath).toBe("/opt/ml/model");
    expect(fetch?.image).toBe(plan.image);
    expect(fetch?.securityContext?.runAsUser).toBe(1337);
    // The URLs come from the secret; they never appear in the Deployment.
    expect(JSON.stringify(d)).not.toContain("X-Amz");
    expect(fetch?.env.map((e) => e.name)).toEqual(["MODEL_URL", "SOURCE_URL"]);
    expect(t.spec.imagePullSecrets).toEqual([{ name: "breast-cancer-ecr-pull" }]);
    expect(t.spec.volumes).toEqual([{ name: "model", emptyDir: {} }]);
  });

  it("lets the environment override the log level and region without duplicate env names (SSA rejects those)", () => {
    const d = deploymentManifest({
      ...plan,
      environment: {
        SAGEMAKER_CONTAINER_LOG_LEVEL: "10",
        SAGEMAKER_REGION: "eu-west-1",
        SAGEMAKER_PROGRAM: "x.py",
      },
    });
    const env = templateOf(d).spec.containers[0]?.env ?? [];
    expect(env).toEqual([
      { name: "SAGEMAKER_PROGRAM", value: "inference.py" },
      { name: "SAGEMAKER_SUBMIT_DIRECTORY", value: "/opt/ml/model/code" },
      { name: "SAGEMAKER_CONTAINER_LOG_LEVEL", value: "10" },
      { name: "SAGEMAKER_REGION", value: "eu-west-1" },
    ]);
  });

  it("keeps the pod template hash stable for the same inputs and changes it for a new model", () => {
    const a = templateOf(deploymentManifest(plan)).metadata.labels[LABELS.templateHash];
    const b = templateOf(deploymentManifest({ ...plan })).metadata.labels[LABELS.templateHash];
    const c = templateOf(deploymentManifest({ ...plan, modelData: "s3://bucket/other/model.tar.gz" }))
      .metadata.labels[LABELS.templateHash];
    expect(a).toMatch(/^[0-9a-f]{10}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    // The selector must not contain the hash: it is immutable on a Deployment.
    const selector = (deploymentManifest(plan).spec as { selector: { matchLabels: Record<string, string> } })
      .selector;
    expect(selector.matchLabels).not.toHaveProperty(LABELS.templateHash);
  });

  it("builds Service, Namespace and Secrets that pass the Kubernetes schema", () => {
    const svc = serviceManifest(plan);
    new Service(svc as never).validate();
    expect((svc.spec as { ports: unknown[] }).ports).toEqual([
      { name: "http", port: 8080, targetPort: 8080, protocol: "TCP" },
    ]);
    const created = namespaceManifest("ml", { created: true });
    new Namespace(created as never).validate();
    expect(created.metadata.labels).toEqual({ "istio-injection": "enabled", [LABELS.managedBy]: "mlship" });
    expect(namespaceManifest("ml", { created: false }).metadata.labels).toEqual({
      "istio-injection": "enabled",
    });
    const pull = pullSecretManifest({
      name: "p",
      namespace: "ml",
      owner: "breast-cancer",
      registry: "683313688378.dkr.ecr.us-east-1.amazonaws.com",
      username: "AWS",
      password: "s3cr3t",
      expiresAt: "2026-11-23T22:00:00.000Z",
    });
    new Secret(pull as never).validate();
    expect(pull.type).toBe("kubernetes.io/dockerconfigjson");
    const config = JSON.parse(
      Buffer.from((pull.data as Record<string, string>)[".dockerconfigjson"] as string, "base64").toString(),
    );
    expect(config.auths["683313688378.dkr.ecr.us-east-1.amazonaws.com"]).toEqual({
      username: "AWS",
      password: "s3cr3t",
      auth: Buffer.from("AWS:s3cr3t").toString("base64"),
    });
    expect(pull.metadata.annotations?.["mlship.io/pull-secret-expires-at"]).toBe("2026-11-23T22:00:00.000Z");
    const urls = urlsSecretManifest({
      name: "u",
      namespace: "ml",
      owner: "breast-cancer",
      modelUrl: "https://s3/x?X-Amz-Signature=1",
      sourceUrl: "https://s3/y?X-Amz-Signature=2",
      expiresAt: "2026-11-30T00:00:00.000Z",
    });
    new Secret(urls as never).validate();
  });

  it("builds an APIRule v2 with jwt by default shape, or noAuth when asked", () => {
    const jwt = apiRuleManifest(plan);
    expect(validateApiRuleV2(jwt)).toEqual([]);
    expect(jwt.spec).toEqual({
      hosts: ["breast-cancer"],
      gateway: "kyma-system/kyma-gateway",
      service: { name: "breast-cancer", namespace: "ml", port: 8080 },
      rules: [
        {
          path: "/ping",
          methods: ["GET"],
          jwt: {
            authentications: [
              {
                issuer: "https://tenant.accounts.ondemand.com",
                jwksUri: "https://tenant.accounts.ondemand.com/oauth2/certs",
              },
            ],
          },
        },
        {
          path: "/invocations",
          methods: ["POST"],
          jwt: {
            authentications: [
              {
                issuer: "https://tenant.accounts.ondemand.com",
                jwksUri: "https://tenant.accounts.ondemand.com/oauth2/certs",
              },
            ],
          },
        },
      ],
    });
    const open = apiRuleManifest({ ...plan, auth: { mode: "noAuth" } });
    expect(validateApiRuleV2(open)).toEqual([]);
    expect(
      (open.spec as { rules: Array<Record<string, unknown>> }).rules.every(
        (r) => r.noAuth === true && !("jwt" in r),
      ),
    ).toBe(true);
    // The schema check is not a rubber stamp: v1beta1 shapes are refused.
    expect(
      validateApiRuleV2({
        ...open,
        spec: {
          ...(open.spec as object),
          host: "x",
          rules: [{ path: "/.*", methods: ["GET"], accessStrategies: [{ handler: "noop" }] }],
        },
      }),
    ).not.toEqual([]);
  });
});

describe("the init container's fetch script", () => {
  let root: string;
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    root = tempDir("kyma-fetch-");
    const model = path.join(root, "model");
    const code = path.join(root, "code");
    await mkdir(model, { recursive: true });
    await mkdir(code, { recursive: true });
    await writeFile(path.join(model, "model.joblib"), "weights");
    await writeFile(path.join(code, "inference.py"), "def model_fn(d):\n    return d\n");
    await packSourceDir(model, path.join(root, "model.tar.gz"));
    await packSourceDir(code, path.join(root, "sourcedir.tar.gz"));
    files.set("/model.tar.gz", await readFile(path.join(root, "model.tar.gz")));
    files.set("/sourcedir.tar.gz", await readFile(path.join(root, "sourcedir.tar.gz")));
    // An archive that tries to escape its directory.
    await run("/usr/bin/python3", [
      "-c",
      "import io,sys,tarfile\nt=tarfile.open(sys.argv[1],'w:gz')\ni=tarfile.TarInfo('../evil.py')\nd=b'x'\ni.size=len(d)\nt.addfile(i,io.BytesIO(d))\nt.close()",
      path.join(root, "evil.tar.gz"),
    ]);
    files.set("/evil.tar.gz", await readFile(path.join(root, "evil.tar.gz")));
    server = createServer((req, res) => {
      const body = files.get((req.url ?? "").split("?")[0] ?? "");
      if (!body) res.writeHead(403).end("<Error><Code>AccessDenied</Code></Error>");
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function fetchInto(target: string, modelUrl: string, sourceUrl: string) {
    const script = FETCH_SCRIPT.replace(
      'MODEL_DIR = "/opt/ml/model"',
      `MODEL_DIR = ${JSON.stringify(target)}`,
    ).replace('CODE_DIR = "/opt/ml/model/code"', `CODE_DIR = ${JSON.stringify(path.join(target, "code"))}`);
    expect(script).not.toBe(FETCH_SCRIPT);
    try {
      const out = await run("/usr/bin/python3", ["-c", script], {
        env: { PATH: process.env.PATH ?? "", MODEL_URL: modelUrl, SOURCE_URL: sourceUrl },
      });
      return { code: 0, output: out.stdout + out.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, output: err.stdout + err.stderr };
    }
  }

  it("downloads and unpacks the model and the code", async () => {
    const target = path.join(root, "ok");
    const res = await fetchInto(
      target,
      `${base}/model.tar.gz?X-Amz-Signature=abc`,
      `${base}/sourcedir.tar.gz?X-Amz-Signature=def`,
    );
    expect(res.code).toBe(0);
    expect(await readFile(path.join(target, "model.joblib"), "utf8")).toBe("weights");
    expect(await readFile(path.join(target, "code", "inference.py"), "utf8")).toContain("model_fn");
    expect(res.output).not.toContain("X-Amz-Signature");
    // Only the unpacked files stay: the archives are removed.
    expect((await readdir(target)).sort()).toEqual(["code", "model.joblib"]);
  });

  it("fails with the HTTP status and an expiry hint, without printing the URL", async () => {
    const res = await fetchInto(
      path.join(root, "denied"),
      `${base}/gone.tar.gz?X-Amz-Signature=secret`,
      `${base}/sourcedir.tar.gz`,
    );
    expect(res.code).toBe(1);
    expect(res.output).toContain("mlship-fetch: downloading model.tar.gz failed: HTTP 403");
    expect(res.output).toContain("expired");
    expect(res.output).not.toContain("secret");
  });

  it("refuses archive entries outside the model directory", async () => {
    const target = path.join(root, "evil", "inner");
    const res = await fetchInto(target, `${base}/evil.tar.gz`, `${base}/sourcedir.tar.gz`);
    expect(res.code).toBe(1);
    expect(res.output).toContain("unsafe entry ../evil.py");
    await expect(readFile(path.join(root, "evil", "evil.py"))).rejects.toThrow();
  });
});
