import { describe, expect, it } from "vitest";
import type { KubeObject } from "./kube.js";
import { redact, rolloutState } from "./status.js";

function deployment(status: Record<string, unknown>, generation = 1, replicas = 2): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "m", namespace: "ml", generation },
    spec: { replicas },
    status,
  };
}

const rule = (status?: Record<string, unknown>): KubeObject => ({
  apiVersion: "gateway.kyma-project.io/v2",
  kind: "APIRule",
  metadata: { name: "m", namespace: "ml" },
  ...(status ? { status } : {}),
});

const available = {
  observedGeneration: 1,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [{ type: "Available", status: "True" }],
};

describe("rolloutState", () => {
  it("is InService only when every replica is updated and available and the APIRule is Ready", () => {
    expect(rolloutState(deployment(available), rule({ state: "Ready" }))).toMatchObject({
      status: "InService",
      ready: true,
      message: "2/2 replicas available, APIRule Ready",
    });
    expect(rolloutState(deployment(available), rule({ state: "Processing" })).ready).toBe(false);
    expect(rolloutState(deployment(available), rule()).message).toContain("APIRule pending");
    expect(rolloutState(deployment(available), undefined).message).toContain("APIRule missing");
    // The controller has not seen generation 2 yet: the old status does not count.
    expect(rolloutState(deployment(available, 2), rule({ state: "Ready" }))).toMatchObject({
      status: "Updating",
      ready: false,
    });
    expect(
      rolloutState(
        deployment({ ...available, availableReplicas: 1, unavailableReplicas: 1 }),
        rule({ state: "Ready" }),
      ),
    ).toMatchObject({ status: "Creating", ready: false, message: "1/2 replicas available, APIRule Ready" });
  });

  it("names a ProgressDeadlineExceeded and an APIRule Error as failures", () => {
    const stuck = rolloutState(
      deployment({
        observedGeneration: 1,
        conditions: [
          {
            type: "Progressing",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: 'ReplicaSet "m-1" has timed out progressing.',
          },
        ],
      }),
      rule({ state: "Ready" }),
    );
    expect(stuck).toMatchObject({ status: "Failed", failure: { reason: "ProgressDeadlineExceeded" } });
    expect(stuck.message).toContain("has timed out progressing");
    const broken = rolloutState(
      deployment(available),
      rule({ state: "Error", description: "jwks unreachable" }),
    );
    expect(broken).toMatchObject({ status: "Failed", failure: { reason: "APIRuleError" } });
    expect(broken.message).toBe("APIRule m is in Error: jwks unreachable");
    expect(rolloutState(undefined, undefined).status).toBe("NotFound");
  });
});

describe("redact", () => {
  it("removes presigned URLs, bearer tokens and JWTs from log lines", () => {
    expect(
      redact("GET https://b.s3.amazonaws.com/m.tar.gz?X-Amz-Algorithm=AWS4&X-Amz-Signature=abc failed"),
    ).toBe("GET <presigned-url> failed");
    expect(redact("Authorization: Bearer s3cr3t-token")).toBe("Authorization: Bearer <redacted>");
    expect(redact("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0xxxxx.c2lnbmF0dXJl")).toBe("token <jwt>");
    expect(redact("ValueError: bad input")).toBe("ValueError: bad input");
  });
});
