import { isMlshipError, MlshipError } from "@mlship/core";

// scikit-learn's own words when a request has more or fewer columns than the model was fitted on.
const SKLEARN_WIDTH = /X has (\d+) features?, but (\w+) is expecting (\d+) features?/;
// Column names that usually hold the label, named first when one column too many was sent.
const LABEL_LIKE = /^(target|label|labels|y|class|outcome|diagnosis)$/i;

/**
 * A request the model refused because of its width is the data's problem, not one row's: the run stops at
 * once with E_INVALID_INPUT (instead of splitting every batch down to single rows).
 */
export function widthMismatch(error: unknown): MlshipError | undefined {
  const text = isMlshipError(error) ? `${error.message} ${String(error.details?.body ?? "")}` : String(error);
  const match = SKLEARN_WIDTH.exec(text);
  if (!match) return undefined;
  return explainWidth(Number(match[1]), Number(match[3]), [], error);
}

/** The width error naming the columns sent: the likely extra one, and the flags that choose columns. */
export function withColumnNames(error: MlshipError, features: readonly string[]): MlshipError {
  const { sent, expected } = error.details ?? {};
  if (typeof sent !== "number" || typeof expected !== "number" || error.code !== "E_INVALID_INPUT")
    return error;
  return explainWidth(sent, expected, features, error.cause);
}

function explainWidth(
  sent: number,
  expected: number,
  features: readonly string[],
  cause: unknown,
): MlshipError {
  const labelLike = features.filter((f) => LABEL_LIKE.test(f));
  const extra =
    sent > expected && labelLike.length > 0
      ? ` (${labelLike.map((f) => `'${f}'`).join(", ")} looks like a label)`
      : "";
  return new MlshipError(
    "E_INVALID_INPUT",
    `The model expects ${expected} features, but ${sent} columns were sent${extra}`,
    {
      cause,
      where: labelLike.length > 0 && sent > expected ? `column ${labelLike[0]}` : "features",
      details: { expected, sent, features: features.slice(0, 50) },
      hint:
        sent > expected
          ? "Leave the label out with --label <column> (library: label), or list the model's columns with --features."
          : "List the model's columns, in its order, with --features (library: features).",
    },
  );
}
