import type { ObjectStore } from "@mlship/core";
import type { StateStore } from "./state.js";

export interface LocalTargetOptions {
  /** Where jobs and deployments are kept; default MLSHIP_LOCAL_STATE_DIR or ~/.mlship/local. */
  stateDir?: string;
  /** Python interpreter (else MLSHIP_PYTHON, else detected). */
  python?: string;
  /** For s3:// channels, model data and code. */
  objectStore?: ObjectStore;
  /** Worker processes per deployment; default the number of CPUs. */
  workers?: number;
  /** Address deployments listen on; default 127.0.0.1. */
  host?: string;
}

/** What the training and deployment halves of the target share. */
export interface LocalTargetContext {
  options: LocalTargetOptions;
  state: StateStore;
}
