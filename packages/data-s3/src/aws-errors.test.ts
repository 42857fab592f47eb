import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { MlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { isNotFound, wrapAwsError } from "./aws-errors.js";

const awsError = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, requestId: "req-1" } });

describe("wrapAwsError", () => {
  it("maps SageMaker's not-found ValidationException to E_NOT_FOUND and keeps the cause", () => {
    const cause = awsError("ValidationException", 'Could not find endpoint "x".', 400);
    const err = wrapAwsError(cause, "Describing endpoint x");
    expect(err.code).toBe("E_NOT_FOUND");
    expect(err.cause).toBe(cause);
    expect(err.details).toMatchObject({ awsError: "ValidationException", status: 400, requestId: "req-1" });
    expect(isNotFound(awsError("ValidationError", "Endpoint x of account 1 not found."))).toBe(true);
  });

  it("maps credentials, permissions, throttling and plain validation errors", () => {
    expect(wrapAwsError(awsError("CredentialsProviderError", "Could not load credentials"), "x").code).toBe(
      "E_CREDENTIALS",
    );
    expect(wrapAwsError(awsError("AccessDeniedException", "no", 400), "x").code).toBe("E_PERMISSION");
    expect(wrapAwsError(awsError("ThrottlingException", "slow down", 400), "x").code).toBe("E_THROTTLED");
    expect(wrapAwsError(awsError("ValidationException", "bad instance type", 400), "x").code).toBe(
      "E_INVALID_INPUT",
    );
    expect(
      wrapAwsError(awsError("InternalFailure", "boom", 500), "x", { code: "E_DEPLOY_FAILED" }).code,
    ).toBe("E_DEPLOY_FAILED");
  });

  it("a missing region is E_CONFIG naming the flag, the option and the environment variables", async () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    // A real client with no region anywhere (the profile is one that does not exist): the SDK's own error.
    const sts = new STSClient({
      profile: "mlship-test-no-such-profile",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    try {
      const raw = await sts.send(new GetCallerIdentityCommand({})).then(
        () => undefined,
        (e: unknown) => e,
      );
      const err = wrapAwsError(raw, "Looking up the account");
      expect(err.code).toBe("E_CONFIG");
      expect(err.where).toBe("region");
      for (const word of ["--region", "AWS_REGION", "`region`"]) expect(err.hint).toContain(word);
    } finally {
      sts.destroy();
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    }
  });

  it("passes MlshipErrors through", () => {
    const original = new MlshipError("E_ABORTED", "stop");
    expect(wrapAwsError(original, "x")).toBe(original);
  });
});
