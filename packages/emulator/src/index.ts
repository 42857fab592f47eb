export { AwsApiError } from "./aws-error.js";
export type { Emulator, EmulatorOptions } from "./emulator.js";
export { emulatorClientConfig, startEmulator } from "./emulator.js";
export { clearFaults, injectFault } from "./fault-client.js";
export type { FaultRule, FaultRuleInput } from "./faults.js";
export type { LogStore, StoredLogEvent } from "./logs/log-store.js";
