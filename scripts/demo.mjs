// `npm run demo`: the CLI's demo run from the TypeScript sources (tsx, the "@mlship/source" export condition,
// which the plugin loader honours too), so a fresh clone needs no build first.
import { main } from "@mlship/cli";

process.exitCode = await main(["demo", ...process.argv.slice(2)]);
