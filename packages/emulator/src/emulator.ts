import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MlshipError, type ObjectStore } from "@mlship/core";
import { createAutoScaling } from "./autoscaling/service.js";
import { AWS_TIMING, type TrackingTiming } from "./autoscaling/target-tracking.js";
import { ecrOperations } from "./ecr.js";
import { Faults } from "./faults.js";
import { sendJsonError } from "./http/json-protocol.js";
import { iamService } from "./iam.js";
import { type JsonService, jsonService } from "./json-service.js";
import { logsOperations } from "./logs/api.js";
import { FileLogStore } from "./logs/file-log-store.js";
import { createStoreObjectStore } from "./s3/object-store.js";
import { S3Store } from "./s3/store.js";
import { createSageMakerService } from "./sagemaker/service.js";
import { route, type Services } from "./server.js";
import { stsService } from "./sts.js";

export interface EmulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Loopback address to bind; default 127.0.0.1. */
  host?: string;
  /** Where state lives; kept across restarts. Default: a temporary folder removed by `stop()`. */
  dataDir?: string;
  /** Default us-east-1. */
  region?: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Python interpreter for scikit-learn training and serving (else MLSHIP_PYTHON, else detected). */
  python?: string;
  /**
   * Application Auto Scaling's clock: datapoint period (AWS: 60 s) and how many datapoints in a row
   * scale out (3) or in (15). Tests shorten these.
   */
  autoscaling?: Partial<TrackingTiming>;
  /** How often buffered data-capture records are written to S3 (default 2 s). */
  dataCaptureFlushSeconds?: number;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: the endpoint for every AWS SDK client. */
  endpoint: string;
  region: string;
  accountId: string;
  dataDir: string;
  /** Core's ObjectStore port over the emulator's S3 storage, direct to disk. */
  objectStore: ObjectStore;
  stop(): Promise<void>;
}

/** Starts the emulator: every service on one HTTP server bound to a loopback address. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopback(host)) {
    throw new MlshipError("E_INVALID_INPUT", `The emulator only binds loopback addresses, not ${host}`, {
      where: "host",
      hint: "Use 127.0.0.1, localhost or ::1: the emulator accepts any credentials, so it must not be reachable from other machines.",
    });
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MlshipError("E_INVALID_INPUT", `Invalid emulator port ${port}`, {
      where: "port",
      hint: "Use a port from 1 to 65535, or 0 for any free one.",
    });
  }
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : await mkdtemp(join(tmpdir(), "mlship-emulator-"));
  let hadState: boolean;
  try {
    await mkdir(dataDir, { recursive: true });
    hadState = !temporary && (await readdir(dataDir)).length > 0;
  } catch (error) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Cannot use ${dataDir} as the emulator's data folder: ${(error as Error).message}`,
      {
        cause: error,
        where: "dataDir",
        hint: "Pass a folder you can write to (it is created if missing), not a file.",
      },
    );
  }

  const store = await S3Store.open(join(dataDir, "s3"));
  const objectStore = createStoreObjectStore(store);
  const logs = new FileLogStore(join(dataDir, "logs", "journal.jsonl"));
  const faults = new Faults();
  const sagemaker = createSageMakerService({
    region,
    accountId,
    dataDir,
    objectStore,
    logs,
    ...(options.python ? { python: options.python } : {}),
    captureFlushSeconds: options.dataCaptureFlushSeconds,
  });
  const autoscaling = createAutoScaling(join(dataDir, "application-autoscaling"), {
    scope: { region, accountId },
    variants: sagemaker.scalableVariants,
    timing: { ...AWS_TIMING, ...options.autoscaling },
  });

  const json: Record<string, JsonService> = {
    logs: jsonService("logs", "Logs_20140328", logsOperations(logs, { region, accountId })),
    ecr: jsonService("ecr", "AmazonEC2ContainerRegistry_V20150921", ecrOperations({ region, accountId })),
    "application-autoscaling": autoscaling.service,
    sagemaker: {
      service: "sagemaker",
      targetPrefix: "SageMaker",
      call: (op, input) => sagemaker.handle(op, input),
    },
  };
  let endpoint = "";
  const services: Services = {
    faults,
    s3: { store, accountId, region, faults },
    query: { sts: stsService(accountId), iam: iamService(accountId) },
    json,
    runtime: sagemaker,
    control: {
      faults,
      info: () => ({ endpoint, region, accountId, dataDir }),
      sagemakerFault: (action, params) => sagemaker.fault(action, params),
    },
  };

  const server = createServer((req, res) => {
    route(services, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendJsonError(res, error, "application/json");
    });
  });
  // Model invocations and long polls stay well under this; it only bounds dead connections.
  server.requestTimeout = 10 * 60 * 1000;
  server.keepAliveTimeout = 5_000;
  try {
    await listen(server, port, host);
  } catch (error) {
    // Nothing may outlive a start that failed: the temporary data folder included.
    autoscaling.close();
    await sagemaker.close();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    const inUse = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
    throw new MlshipError(
      inUse ? "E_INVALID_INPUT" : "E_INTERNAL",
      inUse
        ? `Port ${port} on ${host} is already in use`
        : `The emulator cannot listen on ${host}:${port}: ${(error as Error).message}`,
      {
        cause: error,
        where: "port",
        hint: "Pick another port (mlship emulator --port <n>), or 0 for any free one.",
      },
    );
  }
  endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;

  if (hadState) await sagemaker.restore();

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region,
    accountId,
    dataDir,
    objectStore,
    stop() {
      stopped ??= (async () => {
        autoscaling.close();
        await sagemaker.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        if (temporary) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Client settings for any `@aws-sdk/client-*`: `new S3Client(emulatorClientConfig(emulator))`. */
export function emulatorClientConfig(e: Pick<Emulator, "endpoint" | "region">): {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return {
    endpoint: e.endpoint,
    region: e.region,
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIAMLSHIPEMULATOR", secretAccessKey: "mlship-emulator-secret" },
  };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done();
    });
  });
}
