import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { stringify as stringifyYaml } from "yaml";
import { removeObject } from "./kube-api/deletion.js";
import { handle, sendStatus } from "./kube-api/http.js";
import { kubeconfigFor } from "./kube-api/kubeconfig.js";
import { appendPodLog, setPodLog } from "./kube-api/pod-logs.js";
import { KubeStatusError } from "./kube-api/status-error.js";
import { createStore, keyOf, listObjects, render, typeFor } from "./kube-api/store.js";
import { addEvent, seedNamespaces, setObject, setStatus } from "./kube-api/test-writes.js";
import type { KubeApiServer, KubeApiServerOptions, KubeRequestRecord } from "./kube-api/types.js";

/*
 * A Kubernetes API server for tests: plain node:http on loopback, objects kept in memory and versioned,
 * answering the way kube-apiserver does for the calls @kubernetes/client-node makes (discovery, CRUD,
 * merge/strategic/JSON patches, server-side apply with field managers, the status subresource, pod logs
 * (followed, with timestamps),
 * Status bodies for 401/404/409/422). No controllers run: a test drives Deployment/APIRule status itself
 * (setStatus, onWrite) the way a cluster's controllers would, or lets simulateControllers do it.
 *
 * Simplifications, on purpose: lists are atomic for field ownership (SSA replaces a list as a whole),
 * no watch, no admission webhooks, namespace deletion is immediate.
 *
 * The parts live in kube-api/: store (objects, types, listing), writes (create/update/patch/commit),
 * server-side-apply, deletion (with garbage collection), routing (paths and discovery), http (the handlers),
 * validation and defaults (what kube-apiserver checks and fills in), field-ownership (managedFields).
 */

export type { SimulatedControllersOptions, SimulatedRollout } from "./kube-api/controllers.js";
export { simulateControllers } from "./kube-api/controllers.js";
export { DEFAULT_KUBE_RESOURCE_TYPES } from "./kube-api/resource-types.js";
export type {
  KubeAccessRequest,
  KubeApiServer,
  KubeApiServerOptions,
  KubeConfigObject,
  KubeFieldCause,
  KubeObject,
  KubeObjectMeta,
  KubeRequestRecord,
  KubeResourceType,
  KubeTypeRef,
  KubeWriteEvent,
} from "./kube-api/types.js";
export { validateApiRuleV2 } from "./kube-api/validation.js";

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const token = options.token ?? randomBytes(24).toString("base64url");
  const store = createStore(options.resources);
  const requests: KubeRequestRecord[] = [];
  const settings = { token, authorize: options.authorize };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const record: KubeRequestRecord = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    const ct = req.headers["content-type"];
    if (ct) record.contentType = ct;
    requests.push(record);
    handle(store, settings, req, res, record).catch((e: unknown) => {
      if (res.headersSent) return;
      const error =
        e instanceof KubeStatusError
          ? e
          : new KubeStatusError(500, "InternalError", `Internal error occurred: ${(e as Error).message}`);
      sendStatus(res, error, record);
    });
  });
  // Seed state through the same code paths the API uses.
  seedNamespaces(store, options.namespaces ?? ["default", "kube-system", "kyma-system", "istio-system"]);
  for (const object of options.objects ?? []) setObject(store, object);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigObject = kubeconfigFor(url, token, options.contextName ?? "test", options.contextNamespace);
  return {
    url,
    token,
    kubeconfig: stringifyYaml(kubeconfigObject),
    kubeconfigObject,
    requests,
    get(ref, namespace, name) {
      const type = typeFor(store, ref);
      const stored = store.objects.get(keyOf(type, namespace, name));
      return stored ? render(type, stored) : undefined;
    },
    list(ref, namespace, labelSelector) {
      const type = typeFor(store, ref);
      return listObjects(store, type, namespace, labelSelector).map((s) => render(type, s));
    },
    set: (object) => setObject(store, object),
    setStatus: (ref, namespace, name, status) => setStatus(store, ref, namespace, name, status),
    remove(ref, namespace, name) {
      const type = typeFor(store, ref);
      if (!store.objects.has(keyOf(type, namespace, name))) return false;
      removeObject(store, type, namespace, name, "Background");
      return true;
    },
    setPodLog: (namespace, pod, container, text, opts) =>
      setPodLog(store, namespace, pod, container, text, opts?.previous),
    appendPodLog: (namespace, pod, container, text) => appendPodLog(store, namespace, pod, container, text),
    addEvent: (involved, event) => addEvent(store, involved, event),
    onWrite(listener) {
      store.listeners.add(listener);
      return () => store.listeners.delete(listener);
    },
    stop() {
      store.listeners.clear();
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
