import { isMlshipError, type MlshipError } from "@mlship/core";

/** The MlshipError a promise rejects with; anything else (or no rejection at all) fails the test. */
export async function mlshipRejection(promise: Promise<unknown>): Promise<MlshipError> {
  try {
    await promise;
  } catch (e) {
    if (isMlshipError(e)) return e;
    throw e;
  }
  throw new Error("expected a rejection with an MlshipError");
}
