import { createHash } from "node:crypto";
import { AwsApiError } from "./aws-error.js";
import type { QueryService } from "./query-protocol.js";

// IAM's RoleName constraint (1-64 of [\w+=,.@-]).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The trust policy every emulated role shows: SageMaker may assume it. */
const TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" },
  ],
});

/**
 * IAM over the awsQuery protocol, only as far as role names need it: GetRole answers for any valid name
 * with `arn:aws:iam::<account>:role/<name>` (the SageMaker Python SDK's `expand_role` turns a role name
 * into an ARN this way). Every other action is IAM's `InvalidAction` error.
 */
export function iamService(accountId: string, created = new Date()): QueryService {
  return {
    service: "iam",
    namespace: "https://iam.amazonaws.com/doc/2010-05-08/",
    version: "2010-05-08",
    actions: {
      GetRole: ({ params }) => {
        const name = params.get("RoleName");
        if (name === null || !ROLE_NAME.test(name)) {
          throw new AwsApiError(
            "ValidationError",
            name === null
              ? "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"
              : `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`,
            400,
          );
        }
        return {
          Role: {
            Path: "/",
            RoleName: name,
            RoleId: roleId(accountId, name),
            Arn: `arn:aws:iam::${accountId}:role/${name}`,
            CreateDate: created.toISOString(),
            AssumeRolePolicyDocument: encodeURIComponent(TRUST_POLICY),
            MaxSessionDuration: 3600,
          },
        };
      },
    },
  };
}

/** A stable role id in IAM's form (`AROA` + 17 upper-case letters and digits). */
function roleId(accountId: string, name: string): string {
  const digest = createHash("sha256").update(`${accountId}/${name}`).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "AROA";
  for (let i = 0; i < 17; i++) id += alphabet[(digest[i] as number) % alphabet.length];
  return id;
}
