import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { removeObject } from "./deletion.js";
import {
  BUILTIN_GROUPS,
  groupVersion,
  isPlainObject,
  qualifiedResource,
  type WriteOptions,
} from "./objects.js";
import { servePodLog } from "./pod-logs.js";
import { type Route, route } from "./routing.js";
import { apply } from "./server-side-apply.js";
import { KubeStatusError, methodNotAllowed, notFound, resourceNotFound } from "./status-error.js";
import { type KubeStore, keyOf, listObjects, render } from "./store.js";
import type { KubeAccessRequest, KubeObject, KubeRequestRecord } from "./types.js";
import { checkBodyType, create, patch, update } from "./writes.js";

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface HttpSettings {
  token: string;
  authorize?: ((request: KubeAccessRequest) => boolean) | undefined;
}

/** One request being answered, with what every handler needs. */
interface Exchange {
  store: KubeStore;
  req: IncomingMessage;
  res: ServerResponse;
  record: KubeRequestRecord;
  route: Route;
  query: URLSearchParams;
  method: string;
  contentType: string;
  writeOpts: WriteOptions;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new KubeStatusError(413, "RequestEntityTooLarge", "the request body is too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseBody(raw: Buffer, contentType: string): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") throw new KubeStatusError(400, "BadRequest", "the request body is empty");
  try {
    return contentType === "application/apply-patch+yaml" || contentType === "application/yaml"
      ? parseYaml(text)
      : JSON.parse(text);
  } catch (e) {
    throw new KubeStatusError(
      400,
      "BadRequest",
      `the body of the request could not be decoded: ${(e as Error).message}`,
    );
  }
}

async function objectBody(x: Exchange): Promise<KubeObject> {
  const body = parseBody(await readBody(x.req), x.contentType) as KubeObject;
  if (!isPlainObject(body)) throw new KubeStatusError(400, "BadRequest", "the body must be an object");
  checkBodyType(x.route.type, body);
  return body;
}

export function send(res: ServerResponse, status: number, body: unknown, record: KubeRequestRecord): void {
  record.status = status;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function sendStatus(res: ServerResponse, error: KubeStatusError, record: KubeRequestRecord): void {
  send(
    res,
    error.code,
    {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: error.message,
      reason: error.reason,
      ...(error.details ? { details: error.details } : {}),
      code: error.code,
    },
    record,
  );
}

/** What kube-apiserver records as the manager of a non-apply write without `fieldManager`: the user agent's program name. */
function userAgentManager(userAgent: string | undefined): string {
  const first = (userAgent ?? "").split("/")[0]?.trim();
  return first && first.length > 0 ? first.slice(0, 128) : "unknown";
}

/** The RBAC stand-in: 403 Forbidden, worded like kube-apiserver, when the test's authorize() says no. */
function checkAccess(authorize: HttpSettings["authorize"], r: Route, method: string): void {
  if (!authorize) return;
  const { type } = r;
  const verbs: Record<string, KubeAccessRequest["verb"]> = {
    GET: r.name === undefined ? "list" : "get",
    POST: "create",
    PUT: "update",
    PATCH: "patch",
    DELETE: "delete",
  };
  const access: KubeAccessRequest = {
    verb: verbs[method] ?? "get",
    group: type.group,
    resource: type.resource,
  };
  if (r.subresource) access.subresource = r.subresource;
  if (r.namespace) access.namespace = r.namespace;
  if (r.name) access.name = r.name;
  if (authorize(access)) return;
  const scope = r.namespace ? `in the namespace "${r.namespace}"` : "at the cluster scope";
  throw new KubeStatusError(
    403,
    "Forbidden",
    `${qualifiedResource(type)}${r.name ? ` "${r.name}"` : ""} is forbidden: User "test" cannot ${access.verb} resource "${type.resource}${r.subresource ? `/${r.subresource}` : ""}" in API group "${type.group}" ${scope}`,
    { ...(r.name ? { name: r.name } : {}), group: type.group, kind: type.resource },
  );
}

/** GET on a collection: selectors, limit/continue paging; built-in lists leave items' apiVersion/kind off. */
function serveList(x: Exchange): void {
  const { type, namespace } = x.route;
  const { query } = x;
  if (query.get("watch") === "true" || query.get("watch") === "1") {
    throw new KubeStatusError(400, "BadRequest", "watch is not supported by the mlship test API server");
  }
  const items = listObjects(
    x.store,
    type,
    namespace,
    query.get("labelSelector") ?? undefined,
    query.get("fieldSelector") ?? undefined,
  );
  const limit = Number(query.get("limit") ?? "0");
  const cont = query.get("continue");
  const offset = cont ? Number(Buffer.from(cont, "base64url").toString()) : 0;
  const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
  const more = limit > 0 && offset + limit < items.length;
  const builtin = BUILTIN_GROUPS.has(type.group);
  const metadata = {
    resourceVersion: String(x.store.revision),
    ...(more
      ? {
          continue: Buffer.from(String(offset + limit)).toString("base64url"),
          remainingItemCount: items.length - offset - limit,
        }
      : {}),
  };
  const rendered = page.map((s) => {
    const o = render(type, s);
    if (!builtin) return o;
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  send(
    x.res,
    200,
    { kind: `${type.kind}List`, apiVersion: groupVersion(type), metadata, items: rendered },
    x.record,
  );
}

async function serveCollection(x: Exchange): Promise<void> {
  if (x.method === "GET") return serveList(x);
  if (x.method !== "POST") throw methodNotAllowed();
  const body = await objectBody(x);
  send(x.res, 201, create(x.store, x.route.type, x.route.namespace, body, x.writeOpts), x.record);
}

async function servePatch(x: Exchange): Promise<void> {
  const body = parseBody(await readBody(x.req), x.contentType);
  if (x.contentType === "application/apply-patch+yaml") {
    if (!x.query.get("fieldManager")) {
      throw new KubeStatusError(
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    const force = x.query.get("force") === "true";
    const result = apply(x.store, x.route, body as KubeObject, { ...x.writeOpts, force });
    send(x.res, result.created ? 201 : 200, result.object, x.record);
    return;
  }
  if (x.query.has("force")) {
    throw new KubeStatusError(
      422,
      "Invalid",
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  }
  send(x.res, 200, patch(x.store, x.route, x.contentType, body, x.writeOpts), x.record);
}

async function serveDelete(x: Exchange): Promise<void> {
  const { type, namespace } = x.route;
  const name = x.route.name as string;
  const raw = await readBody(x.req);
  let propagation = x.query.get("propagationPolicy") ?? "Background";
  if (raw.length > 0) {
    const opts = parseBody(raw, "application/json") as { propagationPolicy?: string };
    propagation = opts.propagationPolicy ?? propagation;
  }
  if (x.route.subresource) throw methodNotAllowed();
  if (x.writeOpts.dryRun) {
    const stored = x.store.objects.get(keyOf(type, namespace, name));
    if (!stored) throw notFound(type, name);
    send(x.res, 200, render(type, stored), x.record);
    return;
  }
  send(x.res, 200, removeObject(x.store, type, namespace, name, propagation), x.record);
}

async function serveObject(x: Exchange): Promise<void> {
  const { type, namespace } = x.route;
  const name = x.route.name as string;
  if (type.namespaced && namespace === undefined) throw resourceNotFound();
  switch (x.method) {
    case "GET": {
      const stored = x.store.objects.get(keyOf(type, namespace, name));
      if (!stored) throw notFound(type, name);
      send(x.res, 200, render(type, stored), x.record);
      return;
    }
    case "PUT":
      send(x.res, 200, update(x.store, x.route, await objectBody(x), x.writeOpts), x.record);
      return;
    case "PATCH":
      return servePatch(x);
    case "DELETE":
      return serveDelete(x);
    default:
      throw methodNotAllowed();
  }
}

function serveLog(x: Exchange): void {
  if (x.method !== "GET") throw methodNotAllowed();
  servePodLog(x.store, x.route, x.query, x.req, x.res);
  x.record.status = 200;
}

/** Answers one request: authentication, routing, RBAC, then the collection, object or log handler. */
export async function handle(
  store: KubeStore,
  settings: HttpSettings,
  req: IncomingMessage,
  res: ServerResponse,
  record: KubeRequestRecord,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const segments = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map(decodeURIComponent);
  if (req.headers.authorization !== `Bearer ${settings.token}`) {
    throw new KubeStatusError(401, "Unauthorized", "Unauthorized");
  }
  const routed = route(store.types, segments);
  const method = req.method ?? "GET";
  if ("document" in routed) {
    if (method !== "GET") throw methodNotAllowed();
    send(res, 200, routed.document, record);
    return;
  }
  const r = routed.route;
  const query = url.searchParams;
  checkAccess(settings.authorize, r, method);
  if (r.subresource !== undefined) {
    const allowed =
      (r.subresource === "status" && r.type.status) ||
      (r.subresource === "log" && r.type.resource === "pods");
    if (!allowed) throw resourceNotFound();
  }
  const writeOpts: WriteOptions = {
    manager: query.get("fieldManager") ?? userAgentManager(req.headers["user-agent"]),
    dryRun: query.get("dryRun") === "All",
  };
  if (r.subresource) writeOpts.subresource = r.subresource;
  const contentType =
    (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "application/json";
  const x: Exchange = { store, req, res, record, route: r, query, method, contentType, writeOpts };
  if (r.subresource === "log") return serveLog(x);
  if (r.name === undefined) return serveCollection(x);
  return serveObject(x);
}
