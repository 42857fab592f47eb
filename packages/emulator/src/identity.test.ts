import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { GetRoleCommand, IAMClient, IAMServiceException, ListRolesCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { awsCli, boto3Python, runAwsTool } from "@mlship/testing";
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

describe("IAM", () => {
  it("GetRole turns any role name into arn:aws:iam::<account>:role/<name>; other actions are InvalidAction", async () => {
    const iam = new IAMClient({ ...emulatorClientConfig(emulator), maxAttempts: 1 });
    try {
      const { Role } = await iam.send(new GetRoleCommand({ RoleName: "SageMakerRole" }));
      expect(Role?.Arn).toBe("arn:aws:iam::123456789012:role/SageMakerRole");
      expect(Role?.RoleName).toBe("SageMakerRole");
      expect(Role?.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
      expect(Role?.CreateDate).toBeInstanceOf(Date);
      const invalid = await iam.send(new GetRoleCommand({ RoleName: "no spaces" })).catch((e: unknown) => e);
      expect(invalid).toBeInstanceOf(IAMServiceException);
      expect((invalid as IAMServiceException).name).toBe("ValidationError");
      const other = await iam.send(new ListRolesCommand({})).catch((e: unknown) => e);
      expect(other).toBeInstanceOf(IAMServiceException);
      expect((other as IAMServiceException).name).toBe("InvalidAction");
      expect((other as IAMServiceException).$metadata.httpStatusCode).toBe(400);
    } finally {
      iam.destroy();
    }
  });

  it("answers boto3 as the SageMaker SDK's expand_role asks (IAM resource Role(name).arn) and the AWS CLI", async () => {
    // sagemaker.session.Session.expand_role: boto_session.resource("iam").Role(name).arn, i.e. GetRole.
    const code = [
      "import sys, boto3, botocore",
      "iam = boto3.resource('iam', endpoint_url=sys.argv[1])",
      "print(iam.Role('SageMakerRole').arn)",
      "try:",
      "    boto3.client('iam', endpoint_url=sys.argv[1]).list_users()",
      "except botocore.exceptions.ClientError as e:",
      "    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])",
    ].join("\n");
    const boto = await runAwsTool(boto3Python(), ["-c", code, emulator.endpoint], {
      region: emulator.region,
    });
    expect(boto.stderr).toBe("");
    expect(boto.stdout.trim().split("\n")).toEqual([
      "arn:aws:iam::123456789012:role/SageMakerRole",
      "InvalidAction 400",
    ]);
    const cli = await runAwsTool(
      awsCli(),
      ["iam", "get-role", "--role-name", "ml-exec", "--endpoint-url", emulator.endpoint, "--output", "json"],
      { region: emulator.region },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).Role.Arn).toBe("arn:aws:iam::123456789012:role/ml-exec");
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
