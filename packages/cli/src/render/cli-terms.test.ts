import { describe, expect, it } from "vitest";
import { flagsByOption, inCliTerms } from "./cli-terms.js";

describe("errors in CLI terms", () => {
  const flags = flagsByOption([
    {
      plugin: {
        name: "x",
        apiVersion: 2,
        options: {} as never,
        flags: [
          { name: "--jwt-issuer <url>", option: "jwtIssuer", description: "", commands: ["deploy"] },
          {
            name: "--async-output <s3-uri>",
            option: "asyncOutput",
            paths: ["async.outputPath"],
            description: "",
            commands: ["deploy"],
          },
        ],
        create: () => ({}),
      },
    },
  ]);

  it("rewrites backticked option names the CLI or a plugin sets, and leaves others", () => {
    expect(inCliTerms("Pass `jwtIssuer` and `resume`, or `preprocess`.", flags)).toBe(
      "Pass --jwt-issuer and --resume, or `preprocess`.",
    );
  });

  it("rewrites a where that is exactly an option, and nothing else", () => {
    expect(inCliTerms("jwtIssuer", flags, { whole: true })).toBe("--jwt-issuer");
    expect(inCliTerms("Deployment/bc", flags, { whole: true })).toBe("Deployment/bc");
  });

  it("rewrites the spec paths a plugin flag declares its errors name", () => {
    expect(inCliTerms("async.outputPath", flags, { whole: true })).toBe("--async-output");
    expect(inCliTerms("async.failurePath", flags, { whole: true })).toBe("async.failurePath");
  });
});
