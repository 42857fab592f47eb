import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { findPython } from "../python.js";
import { decodeWireValue, envValue, pyFloatRepr, pyStr, toCmdArgs } from "./py-values.js";

/** What CPython itself prints, so these tests check against the toolkit's real semantics. */
async function python(code: string): Promise<string> {
  return execFileSync(await findPython(), ["-c", code], { encoding: "utf8" });
}

describe("Python value semantics of hyperparameters", () => {
  const wire = [
    "1.0",
    "1",
    "0.0001",
    "1e-05",
    "1e16",
    "123456789.125",
    "-2.5",
    "true",
    "null",
    '"abc"',
    "abc",
    '[1, 2.0, "x", true]',
    '{"b": 1, "a": [0.5]}',
    "NaN",
    "-0",
    "12345678901234567890",
    "3.0e2",
    '"it\'s"',
  ];

  it("str(json.loads(v)) matches CPython for each wire value", async () => {
    const expected = JSON.parse(
      await python(
        `import json\nout=[]\nfor v in json.loads(${JSON.stringify(JSON.stringify(wire))}):\n  try: x=json.loads(v)\n  except ValueError: x=v\n  out.append(str(x))\nprint(json.dumps(out))`,
      ),
    ) as string[];
    expect(wire.map((v) => pyStr(decodeWireValue(v)))).toEqual(expected);
  });

  it("the SM_HP_* / SM_HPS encoding matches the toolkit's json.dumps(sort_keys, compact)", async () => {
    const expected = JSON.parse(
      await python(
        `import json\nout=[]\nfor v in json.loads(${JSON.stringify(JSON.stringify(wire))}):\n  try: x=json.loads(v)\n  except ValueError: x=v\n  out.append(x if isinstance(x,str) else ("" if x is None else json.dumps(x, sort_keys=True, separators=(",",":"), ensure_ascii=True)))\nprint(json.dumps(out))`,
      ),
    ) as string[];
    expect(wire.map((v) => envValue(decodeWireValue(v)))).toEqual(expected);
  });

  it("float repr matches CPython across magnitudes", async () => {
    const values = [
      0.1,
      1 / 3,
      1e-4,
      1.5e-5,
      1e15,
      1e16,
      2 ** 60,
      5e-324,
      1.7976931348623157e308,
      -0.5,
      100,
      0.000123,
    ];
    const expected = JSON.parse(
      await python(`import json\nprint(json.dumps([repr(float(x)) for x in ${JSON.stringify(values)}]))`),
    );
    expect(values.map(pyFloatRepr)).toEqual(expected);
  });

  it("builds arguments like mapping.to_cmd_args: sorted, -x for one letter, dicts as k=v", () => {
    const hps = new Map([
      ["max-iter", decodeWireValue("100")],
      ["C", decodeWireValue("1.0")],
      ["layers", decodeWireValue('{"b": 2, "a": 1.5}')],
      ["flag", decodeWireValue("true")],
    ]);
    expect(toCmdArgs(hps)).toEqual([
      "-C",
      "1.0",
      "--flag",
      "True",
      "--layers",
      "a=1.5,b=2",
      "--max-iter",
      "100",
    ]);
  });
});
