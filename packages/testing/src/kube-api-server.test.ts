import { PassThrough } from "node:stream";
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  Log,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type KubeApiServer,
  type KubeWriteEvent,
  simulateControllers,
  startKubeApiServer,
  validateApiRuleV2,
} from "./kube-api-server.js";

let kube: KubeApiServer;
let kc: KubeConfig;
let objects: KubernetesObjectApi;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeEach(async () => {
  kube = await startKubeApiServer();
  kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig);
  objects = KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

afterEach(async () => {
  await kube.stop();
});

const DEPLOYMENT = { apiVersion: "apps/v1", kind: "Deployment" };
const APIRULE = { apiVersion: "gateway.kyma-project.io/v2", kind: "APIRule" };

function deployment(name: string, image = "nginx:1", extra: Record<string, unknown> = {}): KubernetesObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "main", image }] },
      },
      ...extra,
    },
  } as KubernetesObject;
}

function apiRule(rule: Record<string, unknown>): KubernetesObject {
  return {
    apiVersion: "gateway.kyma-project.io/v2",
    kind: "APIRule",
    metadata: { name: "m1", namespace: "default" },
    spec: {
      hosts: ["m1"],
      gateway: "kyma-system/kyma-gateway",
      service: { name: "m1", namespace: "default", port: 8080 },
      rules: [{ path: "/invocations", methods: ["POST"], ...rule }],
    },
  } as KubernetesObject;
}

async function apiError(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
      return { code: e.code, status: body as Record<string, unknown> };
    }
    throw e;
  }
  throw new Error("expected the API call to fail");
}

const apply = (o: KubernetesObject, manager = "mlship", force = true) =>
  objects.patch(o, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

describe("startKubeApiServer with @kubernetes/client-node", () => {
  it("rejects requests without the kubeconfig's token", async () => {
    const other = new KubeConfig();
    other.loadFromOptions({
      clusters: [{ name: "c", server: kube.url, skipTLSVerify: true }],
      users: [{ name: "u", token: "wrong" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const err = await apiError(other.makeApiClient(CoreV1Api).listNamespace());
    expect(err.code).toBe(401);
    // The typed client drops 401 bodies; the raw answer is a Status like kube-apiserver's.
    const raw = await fetch(`${kube.url}/api/v1/namespaces`, { headers: { authorization: "Bearer nope" } });
    expect(await raw.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("creates, reads and lists with server-assigned metadata", async () => {
    const created = await objects.create(deployment("web"));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect((created as { metadata: { generation?: number } }).metadata.generation).toBe(1);
    const read = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    expect(read.spec?.replicas).toBe(1); // defaulted like kube-apiserver does
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    await objects.create(deployment("api"));
    const list = await apps.listNamespacedDeployment({
      namespace: "default",
      labelSelector: "app in (web,x)",
    });
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["web"]);
    const all = await objects.list("apps/v1", "Deployment", "default");
    expect(all.items.map((d) => d.metadata?.name)).toEqual(["api", "web"]);
  });

  it("answers 404, 409 AlreadyExists and 422 Invalid with Status bodies", async () => {
    const missing = await apiError(apps.readNamespacedDeployment({ name: "nope", namespace: "default" }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      message: 'deployments.apps "nope" not found',
      details: { name: "nope", group: "apps", kind: "deployments" },
    });
    await objects.create(deployment("web"));
    const dup = await apiError(objects.create(deployment("web")));
    expect(dup.code).toBe(409);
    expect(dup.status.reason).toBe("AlreadyExists");
    const bad = deployment("Bad_Name");
    const invalid = await apiError(objects.create(bad));
    expect(invalid.code).toBe(422);
    expect(invalid.status.reason).toBe("Invalid");
    const mismatch = deployment("mismatch");
    (mismatch as { spec: { selector: unknown } }).spec.selector = { matchLabels: { app: "other" } };
    const err = await apiError(objects.create(mismatch));
    expect(err.code).toBe(422);
    expect((err.status.details as { causes: Array<{ field: string }> }).causes).toContainEqual(
      expect.objectContaining({ field: "spec.template.metadata.labels" }),
    );
  });

  it("refuses to create in a namespace that does not exist", async () => {
    const d = deployment("web");
    (d.metadata as { namespace: string }).namespace = "ghost";
    const err = await apiError(objects.create(d));
    expect(err.code).toBe(404);
    expect(err.status.message).toBe('namespaces "ghost" not found');
  });

  it("server-side apply creates, is a no-op when repeated, and removes fields no longer applied", async () => {
    const first = await apply(deployment("web", "nginx:1", { minReadySeconds: 5 }));
    expect(kube.requests.at(-1)).toMatchObject({
      method: "PATCH",
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "mlship", force: "true" },
      status: 201,
    });
    const again = await apply(deployment("web", "nginx:1", { minReadySeconds: 5 }));
    expect(kube.requests.at(-1)?.status).toBe(200);
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const updated = await apply(deployment("web", "nginx:2"));
    const stored = kube.get(DEPLOYMENT, "default", "web");
    if (!stored) throw new Error("deployment missing");
    expect(stored.spec).not.toHaveProperty("minReadySeconds");
    expect(
      (stored.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
        .containers[0]?.image,
    ).toBe("nginx:2");
    expect(stored.metadata.generation).toBe(2);
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
      Number(first.metadata?.resourceVersion),
    );
    const managers = (stored.metadata.managedFields as Array<{ manager: string; operation: string }>).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    expect(managers).toEqual(["mlship/Apply"]);
  });

  it("reports apply conflicts with another manager unless forced", async () => {
    await apply(deployment("web"));
    // Someone scales with a merge patch: they now own spec.replicas.
    await apps.patchNamespacedDeployment(
      { name: "web", namespace: "default", body: { spec: { replicas: 3 } }, fieldManager: "kubectl" },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const conflict = await apiError(apply(deployment("web", "nginx:1", { replicas: 1 }), "mlship", false));
    expect(conflict.code).toBe(409);
    expect(conflict.status.reason).toBe("Conflict");
    expect(conflict.status.message).toContain('conflict with "kubectl": .spec.replicas');
    // Applying a field the other manager owns with the same value is shared ownership, not a conflict.
    await apply(deployment("web", "nginx:1", { replicas: 3 }), "mlship", false);
    await apply(deployment("web", "nginx:1", { replicas: 2 }), "mlship", true);
    expect(kube.get(DEPLOYMENT, "default", "web")?.spec).toMatchObject({ replicas: 2 });
  });

  it("keeps status behind the status subresource and bumps generation only on spec changes", async () => {
    const d = deployment("web");
    (d as { status?: unknown }).status = { availableReplicas: 9 };
    await apply(d);
    expect(kube.get(DEPLOYMENT, "default", "web")?.status).toBeUndefined();
    kube.setStatus(DEPLOYMENT, "default", "web", {
      observedGeneration: 1,
      conditions: [{ type: "Available", status: "True" }],
    });
    const read = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    expect(read.status?.conditions?.[0]).toMatchObject({ type: "Available", status: "True" });
    expect(read.metadata?.generation).toBe(1);
    await apply(deployment("web", "nginx:2"));
    const after = kube.get(DEPLOYMENT, "default", "web");
    expect(after?.metadata.generation).toBe(2);
    expect(after?.status).toMatchObject({ observedGeneration: 1 }); // apply does not touch status
    const stale = await apiError(
      apps.replaceNamespacedDeploymentStatus({ name: "web", namespace: "default", body: read }),
    );
    expect(stale.code).toBe(409);
    const fresh = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    await apps.replaceNamespacedDeploymentStatus({
      name: "web",
      namespace: "default",
      body: { ...fresh, status: { observedGeneration: 2, replicas: 1 } },
    });
    expect(kube.get(DEPLOYMENT, "default", "web")?.status).toEqual({ observedGeneration: 2, replicas: 1 });
  });

  it("rejects a stale resourceVersion on update", async () => {
    const created = await objects.create(deployment("web"));
    await apply(deployment("web", "nginx:2"));
    const err = await apiError(objects.replace(created));
    expect(err.code).toBe(409);
    expect(err.status.message).toContain("the object has been modified");
  });

  it("merges namespace labels with strategic merge and merge patches", async () => {
    await core.createNamespace({ body: { metadata: { name: "ml" } } });
    const ns = await core.readNamespace({ name: "ml" });
    expect(ns.metadata?.labels).toEqual({ "kubernetes.io/metadata.name": "ml" });
    expect(ns.status?.phase).toBe("Active");
    await core.patchNamespace(
      { name: "ml", body: { metadata: { labels: { "istio-injection": "enabled" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    await core.patchNamespace(
      { name: "ml", body: [{ op: "add", path: "/metadata/labels/team", value: "a" }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(kube.get({ apiVersion: "v1", kind: "Namespace" }, undefined, "ml")?.metadata.labels).toEqual({
      "kubernetes.io/metadata.name": "ml",
      "istio-injection": "enabled",
      team: "a",
    });
  });

  it("deleting a namespace removes its content; owner references are garbage-collected", async () => {
    await core.createNamespace({ body: { metadata: { name: "ml" } } });
    const d = deployment("web");
    (d.metadata as { namespace: string }).namespace = "ml";
    const created = await objects.create(d);
    kube.set({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "web-abc",
        namespace: "ml",
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: created.metadata?.uid as string },
        ],
      },
      spec: { containers: [{ name: "main", image: "nginx" }] },
    });
    await objects.delete(d);
    expect(kube.list({ apiVersion: "v1", kind: "Pod" }, "ml")).toEqual([]);
    await objects.create(d);
    const deleted = await core.deleteNamespace({ name: "ml" });
    expect((deleted as unknown as { status: { phase: string } }).status.phase).toBe("Terminating");
    expect(kube.list(DEPLOYMENT)).toEqual([]);
    expect((await apiError(core.deleteNamespace({ name: "ml" }))).code).toBe(404);
  });

  it("serves pod logs like the kubelet proxy does", async () => {
    kube.set({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "default" },
      spec: {
        initContainers: [{ name: "fetch", image: "x" }],
        containers: [
          { name: "a", image: "x" },
          { name: "b", image: "x" },
        ],
      },
    });
    kube.setPodLog("default", "p", "a", "one\ntwo\nthree\n");
    expect(
      await core.readNamespacedPodLog({ name: "p", namespace: "default", container: "a", tailLines: 2 }),
    ).toBe("two\nthree\n");
    const noContainer = await apiError(core.readNamespacedPodLog({ name: "p", namespace: "default" }));
    expect(noContainer.code).toBe(400);
    expect(noContainer.status.message).toContain("a container name must be specified for pod p");
    const prev = await apiError(
      core.readNamespacedPodLog({ name: "p", namespace: "default", container: "fetch", previous: true }),
    );
    expect(prev.code).toBe(400);
    kube.setPodLog("default", "p", "fetch", "boom\n", { previous: true });
    expect(
      await core.readNamespacedPodLog({
        name: "p",
        namespace: "default",
        container: "fetch",
        previous: true,
      }),
    ).toBe("boom\n");
  });

  it("follows pod logs with client-node's Log helper: timestamps, sinceTime, new lines, end on pod deletion", async () => {
    kube.set({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "f", namespace: "default" },
      spec: { containers: [{ name: "a", image: "x" }] },
    });
    kube.setPodLog("default", "f", "a", "old\n");
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date().toISOString();
    kube.appendPodLog("default", "f", "a", "one\n");
    const out = new PassThrough();
    let text = "";
    out.on("data", (d: Buffer) => {
      text += d;
    });
    const ended = new Promise((r) => out.on("end", r));
    const controller = await new Log(kc).log("default", "f", "a", out, {
      follow: true,
      timestamps: true,
      sinceTime: cut,
    });
    await expect.poll(() => text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z one\n$/);
    kube.appendPodLog("default", "f", "a", "two\nthree\n");
    await expect
      .poll(() => text.split("\n").map((l) => l.split(" ")[1]))
      .toEqual(["one", "two", "three", undefined]);
    expect(
      await core.readNamespacedPodLog({
        name: "f",
        namespace: "default",
        container: "a",
        sinceSeconds: 3600,
      }),
    ).toBe("old\none\ntwo\nthree\n");
    kube.remove({ apiVersion: "v1", kind: "Pod" }, "default", "f");
    await ended;
    controller.abort();
  });

  it("validates APIRule v2 like its CRD and refuses strategic merge on custom resources", async () => {
    const both = await apiError(apply(apiRule({ noAuth: true, jwt: { authentications: [] } })));
    expect(both.code).toBe(422);
    expect(both.status.message).toContain("One of the following fields must be set: noAuth, jwt, extAuth");
    const jwt = apiRule({
      jwt: { authentications: [{ issuer: "https://id.example", jwksUri: "https://id.example/certs" }] },
    });
    await apply(jwt);
    expect(kube.get(APIRULE, "default", "m1")?.metadata.generation).toBe(1);
    const err = await apiError(
      objects.patch(jwt, undefined, undefined, "x", undefined, PatchStrategy.StrategicMergePatch),
    );
    expect(err.code).toBe(415);
    expect(
      validateApiRuleV2({
        ...apiRule({ noAuth: true }),
        spec: { ...(apiRule({}) as { spec: object }).spec, hosts: [] },
      }),
    ).toContainEqual(expect.objectContaining({ field: "spec.hosts" }));
  });

  it("tells listeners about writes, asynchronously", async () => {
    const seen: KubeWriteEvent[] = [];
    kube.onWrite((e) => seen.push(e));
    await apply(deployment("web"));
    kube.setStatus(DEPLOYMENT, "default", "web", { replicas: 1 });
    await new Promise((r) => setImmediate(r));
    expect(seen.map((e) => [e.type, e.object.kind, e.subresource])).toEqual([
      ["ADDED", "Deployment", undefined],
      ["MODIFIED", "Deployment", "status"],
    ]);
  });

  it("answers 403 Forbidden where the authorize hook says no", async () => {
    const scoped = await startKubeApiServer({
      authorize: (r) => r.resource !== "namespaces" && (r.namespace === "default" || r.verb === "list"),
    });
    try {
      const skc = new KubeConfig();
      skc.loadFromString(scoped.kubeconfig);
      const err = await apiError(skc.makeApiClient(CoreV1Api).readNamespace({ name: "default" }));
      expect(err.code).toBe(403);
      expect(err.status).toMatchObject({ reason: "Forbidden" });
      expect(String(err.status.message)).toContain(
        'cannot get resource "namespaces" in API group "" at the cluster scope',
      );
      await KubernetesObjectApi.makeApiClient(skc).create(deployment("ok"));
    } finally {
      await scoped.stop();
    }
  });

  it("simulateControllers rolls out pods and sets Deployment and APIRule status", async () => {
    let outcome: "ready" | "crashLoopBackOff" = "ready";
    simulateControllers(kube, { rollout: () => outcome, logs: { main: "boom\n" } });
    await apply(deployment("web"));
    await apply(apiRule({ noAuth: true }));
    await new Promise((r) => setTimeout(r, 20));
    const read = await apps.readNamespacedDeployment({ name: "web", namespace: "default" });
    expect(read.status).toMatchObject({ observedGeneration: 1, availableReplicas: 1 });
    expect(kube.get(APIRULE, "default", "m1")?.status).toMatchObject({ state: "Ready" });
    const pods = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0]?.metadata?.labels?.["pod-template-hash"]).toMatch(/^[0-9a-f]{10}$/);
    outcome = "crashLoopBackOff";
    await apply(deployment("web", "nginx:2"));
    await new Promise((r) => setTimeout(r, 20));
    const crashing = kube
      .list({ apiVersion: "v1", kind: "Pod" }, "default")
      .find(
        (p) =>
          (p.status as { containerStatuses?: Array<{ state: { waiting?: { reason: string } } }> })
            .containerStatuses?.[0]?.state.waiting?.reason === "CrashLoopBackOff",
      );
    expect(crashing).toBeDefined();
    expect(
      await core.readNamespacedPodLog({
        name: crashing?.metadata.name as string,
        namespace: "default",
        previous: true,
      }),
    ).toBe("boom\n");
    expect(
      (await apps.readNamespacedDeployment({ name: "web", namespace: "default" })).status
        ?.unavailableReplicas,
    ).toBe(1);
    // Pods are owned by their Deployment and go with it.
    await objects.delete(deployment("web"));
    expect(kube.list({ apiVersion: "v1", kind: "Pod" }, "default")).toEqual([]);
  });

  it("serves discovery for the Kyma and Istio types", async () => {
    const res = await fetch(`${kube.url}/apis/gateway.kyma-project.io/v2`, {
      headers: { authorization: `Bearer ${kube.token}` },
    });
    const list = (await res.json()) as { resources: Array<{ name: string; namespaced: boolean }> };
    expect(list.resources.map((r) => r.name)).toEqual(["apirules", "apirules/status"]);
    expect((await objects.list("networking.istio.io/v1", "Gateway", "kyma-system")).items).toEqual([]);
    const unknown = await fetch(`${kube.url}/apis/gateway.kyma-project.io/v1beta1`, {
      headers: { authorization: `Bearer ${kube.token}` },
    });
    expect(unknown.status).toBe(404);
  });
});
