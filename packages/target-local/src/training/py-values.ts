/**
 * Hyperparameter values as the SageMaker training toolkit sees them: `json.loads` of each wire string
 * (falling back to the raw string), then Python's `str()` for arguments and `json.dumps` for env vars.
 * JavaScript numbers lose the int/float distinction (`1.0` vs `1`), which decides what a script
 * receives (`--C 1.0`), so decoded values keep the kind of their literal.
 */
export type PyValue =
  | null
  | boolean
  | string
  | { readonly kind: "int"; readonly text: string }
  | { readonly kind: "float"; readonly value: number }
  | PyValue[]
  | { readonly kind: "dict"; readonly entries: Array<[string, PyValue]> };

type Num = Extract<PyValue, { kind: "int" | "float" }>;
type Dict = Extract<PyValue, { kind: "dict" }>;

const isNum = (v: PyValue): v is Num =>
  typeof v === "object" && v !== null && !Array.isArray(v) && (v.kind === "int" || v.kind === "float");
const isDict = (v: PyValue): v is Dict =>
  typeof v === "object" && v !== null && !Array.isArray(v) && v.kind === "dict";

class Parser {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  fail(): never {
    throw new SyntaxError(`invalid JSON at ${this.pos}`);
  }
  ws(): void {
    while (/\s/.test(this.text[this.pos] ?? "")) this.pos++;
  }
  eat(word: string): boolean {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return true;
    }
    return false;
  }
  value(): PyValue {
    this.ws();
    const c = this.text[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (this.eat("true")) return true;
    if (this.eat("false")) return false;
    if (this.eat("null")) return null;
    // Python's json module also accepts these three.
    if (this.eat("NaN")) return { kind: "float", value: Number.NaN };
    if (this.eat("Infinity")) return { kind: "float", value: Number.POSITIVE_INFINITY };
    if (this.eat("-Infinity")) return { kind: "float", value: Number.NEGATIVE_INFINITY };
    return this.number();
  }
  number(): Num {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail();
    this.pos += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const text = m[0] === "-0" ? "0" : m[0];
      return { kind: "int", text };
    }
    return { kind: "float", value: Number(m[0]) };
  }
  string(): string {
    let end = this.pos + 1;
    while (end < this.text.length && this.text[end] !== '"') end += this.text[end] === "\\" ? 2 : 1;
    if (end >= this.text.length) this.fail();
    const literal = this.text.slice(this.pos, end + 1);
    this.pos = end + 1;
    return JSON.parse(literal) as string; // validates escapes and rejects raw control characters
  }
  array(): PyValue[] {
    this.pos++;
    const out: PyValue[] = [];
    this.ws();
    if (this.eat("]")) return out;
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.eat("]")) return out;
      if (!this.eat(",")) this.fail();
    }
  }
  object(): Dict {
    this.pos++;
    const entries: Array<[string, PyValue]> = [];
    this.ws();
    if (this.eat("}")) return { kind: "dict", entries };
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail();
      const key = this.string();
      this.ws();
      if (!this.eat(":")) this.fail();
      const value = this.value();
      const existing = entries.findIndex(([k]) => k === key);
      if (existing >= 0) entries.splice(existing, 1); // last one wins, as in Python
      entries.push([key, value]);
      this.ws();
      if (this.eat("}")) return { kind: "dict", entries };
      if (!this.eat(",")) this.fail();
    }
  }
}

/** `json.loads(text)`, or the text itself when it is not JSON (the toolkit's fallback). */
export function decodeWireValue(text: string): PyValue {
  try {
    const parser = new Parser(text);
    const value = parser.value();
    parser.ws();
    if (parser.pos !== text.length) parser.fail();
    return value;
  } catch {
    return text;
  }
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa = "", expText = "0"] = value.toExponential().split("e");
  const exp = Number(expText);
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = negative ? "-" : "";
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const e = `${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
    return `${sign}${digits[0]}${frac ? `.${frac}` : ""}e${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || "0"}`;
}

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/** Python's `repr()` of a decoded value (used inside lists and dicts). */
export function pyRepr(value: PyValue): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pyStrRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (isDict(value)) return `{${value.entries.map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(", ")}}`;
  return value.kind === "int" ? value.text : pyFloatRepr(value.value);
}

/** Python's `str()`. */
export function pyStr(value: PyValue): string {
  return typeof value === "string" ? value : pyRepr(value);
}

function jsonString(s: string): string {
  // ensure_ascii=True: everything outside ASCII as \uXXXX (surrogate pairs for astral characters).
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`. */
export function pyJsonDumps(value: PyValue | JsonLike): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return jsonString(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyJsonFloat(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v)).join(",")}]`;
  if (isNum(value as PyValue)) {
    const n = value as Num;
    return n.kind === "int" ? n.text : pyJsonFloat(n.value);
  }
  const entries: Array<[string, PyValue | JsonLike]> = isDict(value as PyValue)
    ? (value as Dict).entries
    : Object.entries(value as Record<string, JsonLike>);
  return `{${[...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${jsonString(k)}:${pyJsonDumps(v)}`)
    .join(",")}}`;
}

function pyJsonFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  return pyFloatRepr(v);
}

/** Plain JSON-ish data built on the Node side (paths, lists, nested config). Numbers are ints unless fractional. */
export type JsonLike =
  | null
  | undefined
  | boolean
  | number
  | string
  | PyValue
  | JsonLike[]
  | { [key: string]: JsonLike };

/** The toolkit's `mapping.to_cmd_args`: sorted keys, `-k` for one-letter names, dicts as `k=v,k2=v2`. */
export function toCmdArgs(hyperparameters: ReadonlyMap<string, PyValue>): string[] {
  const args: string[] = [];
  for (const key of [...hyperparameters.keys()].sort()) {
    const value = hyperparameters.get(key) as PyValue;
    args.push(key.length > 1 ? `--${key}` : `-${key}`);
    if (isDict(value)) {
      const sorted = [...value.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      args.push(sorted.map(([k, v]) => `${k}=${pyStr(v)}`).join(","));
    } else {
      args.push(value === null ? "" : pyStr(value));
    }
  }
  return args;
}

/** The toolkit's `to_env_vars` value formatting: strings as they are, None as "", the rest compact JSON. */
export function envValue(value: PyValue | JsonLike): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  return pyJsonDumps(value);
}
