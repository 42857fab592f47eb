import { abortError, type Deployment, emit, MlshipError, type OperationContext, sleep } from "@mlship/core";
import type { KymaContext } from "./context.js";
import { compact, hostOf, secretsOf, toDeployment } from "./deployment-view.js";
import type { KymaExposureOptions } from "./options.js";
import type { PullSecretInfo } from "./pull-secret.js";
import { type Failure, observe, warningEvents } from "./status.js";

const DEFAULT_WAIT_MS = 15 * 60_000;
const DEFAULT_POLL_MS = 3_000;

function deployFailed(name: string, failure: Failure): MlshipError {
  return new MlshipError("E_DEPLOY_FAILED", `Deploying ${name} to Kyma failed: ${failure.message}`, {
    where: failure.pod
      ? `pod/${failure.pod}${failure.container ? `/${failure.container}` : ""}`
      : `deployment/${name}`,
    ...(failure.hint ? { hint: failure.hint } : {}),
    details: compact({
      reason: failure.reason,
      pod: failure.pod,
      container: failure.container,
      logTail: failure.logTail,
    }),
  });
}

function notReadyInTime(
  name: string,
  namespace: string,
  timeout: number,
  state: Awaited<ReturnType<typeof observe>>,
  warnings: string[],
): MlshipError {
  return new MlshipError(
    "E_TIMEOUT",
    `Deployment ${name} was not ready after ${Math.round(timeout / 1000)} s: ${state.message}${warnings.length > 0 ? `; recent warnings: ${warnings.join("; ")}` : ""}`,
    {
      where: `deployment/${name}`,
      hint: `Inspect it with \`kubectl -n ${namespace} describe deployment ${name}\` and \`kubectl -n ${namespace} get apirule ${name}\`; deploy again to keep waiting.`,
      details: compact({
        replicas: state.replicas,
        apiRuleState: state.apiRuleState,
        warnings: warnings.length > 0 ? warnings : undefined,
      }),
    },
  );
}

/** Polls the rollout until it is ready, fails for a reason waiting will not fix, times out or is aborted. */
export async function waitUntilReady(
  kyma: KymaContext,
  namespace: string,
  name: string,
  pull: PullSecretInfo | undefined,
  spec: KymaExposureOptions,
  ctx?: OperationContext,
): Promise<Deployment> {
  const timeout = kyma.options.waitTimeoutMs ?? DEFAULT_WAIT_MS;
  const started = Date.now();
  let last = "";
  for (;;) {
    if (ctx?.signal?.aborted) throw abortError(ctx.signal, `Deploying ${name}`);
    const state = await observe(kyma.kube(), namespace, name, pull);
    if (state.message !== last) {
      last = state.message;
      emit(ctx, { type: "deploy.status", name, status: state.status, message: state.message });
    }
    if (state.failure) throw deployFailed(name, state.failure);
    if (state.ready) {
      const host = state.deployment ? await hostOf(kyma, state.deployment, spec) : undefined;
      return toDeployment(kyma, state, namespace, host, await secretsOf(kyma, namespace, name));
    }
    if (Date.now() - started >= timeout) {
      throw notReadyInTime(
        name,
        namespace,
        timeout,
        state,
        await warningEvents(kyma.kube(), namespace, name),
      );
    }
    try {
      await sleep(kyma.options.pollIntervalMs ?? DEFAULT_POLL_MS, ctx?.signal);
    } catch {
      throw abortError(ctx?.signal as AbortSignal, `Deploying ${name}`);
    }
  }
}
