import { isMlshipError, type MlshipErrorCode } from "@mlship/core";
import { expect } from "vitest";

/** Awaits a promise that must reject with an MlshipError of `code` (brand-checked, so duplicate installs pass). */
export async function expectMlshipError(promise: Promise<unknown>, code: MlshipErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with ${code}`).toBeDefined();
  expect(isMlshipError(error), `expected an MlshipError, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}
