import { describe, expect, it } from "vitest";
import { answerFormat, dataProcessing, filterInput, outputRecord, splitAnswer } from "./data-processing.js";
import { parseJsonPath } from "./json-path.js";

describe("JSONPath filters as SageMaker documents them", () => {
  const row = ["id", "a", "b", "c", "d", "e", "f"];
  it.each([
    ["$", row],
    ["$[1:]", row.slice(1)],
    ["$[0]", "id"],
    ["$[-1]", "f"],
    ["$[1,3,5]", ["a", "c", "e"]],
    ["$[0,5:]", ["id", "e", "f"]],
    // The slice's end is inclusive: "$[1:4] specifies the second through fifth columns".
    ["$[1:4]", ["a", "b", "c", "d"]],
    ["$[:2]", ["id", "a", "b"]],
  ])("%s", (path, want) => {
    expect(parseJsonPath(path).select(row)).toEqual(want);
  });

  it("selects JSON attributes", () => {
    const record = { id: 7, features: [1, 2], SageMakerOutput: 0.5 };
    expect(parseJsonPath("$.features").select(record)).toEqual([1, 2]);
    expect(parseJsonPath("$['id','SageMakerOutput']").select(record)).toEqual({
      id: 7,
      SageMakerOutput: 0.5,
    });
  });

  it("rejects what SageMaker rejects", () => {
    expect(() => parseJsonPath("$[0:2,246:]")).toThrow(
      "Invalid JsonPath: $[0:2,246:]: only single range filters of format (eg: [1:5]) are supported. Format [0:2,246:] is not supported",
    );
    expect(() => parseJsonPath("features")).toThrow(/starts with \$/);
    expect(() => parseJsonPath("$[9]").select([1])).toThrow(/out of range/);
  });
});

describe("records", () => {
  it("CSV: filters the input, joins input and answer, filters the joined record; quotes stay valid", () => {
    const dp = dataProcessing(
      { InputFilter: "$[1:]", JoinSource: "Input", OutputFilter: "$[0,-1]" },
      "text/csv",
      "text/csv",
    );
    expect(filterInput(dp, '"x,1",2,3')).toBe("2,3");
    expect(splitAnswer(dp, "0.25\n0.75\n", 2)).toEqual(["0.25", "0.75"]);
    expect(outputRecord(dp, '"x,1",2,3', "0.25")).toBe('"x,1",0.25');
    expect(() => splitAnswer(dp, "0.25\n", 2)).toThrow(/1 lines for a mini-batch of 2/);
  });

  it("CSV input, JSON answer: one JSON array per mini-batch is cut into one value per record", () => {
    const dp = dataProcessing({ JoinSource: "Input" }, "text/csv", "application/json");
    expect(splitAnswer(dp, "[0.1, 0.9]", 2)).toEqual(["0.1", "0.9"]);
    expect(outputRecord(dp, "1,2", "0.9")).toBe("1,2,0.9");
  });

  it("JSON Lines: SageMakerOutput joins an object; anything else is wrapped in SageMakerInput", () => {
    const dp = dataProcessing(
      { InputFilter: "$.features", JoinSource: "Input" },
      "application/jsonlines",
      "application/jsonlines",
    );
    expect(filterInput(dp, '{"id":1,"features":[3,4]}')).toBe("[3,4]");
    expect(outputRecord(dp, '{"id":1,"features":[3,4]}', "0.5")).toBe(
      '{"id":1,"features":[3,4],"SageMakerOutput":0.5}',
    );
    expect(outputRecord(dp, "[3,4]", "0.5")).toBe('{"SageMakerInput":[3,4],"SageMakerOutput":0.5}');
    const picked = dataProcessing(
      { JoinSource: "Input", OutputFilter: "$['id','SageMakerOutput']" },
      "application/jsonlines",
      "application/jsonlines",
    );
    expect(outputRecord(picked, '{"id":1,"features":[3,4]}', "0.5")).toBe('{"id":1,"SageMakerOutput":0.5}');
  });

  it("cuts an answer by the Content-Type the container sent, whatever the job's Accept", () => {
    const asked = dataProcessing({ JoinSource: "Input" }, "text/csv", "text/csv");
    const sent = { ...asked, ...answerFormat("application/json; charset=utf-8") };
    expect(splitAnswer(sent, "[0.1,0.9]", 2)).toEqual(["0.1", "0.9"]);
    expect(outputRecord(sent, "a,1", "0.9")).toBe("a,1,0.9");
  });
});
