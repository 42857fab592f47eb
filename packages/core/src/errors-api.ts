// `@mlship/core/errors`: the error type, its guard and the user-mistake mapping, without the rest of core,
// for code on a start-up path (the CLI's argument and config checks).
export * from "./errors.js";
export { userPathError } from "./user-path.js";
