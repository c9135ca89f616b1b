import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../../lib/adapters/local/warehouse.ts";
import {
  addDays,
  type ChurnFeatureRow,
  churnLabel,
  DERIVED_FEATURES,
  featureVector,
  labelCutoff,
  rowsByCutoff,
} from "../../../lib/ml/features.ts";
import { loadFeatureRows } from "./synthetic-features.ts";

const base: ChurnFeatureRow = {
  customer_key: "C-0000001",
  cutoff_date: "2026-10-01",
  region: "North",
  tenure_days: 400,
  recency_days: 3,
  days_since_last_visit: 1,
  frequency_30d: 4,
  frequency_90d: 9,
  monetary_30d: 120.5,
  monetary_90d: 310.25,
  sessions_30d: 6,
  sessions_prev_30d: 9,
  sessions_trend: -3,
  views_30d: 40,
  add_to_cart_30d: 5,
  checkouts_30d: 2,
  active_days_30d: 11,
};

/** A customer's rows on every day from the cut-off, given the days (after it) on which they buy. */
function customerWithPurchases(cutoff: string, purchaseDays: number[], horizon: number): ChurnFeatureRow[] {
  return Array.from({ length: horizon + 1 }, (_, t) => {
    const past = purchaseDays.filter((d) => d <= t);
    const last = past.length === 0 ? null : Math.max(...past);
    return { ...base, cutoff_date: addDays(cutoff, t), recency_days: last === null ? null : t - last };
  });
}

describe("the churn label", () => {
  const cutoff = "2026-10-01";
  const window = 30;
  const labelOf = (purchaseDays: number[]) => {
    const index = rowsByCutoff(customerWithPurchases(cutoff, purchaseDays, window + 5));
    return labelCutoff(index, cutoff, window)[0]?.label;
  };

  it("is 0 for a purchase on any day of the window, including its last day N", () => {
    expect(labelOf([1])).toBe(0);
    expect(labelOf([15])).toBe(0);
    expect(labelOf([window])).toBe(0);
  });

  it("is 1 when the only purchases are on the cut-off itself or after the window (day N+1)", () => {
    expect(labelOf([0])).toBe(1);
    expect(labelOf([window + 1])).toBe(1);
    expect(labelOf([0, window + 1, window + 3])).toBe(1);
  });

  it("is 1 for a customer who never bought, and missing without a row at the window's end", () => {
    expect(churnLabel({ recency_days: null }, window)).toBe(1);
    expect(churnLabel(undefined, window)).toBeUndefined();
    const index = rowsByCutoff(customerWithPurchases(cutoff, [3], window - 1));
    expect(labelCutoff(index, cutoff, window)).toEqual([]);
  });
});

describe("derived features", () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-features-"));
    warehouse = await DuckDbWarehouse.open({ path: ":memory:", resolveObjectPath: (uri) => uri });
  });
  afterAll(async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  const edgeCases: ChurnFeatureRow[] = [
    base,
    {
      ...base,
      customer_key: "C-0000002",
      recency_days: null,
      days_since_last_visit: null,
      frequency_30d: 0,
      frequency_90d: 0,
      monetary_30d: 0,
      monetary_90d: 0,
    },
    {
      ...base,
      customer_key: "C-0000003",
      recency_days: 500,
      tenure_days: 0,
      sessions_30d: 0,
      sessions_prev_30d: 0,
      sessions_trend: 0,
    },
    {
      ...base,
      customer_key: "C-0000004",
      frequency_30d: 7,
      frequency_90d: 7,
      active_days_30d: 30,
      monetary_30d: 0.01,
    },
  ];

  it("compute the same values in SQL (the BigQuery ML pipeline) as in TypeScript (the offline trainer)", async () => {
    await loadFeatureRows(warehouse, edgeCases, dir);
    const columns = DERIVED_FEATURES.map((f) => `${f.sql} AS ${f.name}`).join(",\n");
    const fromSql = await warehouse.query(
      `SELECT customer_key, ${columns} FROM winter_days_warehouse.churn_features ORDER BY customer_key`,
    );
    expect(fromSql).toHaveLength(edgeCases.length);
    for (const [i, row] of edgeCases.entries()) {
      const sqlRow = fromSql[i] ?? {};
      DERIVED_FEATURES.forEach((feature, j) => {
        expect(Number(sqlRow[feature.name]), `${row.customer_key} ${feature.name}`).toBeCloseTo(
          featureVector(row)[j] ?? Number.NaN,
          9,
        );
      });
    }
  });

  it("never produce a missing or infinite value, even for customers with no history", () => {
    for (const row of edgeCases)
      for (const value of featureVector(row)) expect(Number.isFinite(value)).toBe(true);
  });
});
