import type { JsonObject } from "./json.js";

/** What a deploy does to one resource. `unchanged`: it exists and applying leaves it as it is. */
export type PlannedAction = "create" | "update" | "delete" | "unchanged";

/** One resource a deploy touches, as pure data. */
export interface PlannedChange {
  action: PlannedAction;
  /** The resource's kind in the target's own terms: `Endpoint`, `EndpointConfig`, `Deployment`, `Secret`, `S3Object`. */
  kind: string;
  /** Its name, as the target's console shows it (`namespace/name` on Kubernetes, an `s3://` URI for objects). */
  name: string;
  /** Why, in a few words (`serves the new model`, `fresh ECR token`). */
  reason?: string;
}

/**
 * What `deploy(spec)` will change, computed with reads only: JSON-safe, printable (`mlship deploy --dry-run`),
 * and applied as is by `DeployTarget.apply`. Holds no secrets (no tokens, no presigned URLs).
 */
export interface DeployPlan {
  target: string;
  /** The deployment's name. */
  name: string;
  /** `create` when no deployment of that name exists yet, else `update` (in place). */
  operation: "create" | "update";
  /** In the order they are applied. */
  changes: PlannedChange[];
  /** What the plan could not settle or the user should know (e.g. the public URL is unknown). */
  notes?: string[];
  /** What the target's apply step needs (resolved model, names); opaque to everyone else. */
  inputs: JsonObject;
}
