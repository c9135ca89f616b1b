import { describe, expect, it } from "vitest";
import {
  fitLogisticRegression,
  predictProbability,
  sigmoid,
  solveSymmetricPositiveDefinite,
} from "../../../lib/ml/logistic-regression.ts";

/** A small seeded generator (mulberry32) so the simulated data is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

describe("solveSymmetricPositiveDefinite", () => {
  it("solves a small system exactly", () => {
    // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = [1, −1, 2] → b = A·x = [2, −1, 5].
    const a = Float64Array.from([4, 2, 0, 2, 5, 1, 0, 1, 3]);
    const x = solveSymmetricPositiveDefinite(a, Float64Array.from([2, -1, 5]), 3);
    expect(Array.from(x).map((v) => Number(v.toFixed(12)))).toEqual([1, -1, 2]);
  });

  it("refuses a matrix that is not positive definite", () => {
    expect(() =>
      solveSymmetricPositiveDefinite(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2),
    ).toThrow(/not positive definite/);
  });
});

describe("fitLogisticRegression", () => {
  it("recovers the coefficients that generated the data", () => {
    const next = random(7);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Feature 2 has mean 5 and sd 3: standardisation must undo that.
      const row = [normal(next), 5 + 3 * normal(next)];
      const eta = -1 + 1.5 * (row[0] ?? 0) - 0.8 * (((row[1] ?? 0) - 5) / 3);
      rows.push(row);
      labels.push(next() < sigmoid(eta) ? 1 : 0);
    }
    const model = fitLogisticRegression(["a", "b"], rows, labels);
    expect(model.converged).toBe(true);
    expect(model.iterations).toBeLessThan(15);
    expect(model.intercept).toBeCloseTo(-1, 1);
    expect(model.weights[0]).toBeCloseTo(1.5, 1);
    expect(model.weights[1]).toBeCloseTo(-0.8, 1);
    expect(predictProbability(model, [0, 5])).toBeCloseTo(sigmoid(-1), 1);
  });

  it("stays finite on perfectly separable data thanks to the L2 penalty", () => {
    const rows = [[-2], [-1], [1], [2]];
    const model = fitLogisticRegression(["x"], rows, [0, 0, 1, 1], { l2: 0.1 });
    expect(model.converged).toBe(true);
    expect(Number.isFinite(model.weights[0])).toBe(true);
    expect(predictProbability(model, [2])).toBeGreaterThan(0.8);
    expect(predictProbability(model, [-2])).toBeLessThan(0.2);
    const stronger = fitLogisticRegression(["x"], rows, [0, 0, 1, 1], { l2: 10 });
    expect(Math.abs(stronger.weights[0] ?? 0)).toBeLessThan(Math.abs(model.weights[0] ?? 0));
  });

  it("gives a constant feature no weight and predicts the base rate from the intercept", () => {
    const model = fitLogisticRegression(["constant"], [[3], [3], [3], [3]], [1, 0, 0, 0]);
    expect(model.weights[0]).toBeCloseTo(0, 12);
    expect(predictProbability(model, [3])).toBeCloseTo(0.25, 8);
  });

  it("rejects rows of the wrong width or with missing values", () => {
    expect(() => fitLogisticRegression(["a", "b"], [[1]], [1])).toThrow(/row 0 has 1 values, expected 2/);
    expect(() => fitLogisticRegression(["a"], [[Number.NaN]], [1])).toThrow(/non-finite/);
  });
});
