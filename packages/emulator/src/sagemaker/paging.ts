import { createValidator, timestampFilter, validationError } from "./validation.js";

/** How a resource kind is listed: its sort keys and the fields filters look at. */
export interface ListSpec<T> {
  sortKeys: readonly string[];
  statusValues?: readonly string[];
  name(item: T): string;
  /** Epoch milliseconds. */
  created(item: T): number;
  modified?(item: T): number;
  status?(item: T): string;
  /** The key for a sort order beyond Name, Status and CreationTime (e.g. FinalObjectiveMetricValue). */
  sortValue?(item: T): number;
}

const DEFAULT_MAX_RESULTS = 10;

/**
 * Applies a SageMaker List* request (NameContains, StatusEquals, Creation/LastModifiedTime windows,
 * SortBy/SortOrder, MaxResults, NextToken) to `items`. Defaults as AWS: newest first, 10 per page.
 */
export function listPage<T>(
  items: readonly T[],
  input: Record<string, unknown>,
  spec: ListSpec<T>,
): { page: T[]; nextToken?: string } {
  const v = createValidator();
  const maxResults = v.number(input.MaxResults, "maxResults", { min: 1, max: 100 }) ?? DEFAULT_MAX_RESULTS;
  const sortBy = v.string(input.SortBy, "sortBy", { oneOf: spec.sortKeys }) ?? "CreationTime";
  const sortOrder =
    v.string(input.SortOrder, "sortOrder", { oneOf: ["Ascending", "Descending"] }) ?? "Descending";
  const nameContains = v.string(input.NameContains, "nameContains", {
    maxLength: 63,
    pattern: "[a-zA-Z0-9\\-]+",
  });
  const statusEquals = spec.statusValues
    ? v.string(input.StatusEquals, "statusEquals", { oneOf: spec.statusValues })
    : undefined;
  const createdAfter = timestampFilter(v, input.CreationTimeAfter, "creationTimeAfter");
  const createdBefore = timestampFilter(v, input.CreationTimeBefore, "creationTimeBefore");
  const modifiedAfter = timestampFilter(v, input.LastModifiedTimeAfter, "lastModifiedTimeAfter");
  const modifiedBefore = timestampFilter(v, input.LastModifiedTimeBefore, "lastModifiedTimeBefore");
  const token = v.string(input.NextToken, "nextToken", { maxLength: 8192 });
  v.done();

  const needle = nameContains?.toLowerCase();
  const modified = spec.modified ?? spec.created;
  const filtered = items.filter(
    (item) =>
      (needle === undefined || spec.name(item).toLowerCase().includes(needle)) &&
      (statusEquals === undefined || spec.status?.(item) === statusEquals) &&
      (createdAfter === undefined || spec.created(item) > createdAfter) &&
      (createdBefore === undefined || spec.created(item) < createdBefore) &&
      (modifiedAfter === undefined || modified(item) > modifiedAfter) &&
      (modifiedBefore === undefined || modified(item) < modifiedBefore),
  );
  const direction = sortOrder === "Ascending" ? 1 : -1;
  const key = (item: T): string | number =>
    spec.sortValue
      ? spec.sortValue(item)
      : sortBy === "Name"
        ? spec.name(item).toLowerCase()
        : sortBy === "Status"
          ? (spec.status?.(item) ?? "")
          : spec.created(item);
  const sorted = [...filtered].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const primary = ka < kb ? -1 : ka > kb ? 1 : 0;
    // Ties (same status, same millisecond) fall back to the name so pages never overlap.
    return direction * (primary || spec.name(a).localeCompare(spec.name(b)));
  });

  const offset = token === undefined ? 0 : decodeToken(token);
  const page = sorted.slice(offset, offset + maxResults);
  const next = offset + maxResults;
  return next < sorted.length ? { page, nextToken: encodeToken(next) } : { page };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64url");
}

function decodeToken(token: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset?: unknown };
    if (typeof parsed.offset === "number" && Number.isInteger(parsed.offset) && parsed.offset >= 0)
      return parsed.offset;
  } catch {
    // falls through to the error below
  }
  throw validationError("Invalid pagination token");
}
