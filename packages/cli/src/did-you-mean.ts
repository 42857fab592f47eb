import { type Deployment, isMlshipError, MlshipError } from "@mlship/core";
import { distance } from "fastest-levenshtein";

/** Names close enough to `name` to be what the user meant, nearest first (as commander suggests flags). */
export function similarNames(name: string, names: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(name.length / 3));
  return names
    .map((n) => ({ n, d: distance(name.toLowerCase(), n.toLowerCase()) }))
    .filter(({ n, d }) => n !== name && d <= limit)
    .sort((a, b) => a.d - b.d)
    .map(({ n }) => n);
}

/**
 * Runs `work`; an E_NOT_FOUND for `name` gets a "did you mean" hint from the names `list` returns
 * (listing is best effort: if it fails, the original error stands).
 */
export async function withDidYouMean<T>(
  name: string,
  list: () => Promise<readonly Pick<Deployment, "name">[]>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isMlshipError(error) || error.code !== "E_NOT_FOUND") throw error;
    const names = await list().then(
      (all) => all.map((d) => d.name),
      () => [],
    );
    const similar = similarNames(name, names);
    if (similar.length === 0) throw error;
    throw new MlshipError(error.code, error.message, {
      cause: error.cause,
      where: error.where,
      details: { ...error.details, suggestions: similar },
      hint: `Did you mean ${similar.map((n) => `"${n}"`).join(" or ")}?`,
    });
  }
}
