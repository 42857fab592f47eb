import { ECRClient } from "@aws-sdk/client-ecr";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPullSecret, ecrApi, ecrRegistryOf, pullSecretInfo } from "./pull-secret.js";

const IMAGE = "683313688378.dkr.ecr.eu-central-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";

describe("ecrRegistryOf", () => {
  it("finds account and region of ECR images only", () => {
    expect(ecrRegistryOf(IMAGE)).toEqual({
      host: "683313688378.dkr.ecr.eu-central-1.amazonaws.com",
      accountId: "683313688378",
      region: "eu-central-1",
    });
    expect(
      ecrRegistryOf("450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-scikit-learn:1.2-1-cpu-py3")
        ?.region,
    ).toBe("cn-north-1");
    expect(ecrRegistryOf("ghcr.io/acme/model:1")).toBeUndefined();
    expect(ecrRegistryOf("public.ecr.aws/acme/model:1")).toBeUndefined();
  });
});

describe("buildPullSecret against ECR (emulated)", () => {
  let emulator: Emulator;
  let ecr: ECRClient;
  beforeAll(async () => {
    emulator = await startEmulator();
    ecr = new ECRClient(emulatorClientConfig(emulator));
  }, 60_000);
  afterAll(async () => {
    ecr?.destroy();
    await emulator?.stop();
  });

  it("turns GetAuthorizationToken into a dockerconfigjson for the image's registry", async () => {
    const built = await buildPullSecret(ecrApi(ecr), { owner: "bc", namespace: "ml", image: IMAGE });
    if (!built) throw new Error("expected a secret");
    const config = JSON.parse(
      Buffer.from(
        (built.manifest.data as Record<string, string>)[".dockerconfigjson"] as string,
        "base64",
      ).toString(),
    );
    const entry = config.auths["683313688378.dkr.ecr.eu-central-1.amazonaws.com"];
    expect(entry.username).toBe("AWS");
    expect(Buffer.from(entry.auth, "base64").toString()).toBe(`AWS:${entry.password}`);
    expect(built.info.name).toBe("bc-ecr-pull");
    expect(Date.parse(built.info.expiresAt) - Date.now()).toBeGreaterThan(11 * 3600_000);
    expect(pullSecretInfo(built.manifest)).toEqual(built.info);
    // What callers may print never holds the password.
    expect(JSON.stringify(built.info)).not.toContain(entry.password);
    expect(
      await buildPullSecret(ecrApi(ecr), { owner: "bc", namespace: "ml", image: "ghcr.io/acme/m:1" }),
    ).toBeUndefined();
  });

  it("explains an ECR permission failure without leaking anything", async () => {
    const res = await fetch(`${emulator.endpoint}/_mlship/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        service: "ecr",
        operation: "GetAuthorizationToken",
        kind: "error",
        status: 400,
        code: "AccessDeniedException",
        message: "User is not authorized to perform: ecr:GetAuthorizationToken",
        count: 1,
      }),
    });
    expect(res.status).toBe(201);
    const err = await buildPullSecret(ecrApi(ecr), { owner: "bc", namespace: "ml", image: IMAGE }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: "E_PERMISSION", where: "profileName" });
    expect(err.message).toContain("AccessDeniedException");
    expect(err.hint).toContain("ecr:GetAuthorizationToken");
  });

  it("reports an unreachable ECR as a network problem", async () => {
    const unreachable = new ECRClient({
      ...emulatorClientConfig(emulator),
      endpoint: "http://127.0.0.1:9",
      maxAttempts: 1,
    });
    try {
      await expect(
        buildPullSecret(ecrApi(unreachable), { owner: "bc", namespace: "ml", image: IMAGE }),
      ).rejects.toMatchObject({
        code: "E_NETWORK",
        message: expect.stringContaining("ECR GetAuthorizationToken"),
      });
    } finally {
      unreachable.destroy();
    }
  });
});
