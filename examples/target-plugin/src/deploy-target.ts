import {
  abortError,
  createHttpInvoker,
  type Deployment,
  type DeploySpec,
  type DeployTarget,
  emit,
  MlshipError,
  type OperationContext,
} from "@mlship/core";
import type { JsonState } from "./state.js";

export interface HttpDeployOptions {
  deployments: JsonState<Deployment>;
  /** How long `deploy` waits for the server's GET /ping. */
  probeTimeoutMs: number;
}

/**
 * "Deploys" a model that already serves the SageMaker container contract (GET /ping, POST /invocations)
 * at an http(s) URL, e.g. one started by `@mlship/target-local`: it checks the server answers and records it.
 */
export function createHttpDeployTarget({ deployments, probeTimeoutMs }: HttpDeployOptions): DeployTarget {
  const deploy = async (spec: DeploySpec, ctx?: OperationContext): Promise<Deployment> => {
    // Checked before anything is recorded: the conformance kit (@mlship/testing/conformance) asks for both.
    if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${spec.name}`);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i.test(spec.name ?? "")) {
      throw new MlshipError("E_INVALID_INPUT", `Invalid deployment name "${spec.name}"`, {
        where: "--name",
        hint: "Use 1-63 letters, digits and '-'.",
      });
    }
    const url = spec.model.modelData;
    if (!url || !/^https?:\/\//.test(url)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        "The http target needs --model <http(s) URL of a running model server>",
        {
          where: "--model",
        },
      );
    }
    const probe = createHttpInvoker({ url, retries: 0, timeoutMs: probeTimeoutMs });
    const healthy = await probe.ping().finally(() => probe.close());
    const now = new Date().toISOString();
    const deployment: Deployment = {
      target: "http",
      name: spec.name,
      status: healthy ? "InService" : "Failed",
      url,
      model: url,
      createdAt: deployments.all()[spec.name]?.createdAt ?? now,
      updatedAt: now,
      ...(healthy ? {} : { failureReason: `GET ${url}/ping did not answer 200 within ${probeTimeoutMs} ms` }),
    };
    deployments.put(spec.name, deployment);
    emit(ctx, { type: "deploy.status", name: spec.name, status: deployment.status, message: `${url}/ping` });
    if (!healthy) {
      throw new MlshipError("E_DEPLOY_FAILED", deployment.failureReason as string, {
        hint: "Start the model server first, or give it longer with --probe-timeout.",
      });
    }
    return deployment;
  };
  return {
    name: "http",
    deploy,
    get: async (name) => deployments.get(name, "deployment"),
    list: async () => Object.values(deployments.all()),
    async update(name, spec, ctx) {
      deployments.get(name, "deployment");
      return deploy({ ...spec, name }, ctx);
    },
    async delete(name) {
      deployments.put(name, undefined);
    },
    invoker: async (name) => createHttpInvoker({ url: deployments.get(name, "deployment").url as string }),
  };
}
