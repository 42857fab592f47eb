// prepack: the published CLI carries the two breast-cancer examples `mlship demo` runs.
import { cpSync, rmSync } from "node:fs";

const from = new URL("../../../examples/", import.meta.url);
const to = new URL("../examples/", import.meta.url);
rmSync(to, { recursive: true, force: true });
for (const example of ["sklearn-breast-cancer", "node-breast-cancer"]) {
  cpSync(new URL(example, from), new URL(example, to), { recursive: true });
}
