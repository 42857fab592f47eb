import { MlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { similarNames, withDidYouMean } from "./did-you-mean.js";

describe("did you mean", () => {
  it("suggests close names, nearest first, and nothing for a name unlike any", () => {
    const names = ["breast-cancer", "breast-cancer-v2", "churn"];
    expect(similarNames("breast-cancr", names)).toEqual(["breast-cancer", "breast-cancer-v2"]);
    expect(similarNames("fraud", names)).toEqual([]);
  });

  it("adds the suggestion to an E_NOT_FOUND, and leaves other errors alone", async () => {
    const list = async () => [{ name: "breast-cancer" }];
    const notFound = () => Promise.reject(new MlshipError("E_NOT_FOUND", "No deployment breast-cancr"));
    await expect(withDidYouMean("breast-cancr", list, notFound)).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      hint: 'Did you mean "breast-cancer"?',
      details: { suggestions: ["breast-cancer"] },
    });
    const other = () => Promise.reject(new MlshipError("E_NETWORK", "down"));
    await expect(withDidYouMean("breast-cancr", list, other)).rejects.toMatchObject({ code: "E_NETWORK" });
  });
});
