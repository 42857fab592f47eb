import type { KubeConfigObject } from "./types.js";

/** A kubeconfig with one cluster, one token user and one current context pointing at the server. */
export function kubeconfigFor(
  url: string,
  token: string,
  contextName: string,
  contextNamespace: string | undefined,
): KubeConfigObject {
  return {
    apiVersion: "v1",
    kind: "Config",
    "current-context": contextName,
    // Plain HTTP on loopback: client-node only allows http:// when TLS verification is skipped.
    clusters: [{ name: contextName, cluster: { server: url, "insecure-skip-tls-verify": true } }],
    users: [{ name: contextName, user: { token } }],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: contextName,
          user: contextName,
          ...(contextNamespace ? { namespace: contextNamespace } : {}),
        },
      },
    ],
  };
}
