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

  it("passes MlshipErrors through", () => {
    const original = new MlshipError("E_ABORTED", "stop");
    expect(wrapAwsError(original, "x")).toBe(original);
  });
});
