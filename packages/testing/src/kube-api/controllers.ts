import { createHash } from "node:crypto";
import { nowTimestamp } from "./objects.js";
import type { KubeApiServer, KubeObject, KubeWriteEvent } from "./types.js";

/** What a simulated rollout ends in. */
export type SimulatedRollout = "ready" | "imagePullBackOff" | "crashLoopBackOff" | "initFailed" | "pending";

export interface SimulatedControllersOptions {
  /** Outcome of each Deployment write (default `ready`). */
  rollout?: (deployment: KubeObject) => SimulatedRollout;
  /** Status for each APIRule write (default `{ state: "Ready" }`). */
  apiRule?: (rule: KubeObject) => { state: string; description?: string };
  /** Log text per container name: current logs, and previous ones for crash-looping containers. */
  logs?: Record<string, string>;
}

type PodContainer = { name: string };

interface DeploymentSpec {
  replicas?: number;
  template: {
    metadata?: { labels?: Record<string, string> };
    spec: { containers?: PodContainer[]; initContainers?: PodContainer[] };
  };
}

const waiting = (reason: string, message: string) => ({ state: { waiting: { reason, message } } });
const done = (n: string) => ({ name: n, state: { terminated: { exitCode: 0, reason: "Completed" } } });
const running = (n: string, ready: boolean) => ({ name: n, ready, restartCount: 0, state: { running: {} } });

/** The pod status a kubelet would report for the outcome. */
function podStatus(outcome: SimulatedRollout, inits: string[], mains: string[]): Record<string, unknown> {
  switch (outcome) {
    case "ready":
      return {
        phase: "Running",
        initContainerStatuses: inits.map(done),
        containerStatuses: mains.map((n) => running(n, true)),
      };
    case "imagePullBackOff": {
      const message = "Back-off pulling image: failed to authorize: 401 Unauthorized";
      return inits.length
        ? {
            phase: "Pending",
            initContainerStatuses: inits.map((n) => ({ name: n, ...waiting("ImagePullBackOff", message) })),
          }
        : {
            phase: "Pending",
            containerStatuses: mains.map((n) => ({ name: n, ...waiting("ImagePullBackOff", message) })),
          };
    }
    case "crashLoopBackOff":
      return {
        phase: "Running",
        initContainerStatuses: inits.map(done),
        containerStatuses: mains.map((n, i) =>
          i === 0
            ? {
                name: n,
                ready: false,
                restartCount: 4,
                ...waiting("CrashLoopBackOff", `back-off 1m20s restarting failed container=${n}`),
                lastState: { terminated: { exitCode: 1, reason: "Error" } },
              }
            : running(n, true),
        ),
      };
    case "initFailed":
      return {
        phase: "Pending",
        initContainerStatuses: inits.map((n, i) =>
          i === 0
            ? { name: n, state: { terminated: { exitCode: 1, reason: "Error" } } }
            : { name: n, state: { waiting: { reason: "PodInitializing" } } },
        ),
      };
    default:
      return {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
      };
  }
}

/** The Deployment status its controller reports once the rollout is available, or is stuck. */
function deploymentStatus(
  ok: boolean,
  replicas: number,
  generation: number | undefined,
): Record<string, unknown> {
  return {
    observedGeneration: generation,
    replicas,
    updatedReplicas: replicas,
    ...(ok
      ? {
          readyReplicas: replicas,
          availableReplicas: replicas,
          conditions: [
            { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
            { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
          ],
        }
      : {
          unavailableReplicas: replicas,
          conditions: [
            { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
            { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
          ],
        }),
  };
}

/** One pod of the Deployment's current template (owned by it), with logs for its containers. */
function rollOut(server: KubeApiServer, deployment: KubeObject, options: SimulatedControllersOptions): void {
  const meta = deployment.metadata;
  const namespace = meta.namespace ?? "default";
  const name = meta.name as string;
  const spec = deployment.spec as DeploymentSpec;
  const outcome = options.rollout?.(deployment) ?? "ready";
  const hash = createHash("sha256").update(JSON.stringify(spec.template)).digest("hex").slice(0, 10);
  const pod = `${name}-${hash}-${hash.slice(0, 5)}`;
  const inits = (spec.template.spec.initContainers ?? []).map((c) => c.name);
  const mains = (spec.template.spec.containers ?? []).map((c) => c.name);
  if (!server.get({ apiVersion: "v1", kind: "Pod" }, namespace, pod)) {
    server.set({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: pod,
        namespace,
        labels: { ...(spec.template.metadata?.labels ?? {}), "pod-template-hash": hash },
        ownerReferences: [
          { apiVersion: "apps/v1", kind: "Deployment", name, uid: meta.uid as string, controller: true },
        ],
      },
      spec: spec.template.spec,
      status: podStatus(outcome, inits, mains),
    });
    for (const [container, text] of Object.entries(options.logs ?? {})) {
      if (![...inits, ...mains].includes(container)) continue;
      server.setPodLog(namespace, pod, container, text);
      if (outcome === "crashLoopBackOff")
        server.setPodLog(namespace, pod, container, text, { previous: true });
    }
  }
  server.setStatus(
    deployment,
    namespace,
    name,
    deploymentStatus(outcome === "ready", spec.replicas ?? 1, meta.generation),
  );
}

/**
 * Plays the controllers a test cluster lacks: for every Deployment write, a pod of the new template
 * (owned by the Deployment, `pod-template-hash` label) with container statuses for the chosen outcome,
 * and the Deployment's status (Available or not, observedGeneration); for every APIRule write, its status.
 * Returns a function that stops it.
 */
export function simulateControllers(
  server: KubeApiServer,
  options: SimulatedControllersOptions = {},
): () => void {
  return server.onWrite((e: KubeWriteEvent) => {
    if (e.type === "DELETED" || e.subresource) return;
    if (e.object.kind === "APIRule") {
      server.setStatus(e.object, e.object.metadata.namespace ?? "default", e.object.metadata.name as string, {
        lastProcessedTime: nowTimestamp(),
        ...(options.apiRule?.(e.object) ?? { state: "Ready" }),
      });
      return;
    }
    if (e.object.kind === "Deployment") rollOut(server, e.object, options);
  });
}
