import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../../lib/adapters/local/warehouse.ts";
import { CHURN_FEATURE_COLUMNS, type ChurnFeatureRow } from "../../../lib/ml/features.ts";
import { featureRelation } from "../../../lib/ml/job.ts";
import { type PlantedTruth, trainChurnModel } from "../../../lib/ml/trainer.ts";
import { buildChurnFeatures, type GeneratedHistory, generateHistory } from "./generated-history.ts";

/**
 * The model on data from the real generators: 75 days at about 1 500 sales lines a day (≈1 000
 * customers), features built by the Dataform project's own SQL in DuckDB. 75 days leave three weekly
 * training cut-offs before the 30-day gap to the holdout.
 */
const HISTORY = { seed: 42, scale: 1500, firstDate: "2026-07-01", days: 75 } as const;
const BATCH_DATE = "2026-09-13";

describe("the churn model on generated data", () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  let history: GeneratedHistory;
  let rows: ChurnFeatureRow[];

  const readRows = async (table: string) =>
    (await warehouse.query(
      `SELECT ${CHURN_FEATURE_COLUMNS.map((c) => (c === "cutoff_date" ? "CAST(cutoff_date AS VARCHAR) AS cutoff_date" : c)).join(", ")}
       FROM ${featureRelation(`winter_days_warehouse.${table}`).sql} ORDER BY cutoff_date, customer_key`,
    )) as unknown as ChurnFeatureRow[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-churn-"));
    warehouse = await DuckDbWarehouse.open({
      path: path.join(dir, "warehouse.duckdb"),
      resolveObjectPath: (uri) => uri,
    });
    history = await generateHistory(warehouse, { ...HISTORY, dir });
    await buildChurnFeatures(warehouse, { dataset: "winter_days_warehouse", table: "churn_features" });
    rows = (await readRows("churn_features")).map((r) => ({
      ...r,
      monetary_30d: Number(r.monetary_30d),
      monetary_90d: Number(r.monetary_90d),
    }));
  }, 240_000);

  afterAll(async () => {
    await warehouse?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("reaches at least 0.9 of the oracle's AUC on the holdout, overall and on active customers", () => {
    const truth = new Map<string, PlantedTruth>(history.truth.map((t) => [t.customer_id, t]));
    expect(history.dates.at(-1)).toBe(BATCH_DATE);
    const result = trainChurnModel(rows, BATCH_DATE, { labelWindowDays: 30 }, truth);
    const m = result.metrics;
    expect(result.plan.trainingCutoffs).toEqual(["2026-07-15", "2026-07-08", "2026-07-01"]);
    expect(m.oracle_coverage).toBe(1);
    expect(m.oracle_ratio).toBeGreaterThanOrEqual(0.9);
    expect(m.active_oracle_ratio).toBeGreaterThanOrEqual(0.9);
    // Better than scoring by the planted propensity alone, which ignores what customers do.
    expect(m.roc_auc).toBeGreaterThan(m.propensity_auc ?? 1);
    expect(m.pr_auc).toBeGreaterThan(m.holdout_positive_rate);
    expect(m.log_loss).toBeLessThan(0.3);
    expect(m.expected_calibration_error).toBeLessThan(0.1);
    expect(result.model.converged).toBe(true);
    expect(result.predictions.length).toBe(rows.filter((r) => r.cutoff_date === BATCH_DATE).length);
  });

  it("uses no data after a cut-off: features rebuilt from history truncated at the cut-off are the same", async () => {
    const cutoff = "2026-07-22";
    await buildChurnFeatures(
      warehouse,
      { dataset: "winter_days_warehouse", table: "churn_features_truncated" },
      cutoff,
    );
    const truncated = (await readRows("churn_features_truncated")).filter((r) => r.cutoff_date === cutoff);
    const full = (await readRows("churn_features")).filter((r) => r.cutoff_date === cutoff);
    expect(truncated.length).toBeGreaterThan(400);
    // Region is left out of the model: dim_customer keeps the current region, not the one at the cut-off.
    const modelInputs = ({ region: _region, ...rest }: ChurnFeatureRow) => rest;
    expect(truncated.map(modelInputs)).toEqual(full.map(modelInputs));
  });
});
