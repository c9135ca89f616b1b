import { writeFile } from "node:fs/promises";
import path from "node:path";
import { addDays, type ChurnFeatureRow } from "../../../lib/ml/features.ts";
import type { Warehouse } from "../../../lib/ports/warehouse.ts";

/**
 * Small, hand-shaped churn_features tables for tests that need a working job rather than realistic
 * data: customer i buys every (1 + i mod 4) days; every third customer stops buying on a day spread
 * over the history (a churner). Features follow churn_features' definitions from those purchases.
 */
export interface SyntheticOptions {
  customers: number;
  firstDate: string;
  days: number;
}

export function syntheticFeatureRows(options: SyntheticOptions): ChurnFeatureRow[] {
  const rows: ChurnFeatureRow[] = [];
  for (let i = 0; i < options.customers; i++) {
    const interval = 1 + (i % 4);
    const stop = i % 3 === 0 ? 5 + ((i * 7) % (options.days - 5)) : Number.POSITIVE_INFINITY;
    const bought = (day: number) => day >= 0 && day < stop && day % interval === i % interval;
    for (let t = 0; t < options.days; t++) {
      let last: number | null = null;
      for (let d = t; d >= 0; d--) {
        if (bought(d)) {
          last = d;
          break;
        }
      }
      const count = (from: number) => {
        let n = 0;
        for (let d = Math.max(0, t - from + 1); d <= t; d++) if (bought(d)) n++;
        return n;
      };
      const f30 = count(30);
      const f90 = count(90);
      const prev = count(60) - f30;
      rows.push({
        customer_key: `C-${String(i + 1).padStart(7, "0")}`,
        cutoff_date: addDays(options.firstDate, t),
        region: "Central",
        tenure_days: t,
        recency_days: last === null ? null : t - last,
        days_since_last_visit: last === null || t - last >= 60 ? null : t - last,
        frequency_30d: f30,
        frequency_90d: f90,
        monetary_30d: 25 * f30,
        monetary_90d: 25 * f90,
        sessions_30d: f30,
        sessions_prev_30d: prev,
        sessions_trend: f30 - prev,
        views_30d: 3 * f30,
        add_to_cart_30d: f30,
        checkouts_30d: f30,
        active_days_30d: f30,
      });
    }
  }
  return rows;
}

/** churn_features' column types in DuckDB, as the Dataform project creates them. */
const COLUMN_TYPES: Record<keyof ChurnFeatureRow, string> = {
  customer_key: "VARCHAR",
  cutoff_date: "DATE",
  region: "VARCHAR",
  tenure_days: "BIGINT",
  recency_days: "BIGINT",
  days_since_last_visit: "BIGINT",
  frequency_30d: "BIGINT",
  frequency_90d: "BIGINT",
  monetary_30d: "DECIMAL(38, 9)",
  monetary_90d: "DECIMAL(38, 9)",
  sessions_30d: "BIGINT",
  sessions_prev_30d: "BIGINT",
  sessions_trend: "BIGINT",
  views_30d: "BIGINT",
  add_to_cart_30d: "BIGINT",
  checkouts_30d: "BIGINT",
  active_days_30d: "BIGINT",
};

/** Replaces `winter_days_warehouse.churn_features` in a DuckDB warehouse with these rows. */
export async function loadFeatureRows(
  warehouse: Warehouse,
  rows: readonly ChurnFeatureRow[],
  dir: string,
): Promise<void> {
  const file = path.join(dir, "churn_features.jsonl");
  await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  const columns = Object.entries(COLUMN_TYPES)
    .map(([name, type]) => `'${name}': '${type}'`)
    .join(", ");
  await warehouse.ensureDataset("winter_days_warehouse");
  await warehouse.query(
    `CREATE OR REPLACE TABLE winter_days_warehouse.churn_features AS
     SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`,
  );
}
