import type { IncomingMessage, ServerResponse } from "node:http";
import { XMLBuilder } from "fast-xml-parser";
import { AwsApiError } from "./aws-error.js";
import type { Faults } from "./faults.js";
import { readBody, requestId, send } from "./http/io.js";
import { toAwsError } from "./http/json-protocol.js";

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" });

/** What a query-protocol action sees besides its parameters. */
export interface QueryCall {
  params: URLSearchParams;
  /** Access key id of the SigV4 credential scope, when the request was signed. */
  accessKeyId?: string;
}

/** An awsQuery service (form-encoded `Action=…`, XML answers), as STS and IAM speak it. */
export interface QueryService {
  /** SigV4 service name, also the fault-rule service (`sts`, `iam`). */
  service: string;
  /** XML namespace of every answer, e.g. `https://iam.amazonaws.com/doc/2010-05-08/`. */
  namespace: string;
  /** API version, named in the InvalidAction message. */
  version: string;
  /** Handlers by action name; each returns the members of `<Action>Result`. */
  actions: Record<string, (call: QueryCall) => Record<string, unknown>>;
}

/**
 * Serves one query-protocol request: `<Action>Response><Action>Result>…` on success, the
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` shape botocore's query parser
 * reads on failure (`InvalidAction` for actions the service does not emulate).
 */
export async function handleQuery(
  svc: QueryService,
  faults: Faults,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  accessKeyId: string | undefined,
): Promise<void> {
  const id = requestId();
  const headers = { "content-type": "text/xml", "x-amzn-requestid": id };
  try {
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams((await readBody(req, 1024 * 1024)).toString("utf8")))
      params.set(k, v);
    const action = params.get("Action") ?? "";
    const fault = await faults.apply(svc.service, action, res);
    if (fault) throw fault;
    const handler = Object.hasOwn(svc.actions, action) ? svc.actions[action] : undefined;
    if (!handler) {
      throw new AwsApiError(
        "InvalidAction",
        `Could not find operation ${action} for version ${svc.version}`,
        400,
      );
    }
    const result = handler({ params, ...(accessKeyId ? { accessKeyId } : {}) });
    const body = builder.build({
      [`${action}Response`]: {
        "@_xmlns": svc.namespace,
        [`${action}Result`]: result,
        ResponseMetadata: { RequestId: id },
      },
    });
    send(res, 200, headers, body);
  } catch (error) {
    req.resume();
    const e = toAwsError(error);
    const body = builder.build({
      ErrorResponse: {
        "@_xmlns": svc.namespace,
        Error: { Type: e.status >= 500 ? "Receiver" : "Sender", Code: e.code, Message: e.message },
        RequestId: id,
      },
    });
    send(res, e.status, headers, body);
  }
}
