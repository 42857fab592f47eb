import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, emulatorClientConfig, startEmulator } from "./emulator.js";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ region: "eu-central-1", accountId: "123456789012" });
});

afterAll(async () => {
  await emulator?.stop();
});

describe("STS", () => {
  it("GetCallerIdentity answers with the emulator's account", async () => {
    const sts = new STSClient(emulatorClientConfig(emulator));
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe("123456789012");
    expect(me.Arn).toMatch(/^arn:aws:iam::123456789012:/);
    expect(me.UserId).toBeTruthy();
    sts.destroy();
  });
});

describe("ECR", () => {
  it("GetAuthorizationToken returns an AWS:<password> token valid for 12 hours", async () => {
    const ecr = new ECRClient(emulatorClientConfig(emulator));
    const before = Date.now();
    const out = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = out.authorizationData?.[0];
    const [user, password] = Buffer.from(data?.authorizationToken ?? "", "base64")
      .toString()
      .split(":");
    expect(user).toBe("AWS");
    expect(password?.length).toBeGreaterThan(20);
    const expires = data?.expiresAt?.getTime() ?? 0;
    expect(expires).toBeGreaterThanOrEqual(before + 12 * 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 12 * 3600_000 + 1000);
    expect(data?.proxyEndpoint).toBe("https://123456789012.dkr.ecr.eu-central-1.amazonaws.com");
    ecr.destroy();
  });
});
