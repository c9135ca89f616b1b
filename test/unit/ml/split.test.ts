import { describe, expect, it } from "vitest";
import { addDays } from "../../../lib/ml/features.ts";
import {
  cutoffsToRead,
  InsufficientHistoryError,
  planSplit,
  requiredHistoryDays,
} from "../../../lib/ml/split.ts";
import { trainChurnModel } from "../../../lib/ml/trainer.ts";
import { syntheticFeatureRows } from "./synthetic-features.ts";

const days = (first: string, count: number) => Array.from({ length: count }, (_, i) => addDays(first, i));
const options = { labelWindowDays: 30, trainingStrideDays: 7, maxTrainingCutoffs: 8 };

describe("the time-based split", () => {
  it("holds out the latest cut-off whose label window is complete and trains only on windows closed by then", () => {
    const plan = planSplit(days("2026-06-01", 120), "2026-09-28", options);
    expect(plan.holdoutCutoff).toBe("2026-08-29");
    expect(plan.trainingCutoffs[0]).toBe("2026-07-30");
    expect(plan.trainingCutoffs).not.toContain(plan.holdoutCutoff);
    for (const cutoff of plan.trainingCutoffs) {
      // A training label window (c, c+N] must end on or before the holdout cut-off.
      expect(addDays(cutoff, 30) <= plan.holdoutCutoff).toBe(true);
    }
    expect(plan.trainingCutoffs).toEqual([
      "2026-07-30",
      "2026-07-23",
      "2026-07-16",
      "2026-07-09",
      "2026-07-02",
      "2026-06-25",
      "2026-06-18",
      "2026-06-11",
    ]);
  });

  it("reads only the rows it needs: scoring, holdout, training cut-offs and their label rows", () => {
    const plan = planSplit(days("2026-06-01", 120), "2026-09-28", { ...options, maxTrainingCutoffs: 2 });
    expect(cutoffsToRead(plan)).toEqual([
      "2026-07-23",
      "2026-07-30",
      "2026-08-22",
      "2026-08-29",
      "2026-09-28",
    ]);
  });

  it("ignores cut-offs after the batch date (a backfill of an older date)", () => {
    const plan = planSplit(days("2026-06-01", 120), "2026-08-15", options);
    expect(plan.holdoutCutoff).toBe("2026-07-16");
    expect([plan.holdoutCutoff, ...plan.trainingCutoffs].every((c) => c < "2026-08-15")).toBe(true);
  });

  it("fails with the number of days it needs when the history is one day short", () => {
    expect(requiredHistoryDays(30)).toBe(61);
    expect(() => planSplit(days("2026-08-01", 61), "2026-09-30", options)).not.toThrow();
    const short = () => planSplit(days("2026-08-02", 60), "2026-09-30", options);
    expect(short).toThrow(InsufficientHistoryError);
    expect(short).toThrow(/needs 61 days of churn_features cut-offs \(2026-08-01 to 2026-09-30/);
    expect(short).toThrow(/has 60 cut-off\(s\) from 2026-08-02 to 2026-09-30/);
  });

  it("fails when the batch date itself has no features", () => {
    expect(() => planSplit(days("2026-06-01", 90), "2026-09-28", options)).toThrow(
      /no rows for the batch date 2026-09-28/,
    );
  });
});

describe("training on the split", () => {
  it("never learns from the holdout cut-off or anything after it", () => {
    const rows = syntheticFeatureRows({ customers: 60, firstDate: "2026-01-01", days: 40 });
    const result = trainChurnModel(rows, "2026-02-09", {
      labelWindowDays: 7,
      trainingStrideDays: 3,
      maxTrainingCutoffs: 5,
    });
    expect(result.plan.holdoutCutoff).toBe("2026-02-02");
    expect(result.plan.trainingCutoffs.every((c) => addDays(c, 7) <= "2026-02-02")).toBe(true);
    // Rows from later cut-offs cannot change the model: the same training data gives the same version.
    const withoutFuture = rows.filter((r) => r.cutoff_date <= "2026-02-02" || r.cutoff_date === "2026-02-09");
    const again = trainChurnModel(withoutFuture, "2026-02-09", {
      labelWindowDays: 7,
      trainingStrideDays: 3,
      maxTrainingCutoffs: 5,
    });
    expect(again.model).toEqual(result.model);
    expect(result.trainingRows).toBe(5 * 60);
    expect(result.metrics.holdout_rows).toBe(60);
    expect(result.predictions).toHaveLength(60);
  });
});
