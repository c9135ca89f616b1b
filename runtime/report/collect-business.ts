import type { RunRecord } from "../../lib/ledger.ts";
import type { AtRiskCustomer, BusinessSection, ChurnSection, ModelMetricsRow } from "./model.ts";
import { relation, type WarehouseReads } from "./warehouse-reads.ts";

/** Days of history in the business charts, back from the selected date. */
const WINDOW_DAYS = 30;
const TOP_CUSTOMERS = 10;
const AT_RISK_PER_REGION = 5;
const HISTOGRAM_BINS = 20;

interface Datasets {
  stagingDataset: string;
  warehouseDataset: string;
}

const inWindow = (column: string) =>
  `${column} <= CAST($date AS DATE) AND ${column} > CAST($date AS DATE) - ${WINDOW_DAYS}`;

/** Revenue by region and day, the top customers and click activity; undefined before any sales. */
export async function collectBusiness(
  reads: WarehouseReads,
  date: string,
  ds: Datasets,
): Promise<BusinessSection | undefined> {
  const sales = `${ds.warehouseDataset}.fct_sales`;
  const customers = `${ds.warehouseDataset}.dim_customer`;
  const clicks = `${ds.stagingDataset}.stg_clickstream`;
  const clickFeatures = `${ds.warehouseDataset}.fct_click_features`;
  const params = { date };
  const revenue = await reads.rows<{ date: string; region: string; net_amount: number; orders: number }>(
    [sales],
    `SELECT batch_date AS date, COALESCE(region, 'unknown') AS region,
            CAST(SUM(net_amount) AS DOUBLE) AS net_amount, COUNT(DISTINCT sale_id) AS orders
     FROM ${relation(sales)} WHERE ${inWindow("batch_date")}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  if (!revenue || revenue.length === 0) return undefined;
  const currencies = await reads.rows<{ currency: string }>(
    [sales],
    `SELECT DISTINCT currency FROM ${relation(sales)} WHERE ${inWindow("batch_date")} AND currency IS NOT NULL`,
    params,
  );
  const top = await reads.rows<BusinessSection["topCustomers"][number] & Record<string, unknown>>(
    [customers],
    `SELECT customer_key, region, orders_count, CAST(lifetime_net_amount AS DOUBLE) AS lifetime_net_amount,
            strftime(last_purchase_at, '%Y-%m-%d') AS last_purchase_at
     FROM ${relation(customers)}
     ORDER BY lifetime_net_amount DESC, customer_key LIMIT ${TOP_CUSTOMERS}`,
  );
  const activity = await reads.rows<{ date: string; event_type: string; events: number }>(
    [clicks],
    `SELECT batch_date AS date, event_type, COUNT(*) AS events
     FROM ${relation(clicks)} WHERE ${inWindow("batch_date")}
     GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
  const active = await reads.rows<{ date: string; customers: number; sessions: number }>(
    [clickFeatures],
    `SELECT batch_date AS date, COUNT(*) AS customers, SUM(sessions) AS sessions
     FROM ${relation(clickFeatures)} WHERE ${inWindow("batch_date")}
     GROUP BY 1 ORDER BY 1`,
    params,
  );
  const currencyList = (currencies ?? []).map((c) => c.currency);
  return {
    revenueByRegionDay: revenue.map((r) => ({
      ...r,
      date: String(r.date),
      net_amount: Number(r.net_amount),
      orders: Number(r.orders),
    })),
    topCustomers: (top ?? []).map((c) => ({
      ...c,
      orders_count: Number(c.orders_count),
      lifetime_net_amount: Number(c.lifetime_net_amount),
    })),
    clickActivity: (activity ?? []).map((a) => ({
      date: String(a.date),
      event_type: a.event_type,
      events: Number(a.events),
    })),
    activeCustomersByDay: (active ?? []).map((a) => ({
      date: String(a.date),
      customers: Number(a.customers),
      sessions: Number(a.sessions),
    })),
    currency: currencyList.length === 1 ? currencyList[0] : undefined,
  };
}

const METRIC_FIELDS = [
  "roc_auc",
  "pr_auc",
  "oracle_auc",
  "propensity_auc",
  "log_loss",
  "brier_score",
  "holdout_rows",
] as const;

function numberOr(value: unknown): number | undefined {
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** A metrics row from whatever carries the holdout metrics (a `metrics` map or top-level fields). */
function metricsRow(date: string, source: Record<string, unknown>): ModelMetricsRow | undefined {
  const nested = source.metrics;
  const fields =
    typeof nested === "object" && nested !== null
      ? { ...source, ...(nested as Record<string, unknown>) }
      : source;
  const row: ModelMetricsRow = {
    date,
    model_version: typeof fields.model_version === "string" ? fields.model_version : undefined,
    roc_auc: undefined,
    pr_auc: undefined,
    oracle_auc: undefined,
    propensity_auc: undefined,
    log_loss: undefined,
    brier_score: undefined,
    holdout_rows: undefined,
  };
  for (const field of METRIC_FIELDS) row[field] = numberOr(fields[field]);
  return row.roc_auc === undefined && row.oracle_auc === undefined ? undefined : row;
}

/** The model's metrics per batch: the warehouse's model_metrics table when there is one, else the ledger. */
async function modelMetrics(
  reads: WarehouseReads,
  runs: RunRecord[],
  ds: Datasets,
): Promise<ModelMetricsRow[]> {
  const byDate = new Map<string, ModelMetricsRow>();
  for (const run of runs) {
    // predictions-load keeps the metrics it loaded; older runs may only have the vertex stage's.
    const stage = run.stages?.predictions ?? run.stages?.vertex;
    const row = stage ? metricsRow(run.batch_date, stage as Record<string, unknown>) : undefined;
    if (row) byDate.set(run.batch_date, row);
  }
  const table = `${ds.warehouseDataset}.model_metrics`;
  const stored = await reads.rows<Record<string, unknown>>([table], `SELECT * FROM ${relation(table)}`);
  for (const r of stored ?? []) {
    const date = typeof r.batch_date === "string" ? r.batch_date : undefined;
    const row = date ? metricsRow(date, r) : undefined;
    if (date && row) byDate.set(date, row);
  }
  return [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/** Scores, risk bands, metrics across batches and the valuable customers at high risk; undefined before predictions. */
export async function collectChurn(
  reads: WarehouseReads,
  date: string,
  runs: RunRecord[],
  ds: Datasets,
): Promise<ChurnSection | undefined> {
  const predictions = `${ds.warehouseDataset}.fact_predictions_churn`;
  const customers = `${ds.warehouseDataset}.dim_customer`;
  const metrics = await modelMetrics(reads, runs, ds);
  const latest = await reads.rows<{ d: string | null }>(
    [predictions],
    `SELECT CAST(MAX(batch_date) AS VARCHAR) AS d FROM ${relation(predictions)} WHERE batch_date <= CAST($date AS DATE)`,
    { date },
  );
  const scoredDate = latest?.[0]?.d ?? undefined;
  if (!scoredDate) return metrics.length > 0 ? emptyChurn(metrics) : undefined;
  const params = { date: scoredDate };
  const bins = await reads.rows<{ bin: number; n: number }>(
    [predictions],
    `SELECT LEAST(CAST(FLOOR(churn_probability * ${HISTOGRAM_BINS}) AS INTEGER), ${HISTOGRAM_BINS - 1}) AS bin, COUNT(*) AS n
     FROM ${relation(predictions)} WHERE batch_date = CAST($date AS DATE) GROUP BY 1`,
    params,
  );
  const histogram = Array.from({ length: HISTOGRAM_BINS }, () => 0);
  for (const b of bins ?? [])
    histogram[Math.max(0, Math.min(HISTOGRAM_BINS - 1, Number(b.bin)))] = Number(b.n);
  const bands =
    (await reads.rows<{ band: string; customers: number; mean: number }>(
      [predictions],
      `SELECT risk_band AS band, COUNT(*) AS customers, AVG(churn_probability) AS mean
       FROM ${relation(predictions)} WHERE batch_date = CAST($date AS DATE) GROUP BY 1 ORDER BY mean`,
      params,
    )) ?? [];
  const highBand =
    bands.find((b) => b.band.toLowerCase() === "high")?.band ??
    bands.find((b) => /high/i.test(b.band))?.band ??
    bands.at(-1)?.band;
  const version = await reads.rows<{ v: string | null }>(
    [predictions],
    `SELECT MAX(model_version) AS v FROM ${relation(predictions)} WHERE batch_date = CAST($date AS DATE)`,
    params,
  );
  const atRisk = highBand
    ? ((await reads.rows<AtRiskCustomer & Record<string, unknown>>(
        [predictions, customers],
        `SELECT region, customer_key, churn_probability, risk_band, lifetime_net_amount, orders_count, last_purchase_at
         FROM (
           SELECT COALESCE(c.region, 'unknown') AS region, p.customer_key, p.churn_probability, p.risk_band,
                  CAST(COALESCE(c.lifetime_net_amount, 0) AS DOUBLE) AS lifetime_net_amount,
                  COALESCE(c.orders_count, 0) AS orders_count,
                  strftime(c.last_purchase_at, '%Y-%m-%d') AS last_purchase_at,
                  ROW_NUMBER() OVER (PARTITION BY COALESCE(c.region, 'unknown')
                                     ORDER BY COALESCE(c.lifetime_net_amount, 0) DESC, p.churn_probability DESC, p.customer_key) AS rank
           FROM ${relation(predictions)} AS p
           LEFT JOIN ${relation(customers)} AS c ON c.customer_key = p.customer_key
           WHERE p.batch_date = CAST($date AS DATE) AND p.risk_band = $band AND c.region IS NOT NULL
         ) WHERE rank <= ${AT_RISK_PER_REGION}
         ORDER BY region, rank`,
        { ...params, band: highBand },
      )) ?? [])
    : [];
  return {
    scoredDate,
    modelVersion: version?.[0]?.v ?? undefined,
    histogram,
    riskBands: bands.map((b) => ({ band: b.band, customers: Number(b.customers) })),
    metrics,
    atRisk: atRisk.map((c) => ({
      ...c,
      churn_probability: Number(c.churn_probability),
      lifetime_net_amount: Number(c.lifetime_net_amount),
      orders_count: Number(c.orders_count),
    })),
    highBand,
  };
}

function emptyChurn(metrics: ModelMetricsRow[]): ChurnSection {
  return {
    scoredDate: undefined,
    modelVersion: undefined,
    histogram: [],
    riskBands: [],
    metrics,
    atRisk: [],
    highBand: undefined,
  };
}
