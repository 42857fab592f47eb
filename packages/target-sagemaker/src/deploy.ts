import type { Deployment, OperationContext } from "@mlship/core";
import { MlshipError } from "@mlship/core";
import { applyPlan } from "./deploy-apply.js";
import { planDeploy, type SageMakerDeploySpec } from "./deploy-plan.js";
import { describeEndpoint } from "./endpoints.js";
import type { Session } from "./session.js";

export type { SageMakerDeploySpec } from "./deploy-plan.js";

/**
 * Creates the endpoint, or updates it in place when the name exists: plans (after any operation in progress
 * on the endpoint has finished), then applies that plan.
 */
export async function deploy(
  session: Session,
  spec: SageMakerDeploySpec,
  ctx?: OperationContext,
): Promise<Deployment> {
  return applyPlan(session, await planDeploy(session, spec, ctx, true), ctx);
}

/** Updates an existing endpoint in place; E_NOT_FOUND when there is none. */
export async function updateDeployment(
  session: Session,
  name: string,
  spec: Omit<SageMakerDeploySpec, "name">,
  ctx?: OperationContext,
): Promise<Deployment> {
  if (!(await describeEndpoint(session, name, ctx?.signal))) {
    throw new MlshipError("E_NOT_FOUND", `No endpoint named ${name}`, {
      where: name,
      hint: "Use deploy to create it.",
    });
  }
  return deploy(session, { ...spec, name }, ctx);
}
