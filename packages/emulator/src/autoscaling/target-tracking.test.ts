import { describe, expect, it } from "vitest";
import type { ScalingPolicyRecord } from "./records.js";
import { decide } from "./target-tracking.js";

const timing = { periodSeconds: 60, scaleOutDatapoints: 3, scaleInDatapoints: 5 };
const policy = (config: Partial<ScalingPolicyRecord["TargetTrackingScalingPolicyConfiguration"]> = {}) =>
  ({
    PolicyName: "p",
    Alarms: [
      { AlarmName: "TargetTracking-x-AlarmHigh-1", AlarmARN: "a" },
      { AlarmName: "TargetTracking-x-AlarmLow-1", AlarmARN: "b" },
    ],
    TargetTrackingScalingPolicyConfiguration: { TargetValue: 100, ...config },
  }) as ScalingPolicyRecord;

describe("target tracking", () => {
  it("scales out in proportion once every scale-out datapoint is above the target", () => {
    expect(decide(policy(), { datapoints: [500, 250, 250] }, 2, 0, timing)).toEqual({
      desired: 7,
      cause: expect.stringMatching(/AlarmHigh-1 in state ALARM triggered policy p/),
    });
    expect(decide(policy(), { datapoints: [500, 90, 250] }, 2, 0, timing)).toBeUndefined();
    expect(decide(policy(), { datapoints: [500, 250] }, 2, 0, timing)).toBeUndefined();
  });

  it("does not scale out again within ScaleOutCooldown (default 300 s)", () => {
    const h = { datapoints: [300, 300, 300], lastScaleOut: 1_000 };
    expect(decide(policy({ ScaleOutCooldown: 10 }), h, 1, 5_000, timing)).toBeUndefined();
    expect(decide(policy({ ScaleOutCooldown: 10 }), h, 1, 11_000, timing)?.desired).toBe(3);
    expect(decide(policy(), h, 1, 200_000, timing)).toBeUndefined();
  });

  it("scales in only after every scale-in datapoint is under 90 % of the target, honouring ScaleInCooldown and DisableScaleIn", () => {
    const quiet = { datapoints: [0, 10, 0, 0, 0] };
    expect(decide(policy(), quiet, 3, 0, timing)?.desired).toBe(1);
    expect(decide(policy(), { datapoints: [0, 95, 0, 0, 0] }, 3, 0, timing)).toBeUndefined();
    expect(decide(policy(), { datapoints: [0, 0, 0, 0] }, 3, 0, timing)).toBeUndefined();
    expect(decide(policy({ DisableScaleIn: true }), quiet, 3, 0, timing)).toBeUndefined();
    expect(
      decide(policy({ ScaleInCooldown: 60 }), { ...quiet, lastScaleIn: 0 }, 3, 30_000, timing),
    ).toBeUndefined();
    expect(
      decide(policy({ ScaleInCooldown: 60 }), { ...quiet, lastScaleIn: 0 }, 3, 61_000, timing)?.desired,
    ).toBe(1);
  });
});
