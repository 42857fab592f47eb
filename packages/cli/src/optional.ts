import { MlshipError } from "@mlship/core";

/**
 * Imports one of the CLI's optional peers (`@mlship/emulator`, `@mlship/target-local`), or says what to install,
 * as vite does for its optional peers. Only that package being absent becomes this E_CONFIG; a broken install of
 * it keeps its own error. `needs` lists every optional peer the command uses, for one install line.
 */
export async function importOptional<T>(
  name: string,
  command: string,
  needs: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    const message = String((error as Error)?.message ?? "");
    if (code !== "ERR_MODULE_NOT_FOUND" || !message.includes(`'${name}'`)) throw error;
    throw new MlshipError("E_CONFIG", `\`${command}\` needs ${name}, which is not installed`, {
      cause: error,
      where: name,
      hint: `Install it next to the CLI: npm i ${needs.join(" ")}`,
    });
  }
}
