/** The test API server's public types: what a test configures, reads back and is told about. */

/** A resource the server serves, as discovery lists it. */
export interface KubeResourceType {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name in URLs, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Has a `/status` subresource: the main resource ignores status, `/status` changes only status. */
  status?: boolean;
  shortNames?: string[];
  /** Extra checks run on create/update; each cause becomes part of a 422 Invalid Status. */
  validate?: (object: KubeObject, old: KubeObject | undefined) => KubeFieldCause[];
}

export interface KubeFieldCause {
  field: string;
  message: string;
  reason?: string;
}

export interface KubeObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
  }>;
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeObjectMeta;
  [key: string]: unknown;
}

/** `{ apiVersion, kind }` of a type, e.g. `{ apiVersion: "apps/v1", kind: "Deployment" }`. */
export interface KubeTypeRef {
  apiVersion: string;
  kind: string;
}

export interface KubeWriteEvent {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
  /** `status` when only the status subresource was written. */
  subresource?: string;
}

export interface KubeRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  status: number;
}

/** What a request wants to do, in RBAC terms. */
export interface KubeAccessRequest {
  verb: "get" | "list" | "create" | "update" | "patch" | "delete";
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface KubeApiServerOptions {
  /** Bearer token the server accepts (default: random). Requests without it get 401. */
  token?: string;
  /** Namespace of the kubeconfig's context (default: none, so clients fall back to `default`). */
  contextNamespace?: string;
  /** Context / cluster / user names in the kubeconfig (default `test`). */
  contextName?: string;
  /** Types served besides the defaults (or replacing a default with the same group/version/resource). */
  resources?: KubeResourceType[];
  /** Namespaces that exist at start (default `default`, `kube-system`, `kyma-system`, `istio-system`). */
  namespaces?: Array<string | { name: string; labels?: Record<string, string> }>;
  /** Objects that exist at start (created as manager `test`). */
  objects?: KubeObject[];
  /** RBAC stand-in: return false to answer 403 Forbidden (default: everything allowed). */
  authorize?: (request: KubeAccessRequest) => boolean;
}

export interface KubeConfigObject {
  apiVersion: "v1";
  kind: "Config";
  "current-context": string;
  clusters: Array<{ name: string; cluster: { server: string; "insecure-skip-tls-verify": boolean } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
}

export interface KubeApiServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  /** A kubeconfig (YAML) pointing at this server: one cluster, one token user, one current context. */
  kubeconfig: string;
  kubeconfigObject: KubeConfigObject;
  /** Every request answered, in order (method, path, query, content type, status). */
  requests: KubeRequestRecord[];
  get(type: KubeTypeRef, namespace: string | undefined, name: string): KubeObject | undefined;
  list(type: KubeTypeRef, namespace?: string, labelSelector?: string): KubeObject[];
  /** Creates or replaces an object as field manager `test` (validation and defaults apply). */
  set(object: KubeObject): KubeObject;
  /** Replaces the status of an object, as a controller would (bumps resourceVersion). */
  setStatus(type: KubeTypeRef, namespace: string | undefined, name: string, status: unknown): KubeObject;
  /** Deletes an object (with garbage collection of dependents); false when it did not exist. */
  remove(type: KubeTypeRef, namespace: string | undefined, name: string): boolean;
  /** Replaces the text served by `pods/<name>/log` for that container (`previous`: the last terminated one). */
  setPodLog(
    namespace: string,
    pod: string,
    container: string,
    text: string,
    options?: { previous?: boolean },
  ): void;
  /** Appends lines to a container's current log now (as it writes them); `follow=true` readers get them at once. */
  appendPodLog(namespace: string, pod: string, container: string, text: string): void;
  /** Records a core/v1 Event about an object. */
  addEvent(
    involved: KubeObject,
    event: { reason: string; message: string; type?: "Normal" | "Warning" },
  ): KubeObject;
  /** Called after every successful write (API or test), asynchronously like a controller's watch. */
  onWrite(listener: (event: KubeWriteEvent) => void): () => void;
  stop(): Promise<void>;
}
