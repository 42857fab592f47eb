import type { KubeStore } from "./store.js";
import type { KubeObject, KubeResourceType } from "./types.js";

function namespaceDefaults(object: KubeObject): void {
  object.metadata.labels = {
    ...object.metadata.labels,
    "kubernetes.io/metadata.name": object.metadata.name as string,
  };
  object.status = object.status ?? { phase: "Active" };
}

function secretDefaults(object: KubeObject): void {
  object.type = object.type ?? "Opaque";
  const stringData = object.stringData as Record<string, string> | undefined;
  if (stringData) {
    const data = (object.data ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
    object.data = data;
    delete object.stringData;
  }
}

function serviceDefaults(store: KubeStore, object: KubeObject): void {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  spec.type = spec.type ?? "ClusterIP";
  if (spec.type !== "ExternalName" && spec.clusterIP === undefined) {
    const n = store.clusterIpCounter++;
    spec.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    spec.clusterIPs = [spec.clusterIP];
  }
  spec.sessionAffinity = spec.sessionAffinity ?? "None";
  for (const port of (spec.ports ?? []) as Array<Record<string, unknown>>) {
    port.protocol = port.protocol ?? "TCP";
    port.targetPort = port.targetPort ?? port.port;
  }
  object.spec = spec;
}

function deploymentDefaults(object: KubeObject): void {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  spec.replicas = spec.replicas ?? 1;
  spec.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
  spec.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
  spec.strategy = spec.strategy ?? {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
  };
  object.spec = spec;
}

/** The defaults kube-apiserver fills in on every write of these types. */
export function applyDefaults(store: KubeStore, type: KubeResourceType, object: KubeObject): void {
  if (type.resource === "namespaces") namespaceDefaults(object);
  if (type.resource === "secrets") secretDefaults(object);
  if (type.resource === "services") serviceDefaults(store, object);
  if (type.resource === "deployments") deploymentDefaults(object);
}
