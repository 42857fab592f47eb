import { readFileSync } from "node:fs";

/**
 * Runs the ```js block a README marks with `<!-- example: <name> ... -->` as written, with `globals` as its
 * free variables (the target, the model...) and a `console` whose `log` calls are returned, so a test can
 * check what the example prints. The README's example is then documentation that cannot rot.
 */
export async function runReadmeExample(
  readme: string | URL,
  name: string,
  globals: Record<string, unknown>,
): Promise<unknown[][]> {
  const text = readFileSync(readme, "utf8");
  const marker = `<!-- example: ${name}`;
  const start = text.indexOf(marker);
  // Blank lines may sit between the marker and the fence (formatters add one), as the docs test allows.
  const code = start < 0 ? undefined : /-->\n\s*```js\n([\s\S]*?)```/.exec(text.slice(start))?.[1];
  if (code === undefined)
    throw new Error(`${String(readme)} has no \`${marker} -->\` block followed by \`\`\`js`);
  const printed: unknown[][] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<void>;
  const run = new AsyncFunction(...Object.keys(globals), "console", code);
  await run(...Object.values(globals), { log: (...args: unknown[]) => printed.push(args) });
  return printed;
}
