import { aws } from "@mlship/data-s3";
import type { SageMakerApi } from "./api.js";

/**
 * The tags on a SageMaker resource (Describe* calls do not return them; ListTags on the ARN does), as a map;
 * undefined when there are none, no ARN, or a port without `listTags`.
 */
export async function resourceTags(
  api: SageMakerApi,
  arn: string | undefined,
  what: string,
  signal?: AbortSignal,
): Promise<Record<string, string> | undefined> {
  const listTags = api.listTags?.bind(api);
  if (!listTags || !arn) return undefined;
  const out = await aws(
    `Listing the tags of ${what}`,
    () => listTags({ ResourceArn: arn, MaxResults: 50 }, { abortSignal: signal }),
    { where: what },
  );
  const pairs = (out.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]);
  return pairs.length ? Object.fromEntries(pairs) : undefined;
}
