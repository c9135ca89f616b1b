import { describe, expect, it } from "vitest";
import {
  brierScore,
  expectedCalibrationError,
  LOG_LOSS_EPSILON,
  logLoss,
  prAuc,
  reliabilityBins,
  rocAuc,
} from "../../../lib/ml/metrics.ts";

describe("ROC AUC", () => {
  it("is the share of positive–negative pairs ranked right", () => {
    // Pairs (pos, neg): (0.35, 0.1) ✓, (0.35, 0.4) ✗, (0.8, 0.1) ✓, (0.8, 0.4) ✓ → 3/4.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
  });

  it("counts a tie between a positive and a negative as half a pair", () => {
    // Pairs: (0.5, 0.5) ½, (0.5, 0.2) 1, (0.8, 0.5) 1, (0.8, 0.2) 1 → 3.5/4.
    expect(rocAuc([1, 0, 0, 1], [0.5, 0.5, 0.2, 0.8])).toBeCloseTo(0.875, 12);
  });

  it("is one half when every score is the same, one when perfect, zero when inverted", () => {
    expect(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 0, 1], [0.1, 0.2, 0.9])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.9])).toBe(0);
  });

  it("refuses a single class: AUC is undefined then", () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/both classes/);
    expect(() => rocAuc([1, 0], [0.2])).toThrow(/2 labels but 1 scores/);
  });
});

describe("PR AUC (average precision)", () => {
  it("sums precision over the recall gained at each threshold", () => {
    // Ranked: 0.8 (+) P=1 R=½; 0.4 (−); 0.35 (+) P=⅔ R=1; 0.1 (−) → ½·1 + ½·⅔ = ⅚.
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
  });

  it("treats tied scores as one threshold", () => {
    // 0.9 (+) P=1 R=⅓; 0.5 (+,−,+) together: P=3/4 R=1 → ⅓·1 + ⅔·¾ = ⅚.
    expect(prAuc([1, 1, 0, 1], [0.9, 0.5, 0.5, 0.5])).toBeCloseTo(5 / 6, 12);
    // All tied: precision at the only threshold is the positive rate.
    expect(prAuc([1, 0, 0, 0], [0.2, 0.2, 0.2, 0.2])).toBeCloseTo(0.25, 12);
  });
});

describe("log loss and Brier score", () => {
  it("averages the negative log-likelihood", () => {
    // −(ln 0.8 + ln 0.6 + ln 0.9) / 3 = (0.22314 + 0.51083 + 0.10536) / 3
    const expected = -(Math.log(0.8) + Math.log(0.6) + Math.log(0.9)) / 3;
    expect(logLoss([1, 0, 1], [0.8, 0.4, 0.9])).toBeCloseTo(expected, 12);
    expect(logLoss([1, 0, 1], [0.8, 0.4, 0.9])).toBeCloseTo(0.27978, 5);
  });

  it("clips certain mistakes to a finite loss", () => {
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(LOG_LOSS_EPSILON), 6);
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true);
  });

  it("scores the mean squared error of the probabilities", () => {
    // (0.2² + 0.4² + 0.1²) / 3 = 0.07
    expect(brierScore([1, 0, 1], [0.8, 0.4, 0.9])).toBeCloseTo(0.07, 12);
  });
});

describe("calibration", () => {
  it("bins predictions and compares them with what happened", () => {
    const bins = reliabilityBins([0, 1, 1, 1, 0], [0.05, 0.15, 0.95, 1, 0.12], 2);
    expect(bins).toEqual([
      {
        lower: 0,
        upper: 0.5,
        count: 3,
        mean_predicted: expect.closeTo(0.32 / 3, 12),
        observed_rate: expect.closeTo(1 / 3, 12),
      },
      { lower: 0.5, upper: 1, count: 2, mean_predicted: expect.closeTo(0.975, 12), observed_rate: 1 },
    ]);
    // ECE = 3/5·|1/3 − 0.32/3| + 2/5·|1 − 0.975| = 0.136 + 0.01
    expect(expectedCalibrationError(bins)).toBeCloseTo(0.146, 12);
  });

  it("leaves empty bins empty", () => {
    const bins = reliabilityBins([1, 0], [0.91, 0.93], 10);
    expect(bins.filter((b) => b.count === 0)).toHaveLength(9);
    expect(bins[3]).toMatchObject({ count: 0, mean_predicted: null, observed_rate: null });
  });
});
