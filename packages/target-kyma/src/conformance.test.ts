// The Kyma target passes the conformance kit target authors run (@mlship/testing/conformance): the real
// client-node against the Kubernetes API test server, whose simulated controllers roll the Deployment out.
// No pod runs there, so the model's answers come from a loopback HTTP server standing in for the pod behind
// the APIRule (invokeBaseUrl); presigned URLs are signed locally and never fetched.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { createS3Client } from "@mlship/data-s3";
import { type KubeApiServer, simulateControllers, startKubeApiServer } from "@mlship/testing";
import { describeDeployTarget } from "@mlship/testing/conformance";
import { createKymaTarget } from "./index.js";

let kube: KubeApiServer | undefined;
let model: Server | undefined;

async function modelServer(): Promise<string> {
  model = createServer((req, res) => {
    req.resume();
    res.writeHead(req.method === "POST" && req.url === "/invocations" ? 200 : 404, {
      "content-type": "application/json",
    });
    res.end("[0.5]");
  });
  await new Promise<void>((resolve) => model?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(model.address() as AddressInfo).port}`;
}

describeDeployTarget("kyma (Kubernetes API test server)", {
  async target() {
    kube = await startKubeApiServer({ contextNamespace: "ml" });
    simulateControllers(kube, { logs: { model: "model server listening on 8080\n" } });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kube.kubeconfig);
    return createKymaTarget({
      kubeConfig,
      region: "us-east-1",
      domain: "c-1.kyma.example.com",
      auth: "noAuth",
      s3: createS3Client({
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
      }),
      invokeBaseUrl: await modelServer(),
      pollIntervalMs: 10,
      waitTimeoutMs: 10_000,
    });
  },
  spec: (name) => ({
    name,
    image: "ghcr.io/acme/sklearn-serving:1",
    model: {
      modelData: "s3://models/bc/model.tar.gz",
      sourceDir: "s3://models/bc/sourcedir.tar.gz",
      entryPoint: "inference.py",
    },
  }),
  request: { body: "1,2,3", contentType: "text/csv" },
  logLine: "model server listening on 8080",
  async cleanup() {
    await kube?.stop();
    await new Promise((resolve) => model?.close(resolve));
  },
});
