/**
 * A function that splits the plugin's options into one group of its flags (`F`, the keys given) and the rest,
 * so each group (training, deploy) is read by its own module while the target gets only what it takes.
 */
export function flagSplitter<F extends object>(keys: ReadonlyArray<keyof F & string>) {
  const group = new Set<string>(keys);
  return <O extends F>(options: O): { flags: F; rest: Omit<O, keyof F> } => {
    const entries = Object.entries(options);
    return {
      flags: Object.fromEntries(entries.filter(([k]) => group.has(k))) as F,
      rest: Object.fromEntries(entries.filter(([k]) => !group.has(k))) as Omit<O, keyof F>,
    };
  };
}
