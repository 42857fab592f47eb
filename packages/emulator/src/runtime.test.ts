import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from "@aws-sdk/client-sagemaker-runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsApiError } from "./aws-error.js";
import { Faults } from "./faults.js";
import type { EndpointInvoker } from "./runtime.js";
import { S3Store } from "./s3/store.js";
import { route, type Services } from "./server.js";

/**
 * The Runtime wire format against a fake of our own `EndpointInvoker` port (the real SageMaker service is
 * exercised end to end in sagemaker/): what reaches the invoker, and how answers and errors reach the SDK.
 */
const calls: Parameters<EndpointInvoker["invokeEndpoint"]>[0][] = [];
const invoker: EndpointInvoker = {
  async invokeEndpoint(req) {
    calls.push(req);
    if (req.endpointName === "broken") {
      throw new AwsApiError(
        "ModelError",
        'Received client error (400) from primary with message "bad input".',
        424,
        {
          OriginalStatusCode: 400,
          OriginalMessage: "bad input",
          LogStreamArn: "arn:aws:logs:us-east-1:000000000000:log-group:/aws/sagemaker/Endpoints/broken",
        },
      );
    }
    if (req.endpointName === "missing") {
      throw new AwsApiError("ValidationError", "Endpoint missing of account 000000000000 not found.");
    }
    return {
      status: 200,
      body: Buffer.from(`echo:${req.body.toString()}`),
      contentType: req.accept ?? "text/csv",
      customAttributes: req.customAttributes ? `seen=${req.customAttributes}` : undefined,
      invokedVariant: req.targetVariant ?? "AllTraffic",
    } as Awaited<ReturnType<EndpointInvoker["invokeEndpoint"]>>;
  },
};

let server: Server;
let dir: string;
let runtime: SageMakerRuntimeClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "emu-runtime-"));
  const faults = new Faults();
  const services: Services = {
    faults,
    s3: { store: await S3Store.open(dir), accountId: "000000000000", region: "us-east-1", faults },
    query: {},
    json: {},
    runtime: invoker,
    control: { faults, info: () => ({}) },
  };
  server = createServer((req, res) => void route(services, req, res));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  runtime = new SageMakerRuntimeClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  runtime?.destroy();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("InvokeEndpoint wire format", () => {
  it("passes body, content type, accept, custom attributes and target variant through, and back", async () => {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: "my-endpoint",
        Body: Buffer.from("1,2,3"),
        ContentType: "text/csv",
        Accept: "application/json",
        CustomAttributes: "trace=abc",
        TargetVariant: "blue",
        InferenceId: "inf-1",
      }),
    );
    expect(Buffer.from(out.Body as Uint8Array).toString()).toBe("echo:1,2,3");
    expect(out.ContentType).toBe("application/json");
    expect(out.CustomAttributes).toBe("seen=trace=abc");
    expect(out.InvokedProductionVariant).toBe("blue");
    expect(calls.at(-1)).toMatchObject({
      endpointName: "my-endpoint",
      contentType: "text/csv",
      accept: "application/json",
      customAttributes: "trace=abc",
      targetVariant: "blue",
      inferenceId: "inf-1",
    });
  });

  it("turns a model's failure into ModelError (424) with the original status, message and log stream", async () => {
    const error = await runtime
      .send(new InvokeEndpointCommand({ EndpointName: "broken", Body: "x" }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect(error.$metadata.httpStatusCode).toBe(424);
    expect(error.OriginalStatusCode).toBe(400);
    expect(error.OriginalMessage).toBe("bad input");
    expect(error.LogStreamArn).toContain("/aws/sagemaker/Endpoints/broken");
    expect(error.message).toContain("Received client error (400)");
  });

  it("answers ValidationError for unknown endpoints and 413 above 6 MB without calling the model", async () => {
    const missing = await runtime
      .send(new InvokeEndpointCommand({ EndpointName: "missing", Body: "x" }))
      .catch((e) => e);
    expect(missing).toBeInstanceOf(ValidationError);
    const before = calls.length;
    const big = await runtime
      .send(
        new InvokeEndpointCommand({ EndpointName: "my-endpoint", Body: Buffer.alloc(6 * 1024 * 1024 + 1) }),
      )
      .catch((e) => e);
    expect(big.$metadata.httpStatusCode).toBe(413);
    expect(big.name).toBe("ValidationError");
    expect(calls.length).toBe(before);
    const atLimit = await runtime.send(
      new InvokeEndpointCommand({ EndpointName: "my-endpoint", Body: Buffer.alloc(6 * 1024 * 1024, 0x31) }),
    );
    expect(atLimit.Body?.length).toBe(6 * 1024 * 1024 + "echo:".length);
  });
});
