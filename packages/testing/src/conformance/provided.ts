/** The target a suite's `target()` gave; a plugin that provides none fails the suite with `message`. */
export function provided<T>(target: T | undefined, message: string): T {
  if (target === undefined) throw new Error(message);
  return target;
}
