import { ECRClient } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { collectingSink } from "@mlship/core";
import { createS3Client } from "@mlship/data-s3";
import { type Emulator, emulatorClientConfig, startEmulator } from "@mlship/emulator";
import {
  type KubeApiServer,
  type KubeObject,
  mlshipRejection,
  simulateControllers,
  startKubeApiServer,
} from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kymaTargetOn } from "./test/kyma-on-emulator.js";

// What reaches the cluster when temporary AWS credentials (SSO, an assumed role) sign the model URLs: every
// presigned URL carries their session token. The URLs must not outlive the credentials, the deploy says so,
// and refresh-credentials renews them.

const BUCKET = "kyma-temp-creds";
const MODEL = `s3://${BUCKET}/m/model.tar.gz`;
const SOURCE = `s3://${BUCKET}/m/sourcedir.tar.gz`;
const HOUR = 3600_000;

let emulator: Emulator;
let kube: KubeApiServer;
let ecr: ECRClient;
const clients: S3Client[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  const config = emulatorClientConfig(emulator);
  const s3 = createS3Client(config);
  clients.push(s3);
  ecr = new ECRClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const Key of ["m/model.tar.gz", "m/sourcedir.tar.gz"])
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: "x" }));
  kube = await startKubeApiServer({
    contextNamespace: "ml",
    objects: [
      {
        apiVersion: "networking.istio.io/v1",
        kind: "Gateway",
        metadata: { name: "kyma-gateway", namespace: "kyma-system" },
        spec: {
          servers: [{ port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["*.example.com"] }],
        },
      },
    ],
  });
  simulateControllers(kube, { rollout: () => "ready", apiRule: () => ({ state: "Ready" }) });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.destroy();
  ecr?.destroy();
  await kube?.stop();
  await emulator?.stop();
}, 60_000);

/** A target whose S3 client signs with a session: temporary credentials that end at `expiration`. */
function targetWith(expiration: Date) {
  const s3 = createS3Client({
    ...emulatorClientConfig(emulator),
    credentials: {
      accessKeyId: "ASIATEMPORARY",
      secretAccessKey: "secret",
      sessionToken: "SESSION-TOKEN-1",
      expiration,
    },
  });
  clients.push(s3);
  return kymaTargetOn(kube, { s3, ecr }, { auth: "none" });
}

const urlsSecret = () => kube.get({ apiVersion: "v1", kind: "Secret" }, "ml", "tc-model-urls") as KubeObject;
const decoded = (s: KubeObject, key: string) =>
  Buffer.from((s as unknown as { data: Record<string, string> }).data[key] as string, "base64").toString();

describe("kyma: model URLs signed with temporary credentials", () => {
  it("caps the URLs' lifetime at the credentials' expiry, says so in the deploy's events, and renews them", async () => {
    const before = Date.now();
    const target = targetWith(new Date(before + 2 * HOUR));
    const events = collectingSink();
    const d = await target.deploy(
      { name: "tc", model: { modelData: MODEL, sourceDir: SOURCE, entryPoint: "inference.py" } },
      { events },
    );
    // Exactly this reaches the cluster: two GET URLs for the two objects, each with the session token.
    const secret = urlsSecret();
    const url = new URL(decoded(secret, "MODEL_URL"));
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("SESSION-TOKEN-1");
    expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(2 * 3600);
    expect(Number(url.searchParams.get("X-Amz-Expires"))).toBeGreaterThan(2 * 3600 - 60);
    const expiresAt = Date.parse(secret.metadata.annotations?.["mlship.io/model-urls-expire-at"] as string);
    expect(expiresAt).toBeLessThanOrEqual(before + 2 * HOUR + 1000);
    expect(d.details).toMatchObject({ modelUrlsTemporaryCredentials: true });
    const said = events.of("deploy.status").map((e) => e.message ?? "");
    expect(said.some((m) => /Temporary AWS credentials signed the model URLs/.test(m))).toBe(true);
    expect(said.some((m) => m.includes("refresh-credentials tc"))).toBe(true);
    expect(JSON.stringify(events.events)).not.toContain("SESSION-TOKEN-1");

    // A later session renews the URLs (and their token) for its own lifetime.
    const renewed = await targetWith(new Date(Date.now() + 5 * HOUR)).refreshCredentials("tc");
    const urls = renewed.renewed.find((r) => r.credential.startsWith("model URLs"));
    expect(Date.parse(urls?.expiresAt as string)).toBeGreaterThan(before + 4 * HOUR);
    expect(new URL(decoded(urlsSecret(), "SOURCE_URL")).searchParams.get("X-Amz-Security-Token")).toBe(
      "SESSION-TOKEN-1",
    );
  });

  it("refuses to sign with credentials that have already expired, before writing anything", async () => {
    const err = await mlshipRejection(
      targetWith(new Date(Date.now() - 1000)).deploy({
        name: "late",
        model: { modelData: MODEL, sourceDir: SOURCE, entryPoint: "inference.py" },
      }),
    );
    expect(err.code).toBe("E_CREDENTIALS");
    for (const [kind, name] of [
      ["Secret", "late-model-urls"],
      ["Secret", "late-ecr-pull"],
    ])
      expect(kube.get({ apiVersion: "v1", kind: kind as string }, "ml", name as string)).toBeUndefined();
    expect(kube.get({ apiVersion: "apps/v1", kind: "Deployment" }, "ml", "late")).toBeUndefined();
  });
});
