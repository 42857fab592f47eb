// A complete third-party target in one file. It depends on @mlship/core only (as a peer), registers a
// DeployTarget under core's token, and keeps its state in a JSON file so every CLI call sees the same
// deployments. "Deploying" records the URL of a server that already speaks the SageMaker serving
// contract (GET /ping, POST /invocations), e.g. one started by `@mlship/target-local`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { createHttpInvoker, DeployTargetToken, defineTargetPlugin, MlshipError } from "@mlship/core";

function createHttpTarget({ stateFile }) {
  const read = () => (existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : {});
  const write = (all) => {
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, `${JSON.stringify(all, null, 2)}\n`);
  };
  const find = (name) => {
    const d = read()[name];
    if (!d)
      throw new MlshipError("E_NOT_FOUND", `No http deployment named "${name}"`, {
        hint: "List them with `mlship deployments list --target http`.",
      });
    return d;
  };
  const deploy = async (spec) => {
    const url = spec.model.modelData;
    if (!url || !/^https?:\/\//.test(url)) {
      throw new MlshipError(
        "E_INVALID_INPUT",
        "The http target needs --model <http(s) URL of a running model server>",
        { where: "--model" },
      );
    }
    const probe = createHttpInvoker({ url, retries: 0, timeoutMs: 5_000 });
    const healthy = await probe.ping().finally(() => probe.close());
    const now = new Date().toISOString();
    const all = read();
    const deployment = {
      target: "http",
      name: spec.name,
      status: healthy ? "InService" : "Failed",
      url,
      model: url,
      createdAt: all[spec.name]?.createdAt ?? now,
      updatedAt: now,
    };
    if (!healthy) deployment.failureReason = `GET ${url}/ping did not answer 200`;
    write({ ...all, [spec.name]: deployment });
    if (!healthy)
      throw new MlshipError("E_DEPLOY_FAILED", deployment.failureReason, {
        hint: "Start the model server first.",
      });
    return deployment;
  };
  return {
    name: "http",
    deploy,
    async get(name) {
      return find(name);
    },
    async list() {
      return Object.values(read());
    },
    async update(name, spec) {
      find(name);
      return deploy({ ...spec, name });
    },
    async delete(name) {
      const { [name]: _gone, ...rest } = read();
      write(rest);
    },
    async invoker(name) {
      return createHttpInvoker({ url: find(name).url });
    },
  };
}

export default defineTargetPlugin({
  name: "http",
  apiVersion: 1,
  register(container, options = {}) {
    const stateFile = options.stateFile ?? join(homedir(), ".mlship", "http-target.json");
    container.register(DeployTargetToken, { useValue: createHttpTarget({ stateFile }) });
  },
  describeOptions: () => [
    {
      name: "stateFile",
      type: "string",
      description: "where deployments are recorded (default ~/.mlship/http-target.json)",
    },
  ],
});
