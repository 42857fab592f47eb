import type { AccountScope, SageMakerResourceKind } from "./arn.js";
import type { RecordStore } from "./store.js";
import { createValidator, validateTags, validationError } from "./validation.js";

interface Tag {
  Key: string;
  Value: string;
}

/** A record that carries the Tags it was created with. */
export interface Tagged {
  Tags?: unknown[];
}

/** The stores whose records can be tagged, by the resource kind their ARNs name. */
export type TaggableStores = Partial<Record<SageMakerResourceKind, RecordStore<Tagged>>>;

const ARN_PATTERN = "^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+$";
// SageMaker allows 50 user tags on a resource; ListTags pages of at least 50 therefore always hold them all.
const MAX_TAGS = 50;

/**
 * AddTags, ListTags and DeleteTags over the emulator's records, found by ARN: the Tags a Create call was
 * given are what ListTags returns; AddTags replaces the value of a key it already has.
 */
export function createTagOperations(scope: AccountScope, stores: TaggableStores) {
  const lookup = (input: Record<string, unknown>) => {
    const v = createValidator();
    const arn = v.string(input.ResourceArn, "resourceArn", {
      required: true,
      maxLength: 256,
      pattern: ARN_PATTERN,
    }) as string;
    v.done();
    const [, , , region, account, resource = ""] = arn.split(":");
    const slash = resource.indexOf("/");
    const store = stores[resource.slice(0, slash) as SageMakerResourceKind];
    const record =
      region === scope.region && account === scope.accountId && slash > 0
        ? store?.get(resource.slice(slash + 1))
        : undefined;
    if (!store || !record) throw validationError(`Could not find resource "${arn}".`);
    return { store, record };
  };
  const tagsOf = (record: Tagged) => (record.Tags ?? []) as Tag[];

  return {
    AddTags(input: Record<string, unknown>) {
      const v = createValidator();
      validateTags(v, input.Tags, "tags", true);
      v.done();
      const { store, record } = lookup(input);
      const added = input.Tags as Tag[];
      const keys = new Set(added.map((t) => t.Key));
      const tags = [...tagsOf(record).filter((t) => !keys.has(t.Key)), ...added];
      if (tags.length > MAX_TAGS) {
        throw validationError(
          `A resource can have at most ${MAX_TAGS} tags (this one would have ${tags.length}).`,
        );
      }
      // In place: a running job or endpoint holds this very record and saves it again.
      record.Tags = tags;
      store.put(record);
      return { Tags: added };
    },
    ListTags(input: Record<string, unknown>) {
      const v = createValidator();
      v.number(input.MaxResults, "maxResults", { min: MAX_TAGS });
      v.string(input.NextToken, "nextToken", { maxLength: 8192 });
      v.done();
      return { Tags: tagsOf(lookup(input).record) };
    },
    DeleteTags(input: Record<string, unknown>) {
      const v = createValidator();
      const keys = v.list(input.TagKeys, "tagKeys", { required: true, min: 1, max: 50 });
      for (const [i, key] of (keys ?? []).entries()) {
        v.string(key, `tagKeys.${i + 1}.member`, { required: true, minLength: 1, maxLength: 128 });
      }
      v.done();
      const { store, record } = lookup(input);
      const drop = new Set(keys as string[]);
      record.Tags = tagsOf(record).filter((t) => !drop.has(t.Key));
      store.put(record);
      return {};
    },
  };
}
