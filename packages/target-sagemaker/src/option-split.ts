/** `options` split into the given keys (a group of the plugin's flags) and the rest. */
export function splitOptions<O extends object, K extends string>(
  options: O,
  keys: ReadonlySet<K>,
): { picked: Partial<Record<K, unknown>>; rest: Omit<O, K> } {
  const entries = Object.entries(options);
  const has = (k: string) => (keys as ReadonlySet<string>).has(k);
  return {
    picked: Object.fromEntries(entries.filter(([k]) => has(k))) as Partial<Record<K, unknown>>,
    rest: Object.fromEntries(entries.filter(([k]) => !has(k))) as Omit<O, K>,
  };
}
