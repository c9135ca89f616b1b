import { writeFile } from "node:fs/promises";
import path from "node:path";
import { generateClickstream } from "../../../generators/clickstream.ts";
import { generateSales } from "../../../generators/sales.ts";
import type { Scale } from "../../../generators/scale.ts";
import { churnTruth } from "../../../generators/truth.ts";
import { rewriteIdentifiers } from "../../../lib/adapters/local/dataform/duckdb-sql.ts";
import { compileForDuckDb } from "../../../lib/adapters/local/dataform/run.ts";
import type { DuckDbWarehouse } from "../../../lib/adapters/local/warehouse.ts";
import { addDays } from "../../../lib/ml/features.ts";
import type { PlantedTruth } from "../../../lib/ml/trainer.ts";

/**
 * Days of data from the real generators, reduced in memory to what the gold layer keeps of them
 * (sale lines with net amounts, logged-in click activity per customer and day), loaded into DuckDB as
 * raw tables. `buildChurnFeatures` then builds fct_sales, fct_click_features and dim_customer from
 * them and runs the Dataform project's own int_churn_features query (compiled for DuckDB), so the
 * model is tested on the feature definitions the platform runs.
 */
export interface GeneratedHistory {
  dates: string[];
  /** The planted truth as of the last date. */
  truth: PlantedTruth[];
}

export interface HistoryOptions {
  seed: number;
  scale: Scale;
  firstDate: string;
  days: number;
  /** A scratch directory for the CSV files DuckDB loads. */
  dir: string;
}

const csv = (values: Array<string | number>) => values.join(",");

export async function generateHistory(
  warehouse: DuckDbWarehouse,
  options: HistoryOptions,
): Promise<GeneratedHistory> {
  const dates = Array.from({ length: options.days }, (_, i) => addDays(options.firstDate, i));
  const sales: string[] = ["batch_date,sale_id,sold_at,customer_key,region,net_amount"];
  const clicks: string[] = [
    "batch_date,customer_key,sessions,page_views,product_views,add_to_cart,checkouts",
  ];
  for (const date of dates) {
    for await (const page of generateSales({ seed: options.seed, date, scale: options.scale })) {
      for (const s of page) {
        // The gold net amount: rounded gross minus rounded discount, as fct_sales computes it.
        const gross = Math.round(s.quantity * s.unit_price * 100) / 100;
        const discount = Math.round(s.quantity * s.unit_price * s.discount * 100) / 100;
        sales.push(csv([date, s.sale_id, s.sold_at, s.customer_id, s.region, (gross - discount).toFixed(2)]));
      }
    }
    const daily = new Map<string, { sessions: Set<string>; counts: Record<string, number> }>();
    for await (const page of generateClickstream({ seed: options.seed, date, scale: options.scale })) {
      for (const e of page) {
        if (e.customer_id === null) continue;
        let entry = daily.get(e.customer_id);
        if (!entry) {
          entry = { sessions: new Set(), counts: {} };
          daily.set(e.customer_id, entry);
        }
        entry.sessions.add(e.session_id);
        entry.counts[e.event_type] = (entry.counts[e.event_type] ?? 0) + 1;
      }
    }
    for (const [customer, { sessions, counts }] of daily) {
      const c = (type: string) => counts[type] ?? 0;
      clicks.push(
        csv([
          date,
          customer,
          sessions.size,
          c("page_view"),
          c("product_view"),
          c("add_to_cart"),
          c("checkout"),
        ]),
      );
    }
  }
  const salesFile = path.join(options.dir, "sales.csv");
  const clicksFile = path.join(options.dir, "clicks.csv");
  await writeFile(salesFile, `${sales.join("\n")}\n`);
  await writeFile(clicksFile, `${clicks.join("\n")}\n`);
  await warehouse.query("CREATE SCHEMA IF NOT EXISTS raw");
  await warehouse.query(
    `CREATE OR REPLACE TABLE raw.sales AS SELECT * FROM read_csv('${salesFile}', header = true, columns = {
      'batch_date': 'DATE', 'sale_id': 'VARCHAR', 'sold_at': 'TIMESTAMPTZ', 'customer_key': 'VARCHAR',
      'region': 'VARCHAR', 'net_amount': 'DECIMAL(38, 9)'})`,
  );
  await warehouse.query(
    `CREATE OR REPLACE TABLE raw.clicks AS SELECT * FROM read_csv('${clicksFile}', header = true, columns = {
      'batch_date': 'DATE', 'customer_key': 'VARCHAR', 'sessions': 'BIGINT', 'page_views': 'BIGINT',
      'product_views': 'BIGINT', 'add_to_cart': 'BIGINT', 'checkouts': 'BIGINT'})`,
  );
  const last = dates[dates.length - 1] ?? options.firstDate;
  const truth: PlantedTruth[] = [];
  for await (const t of churnTruth({ seed: options.seed, date: last, scale: options.scale, horizonDays: 30 }))
    truth.push(t);
  return { dates, truth };
}

let featureQuery: string | undefined;

/** The Dataform project's int_churn_features query, compiled for DuckDB. */
function churnFeaturesQuery(): string {
  if (featureQuery) return featureQuery;
  const projectDir = path.resolve(import.meta.dirname, "../../../dataform");
  const graph = compileForDuckDb(projectDir, { batch_date: "2026-01-01" });
  const table = graph.tables?.find((t) => t.target.name === "int_churn_features");
  if (!table?.query) throw new Error("int_churn_features is missing from the compiled Dataform project");
  featureQuery = rewriteIdentifiers(table.query, graph.projectConfig?.defaultDatabase);
  return featureQuery;
}

/**
 * Builds the gold inputs of the churn features from the raw tables, seeing only data on or before
 * `upTo` when given, then `<dataset>.<table>` from the Dataform feature query.
 */
export async function buildChurnFeatures(
  warehouse: DuckDbWarehouse,
  target: { dataset: string; table: string },
  upTo?: string,
): Promise<void> {
  const until = upTo === undefined ? "" : `WHERE batch_date <= DATE '${upTo}'`;
  await warehouse.query("CREATE SCHEMA IF NOT EXISTS winter_days_warehouse");
  await warehouse.query(
    `CREATE OR REPLACE TABLE winter_days_warehouse.fct_sales AS SELECT * FROM raw.sales ${until}`,
  );
  await warehouse.query(
    `CREATE OR REPLACE TABLE winter_days_warehouse.fct_click_features AS SELECT * FROM raw.clicks ${until}`,
  );
  await warehouse.query(`
    CREATE OR REPLACE TABLE winter_days_warehouse.dim_customer AS
    WITH purchases AS (
      SELECT customer_key, MIN(batch_date) AS first_purchase_date FROM winter_days_warehouse.fct_sales GROUP BY customer_key
    ),
    latest_sale AS (
      SELECT customer_key, region FROM winter_days_warehouse.fct_sales
      QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_key ORDER BY sold_at DESC, sale_id DESC) = 1
    ),
    visits AS (
      SELECT customer_key, MIN(batch_date) AS first_visit_date FROM winter_days_warehouse.fct_click_features GROUP BY customer_key
    ),
    customers AS (SELECT customer_key FROM purchases UNION SELECT customer_key FROM visits)
    SELECT customers.customer_key, latest_sale.region,
      LEAST(COALESCE(first_purchase_date, first_visit_date), COALESCE(first_visit_date, first_purchase_date)) AS first_seen_date
    FROM customers
    LEFT JOIN purchases USING (customer_key)
    LEFT JOIN latest_sale USING (customer_key)
    LEFT JOIN visits USING (customer_key)`);
  await warehouse.query(`CREATE SCHEMA IF NOT EXISTS "${target.dataset}"`);
  await warehouse.query(
    `CREATE OR REPLACE TABLE "${target.dataset}"."${target.table}" AS ${churnFeaturesQuery()}`,
  );
}
