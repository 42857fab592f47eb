// `node --import ./trace-imports.mjs`: records every module URL the process resolves into $MLSHIP_TRACE_FILE.
import { register } from "node:module";

register("./trace-imports-hooks.mjs", import.meta.url, { data: { file: process.env.MLSHIP_TRACE_FILE } });
