import { MlshipError } from "../errors.js";

/** The media types every invoker and the scorer speak. */
export const CONTENT_TYPES = {
  csv: "text/csv",
  json: "application/json",
  npy: "application/x-npy",
} as const;

export type SupportedContentType = (typeof CONTENT_TYPES)[keyof typeof CONTENT_TYPES];

/** `Text/CSV; charset=utf-8` -> `text/csv`. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  index: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  accept.split(",").forEach((part, index) => {
    const [range = "", ...params] = part.split(";");
    const [type, subtype] = range.trim().toLowerCase().split("/");
    if (!type || !subtype) return;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split("=").map((s) => s.trim());
      if (k?.toLowerCase() === "q" && v !== undefined) {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    ranges.push({ type, subtype, q, index });
  });
  return ranges;
}

/** 2 = exact, 1 = `type/*`, 0 = `* /*`, -1 = no match. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 2;
  if (range.type === type && range.subtype === "*") return 1;
  if (range.type === "*" && range.subtype === "*") return 0;
  return -1;
}

/**
 * Picks the response media type for an `Accept` header. Each supported type takes the q of its most
 * specific matching range; the highest q > 0 wins, ties going to the more specific match, then the
 * range listed first, then `fallback`. No header (or an empty one) means `fallback`.
 */
export function negotiateAccept(
  accept: string | undefined,
  supported: readonly string[],
  fallback: string,
): string {
  if (accept === undefined || accept.trim() === "") return fallback;
  const ranges = parseAccept(accept);
  let best: { type: string; q: number; spec: number; index: number; isFallback: boolean } | undefined;
  for (const candidate of supported) {
    const [type = "", subtype = ""] = mediaType(candidate).split("/");
    let match: MediaRange | undefined;
    let spec = -1;
    for (const r of ranges) {
      const s = specificity(r, type, subtype);
      if (s > spec) {
        spec = s;
        match = r;
      }
    }
    if (!match || match.q <= 0) continue;
    const cand = {
      type: candidate,
      q: match.q,
      spec,
      index: match.index,
      isFallback: candidate === fallback,
    };
    if (
      !best ||
      cand.q > best.q ||
      (cand.q === best.q &&
        (cand.spec > best.spec ||
          (cand.spec === best.spec &&
            (cand.index < best.index || (cand.index === best.index && cand.isFallback && !best.isFallback)))))
    ) {
      best = cand;
    }
  }
  if (!best) {
    throw new MlshipError(
      "E_UNSUPPORTED_MEDIA_TYPE",
      `None of the accepted types (${accept}) can be produced`,
      {
        hint: `Accept one of: ${supported.join(", ")}.`,
        details: { accept, supported: [...supported] },
      },
    );
  }
  return best.type;
}
