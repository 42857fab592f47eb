import type { IncomingMessage, ServerResponse } from "node:http";
import { XMLBuilder } from "fast-xml-parser";
import { AwsApiError } from "./aws-error.js";
import type { Faults } from "./faults.js";
import { readBody, requestId, send } from "./http/io.js";
import { toAwsError } from "./http/json-protocol.js";

const NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_" });

export interface StsContext {
  accountId: string;
  faults: Faults;
}

/** STS over the awsQuery protocol (form-encoded `Action=…`, XML answers): GetCallerIdentity. */
export async function handleSts(
  ctx: StsContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  accessKeyId: string | undefined,
): Promise<void> {
  const id = requestId();
  try {
    const params = new URLSearchParams(url.search);
    for (const [k, v] of new URLSearchParams((await readBody(req, 1024 * 1024)).toString("utf8")))
      params.set(k, v);
    const action = params.get("Action") ?? "";
    const fault = await ctx.faults.apply("sts", action);
    if (fault) throw fault;
    if (action !== "GetCallerIdentity") {
      throw new AwsApiError(
        "InvalidAction",
        `Could not find operation ${action} for version 2011-06-15`,
        400,
      );
    }
    const result = {
      Arn: `arn:aws:iam::${ctx.accountId}:user/mlship`,
      UserId: accessKeyId && accessKeyId !== "" ? accessKeyId : "AIDAMLSHIPEMULATOR",
      Account: ctx.accountId,
    };
    const body = builder.build({
      GetCallerIdentityResponse: {
        "@_xmlns": NAMESPACE,
        GetCallerIdentityResult: result,
        ResponseMetadata: { RequestId: id },
      },
    });
    send(res, 200, { "content-type": "text/xml", "x-amzn-requestid": id }, body);
  } catch (error) {
    req.resume();
    const e = toAwsError(error);
    const body = builder.build({
      ErrorResponse: {
        "@_xmlns": NAMESPACE,
        Error: { Type: e.status >= 500 ? "Receiver" : "Sender", Code: e.code, Message: e.message },
        RequestId: id,
      },
    });
    send(res, e.status, { "content-type": "text/xml", "x-amzn-requestid": id }, body);
  }
}
