import type { QueryService } from "./query-protocol.js";

/** STS over the awsQuery protocol: GetCallerIdentity answers with the emulator's account. */
export function stsService(accountId: string): QueryService {
  return {
    service: "sts",
    namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
    version: "2011-06-15",
    actions: {
      GetCallerIdentity: ({ accessKeyId }) => ({
        Arn: `arn:aws:iam::${accountId}:user/mlship`,
        UserId: accessKeyId && accessKeyId !== "" ? accessKeyId : "AIDAMLSHIPEMULATOR",
        Account: accountId,
      }),
    },
  };
}
