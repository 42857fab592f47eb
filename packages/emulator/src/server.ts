import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsApiError } from "./aws-error.js";
import { type ControlContext, handleControl } from "./control.js";
import type { Faults } from "./faults.js";
import { sendJsonError } from "./http/json-protocol.js";
import { credentialScope } from "./http/scope.js";
import { handleJson, type JsonService, unknownOperation } from "./json-service.js";
import { handleQuery, type QueryService } from "./query-protocol.js";
import { type EndpointInvoker, handleRuntime, isRuntimePath } from "./runtime.js";
import { handleS3, type S3Service } from "./s3/router.js";

export interface Services {
  faults: Faults;
  s3: S3Service;
  /** awsQuery services by SigV4 service name (`sts`, `iam`). */
  query: Record<string, QueryService>;
  /** awsJson1_1 services by SigV4 service name (`logs`, `ecr`, `sagemaker`). */
  json: Record<string, JsonService>;
  runtime?: EndpointInvoker;
  control: ControlContext;
}

/** `X-Amz-Target` prefixes, for unsigned requests that carry no credential scope. */
const TARGET_SERVICES: Record<string, string> = {
  SageMaker: "sagemaker",
  Logs_20140328: "logs",
  AmazonEC2ContainerRegistry_V20150921: "ecr",
  AnyScaleFrontendService: "application-autoscaling",
};

/**
 * Routes one request: `/_mlship/*` to the control routes, otherwise by the SigV4 credential scope's service
 * (`s3`, `sts`, `iam`, `logs`, `ecr`, `sagemaker`); SageMaker Runtime signs as `sagemaker` too and is told apart
 * by its REST path. Requests without credentials are routed by `X-Amz-Target`, else treated as S3.
 */
export async function route(services: Services, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://emulator.local");
  if (url.pathname.startsWith("/_mlship/")) {
    await handleControl(services.control, req, res, url);
    return;
  }
  const scope = credentialScope(req, url.searchParams);
  const target = req.headers["x-amz-target"];
  const targetService =
    typeof target === "string" ? TARGET_SERVICES[target.split(".", 1)[0] ?? ""] : undefined;
  const service = scope?.service ?? (typeof target === "string" ? (targetService ?? "") : "s3");
  if (service === "s3") {
    await handleS3(services.s3, req, res, url, scope?.region);
    return;
  }
  const query = Object.hasOwn(services.query, service) ? services.query[service] : undefined;
  if (query) {
    await handleQuery(query, services.faults, req, res, url, scope?.accessKeyId);
    return;
  }
  if (service === "sagemaker" && target === undefined && isRuntimePath(url.pathname)) {
    await handleRuntime(services.runtime, services.faults, req, res, url);
    return;
  }
  const json = services.json[service];
  if (json) {
    await handleJson(json, services.faults, req, res);
    return;
  }
  req.resume();
  const error =
    typeof target === "string"
      ? unknownOperation(target.split(".", 1)[0] ?? "", target.split(".").at(-1) ?? "")
      : new AwsApiError(
          "UnrecognizedClientException",
          `The mlship emulator does not serve the "${service}" service`,
          400,
        );
  sendJsonError(res, error, "application/x-amz-json-1.1");
}
