import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { AwsApiError } from "./aws-error.js";
import { delay } from "./http/io.js";

/**
 * A fault rule: for calls to `service` (SigV4 service name: `s3`, `sagemaker`, `runtime.sagemaker`, `logs`,
 * `sts`, `iam`, `ecr`) and optionally one `operation` (`PutObject`, `DescribeTrainingJob`, `InvokeEndpoint`...),
 * answer with throttling or a server error, at `rate` (0..1) and/or for the next `count` calls, after
 * `latencyMs` of added delay. A rule with only `latencyMs` just slows calls down. A `drop` rule lets the
 * operation run and then closes the connection instead of answering: a response lost on its way back.
 */
export interface FaultRule {
  id: string;
  service: string;
  operation?: string;
  kind: "throttle" | "error" | "latency" | "drop";
  /** HTTP status for `error` (default 500). */
  status?: number;
  /** Error code to answer with instead of the service's default. */
  code?: string;
  message?: string;
  rate?: number;
  /** Remaining calls this rule applies to; the rule is removed when it reaches 0. */
  count?: number;
  latencyMs?: number;
  /** Calls this rule has affected so far. */
  hits: number;
}

/** A rule as added: `kind` defaults to "latency" for a rule with only `latencyMs`, else "error". */
export type FaultRuleInput = Omit<FaultRule, "id" | "hits" | "kind"> & {
  id?: string;
  kind?: FaultRule["kind"];
};

/** The services whose calls consult the rules (SigV4 service names, as `apply` is called with). */
const SERVICES = ["s3", "sts", "iam", "ecr", "logs", "sagemaker", "runtime.sagemaker"];
const KINDS = ["throttle", "error", "latency", "drop"];

/** The emulator's fault-injection rules, consulted before every API operation. */
export class Faults {
  private rules: FaultRule[] = [];

  add(input: FaultRuleInput): FaultRule {
    if (typeof input.service !== "string" || input.service === "") {
      throw new AwsApiError("ValidationException", 'A fault rule needs a service (e.g. "s3", "sagemaker")');
    }
    if (!SERVICES.includes(input.service)) {
      throw new AwsApiError(
        "ValidationException",
        `Unknown fault service "${input.service}" (${SERVICES.join(", ")}): the rule would never match`,
      );
    }
    const kind = input.kind ?? (input.latencyMs && !input.status && !input.code ? "latency" : "error");
    if (!KINDS.includes(kind)) {
      throw new AwsApiError("ValidationException", `Unknown fault kind "${kind}" (${KINDS.join(", ")})`);
    }
    if (input.rate !== undefined && !(input.rate >= 0 && input.rate <= 1)) {
      throw new AwsApiError("ValidationException", "rate must be between 0 and 1");
    }
    if (input.count !== undefined && !(Number.isInteger(input.count) && input.count > 0)) {
      throw new AwsApiError("ValidationException", "count must be a positive integer");
    }
    if (input.latencyMs !== undefined && !(input.latencyMs >= 0 && input.latencyMs <= 600_000)) {
      throw new AwsApiError("ValidationException", "latencyMs must be between 0 and 600000");
    }
    if (
      input.status !== undefined &&
      !(Number.isInteger(input.status) && input.status >= 400 && input.status <= 599)
    ) {
      throw new AwsApiError("ValidationException", "status must be an HTTP error status (400-599)");
    }
    const rule: FaultRule = { ...input, kind, id: input.id ?? randomBytes(6).toString("hex"), hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Applies the rules matching this call: waits for their added latency, then returns the fault to answer
   * with, if any. `throttle`/`error` faults are turned into the service's own error shape by `faultError`;
   * a `drop` rule makes `res` close the connection where the answer would go.
   */
  async apply(service: string, operation: string, res: ServerResponse): Promise<AwsApiError | undefined> {
    let latency = 0;
    let fault: AwsApiError | undefined;
    for (const rule of [...this.rules]) {
      if (rule.service !== service || (rule.operation && rule.operation !== operation)) continue;
      if (rule.rate !== undefined && Math.random() >= rule.rate) continue;
      rule.hits += 1;
      if (rule.count !== undefined) {
        rule.count -= 1;
        if (rule.count <= 0) this.remove(rule.id);
      }
      latency += rule.latencyMs ?? 0;
      if (rule.kind === "drop") dropAnswer(res);
      else if (!fault && rule.kind !== "latency") fault = faultError(service, rule);
    }
    if (latency > 0) await delay(latency);
    return fault;
  }
}

/**
 * Swallows whatever the handler answers on `res` and closes the connection instead, so the operation has
 * taken effect but the client sees a connection reset (what an SDK retries as a transient error).
 */
function dropAnswer(res: ServerResponse): void {
  res.writeHead = (() => res) as unknown as ServerResponse["writeHead"];
  res.write = (() => true) as unknown as ServerResponse["write"];
  res.end = (() => {
    res.socket?.destroy();
    return res;
  }) as unknown as ServerResponse["end"];
}

/** The error a service answers for a fault: S3 speaks `SlowDown`/`InternalError`, the others `ThrottlingException`/`InternalFailure`. */
function faultError(service: string, rule: FaultRule): AwsApiError {
  const s3 = service === "s3";
  if (rule.kind === "throttle") {
    if (s3) {
      return new AwsApiError(
        rule.code ?? "SlowDown",
        rule.message ?? "Please reduce your request rate.",
        rule.status ?? 503,
      );
    }
    // The query-protocol STS and IAM call it `Throttling`; the JSON services `ThrottlingException`.
    const code = rule.code ?? (service === "sts" || service === "iam" ? "Throttling" : "ThrottlingException");
    return new AwsApiError(code, rule.message ?? "Rate exceeded", rule.status ?? 400);
  }
  const status = rule.status ?? 500;
  const unavailable = status === 503;
  const code =
    rule.code ??
    (s3
      ? unavailable
        ? "ServiceUnavailable"
        : "InternalError"
      : unavailable
        ? "ServiceUnavailable"
        : "InternalFailure");
  const message =
    rule.message ??
    (unavailable
      ? "Service is unable to handle request."
      : "We encountered an internal error. Please try again.");
  return new AwsApiError(code, message, status);
}
