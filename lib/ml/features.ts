/**
 * The churn model's inputs: the columns of gold `churn_features` (one row per customer and cut-off
 * date, computed by the Dataform project from data on or before the cut-off), the numeric features
 * the model derives from them, and the label.
 *
 * Every derived feature is written twice, once as TypeScript for the offline trainer and once as SQL
 * (the subset BigQuery and DuckDB share) for the BigQuery ML pipeline; a test evaluates the SQL in
 * DuckDB and checks both agree, so the two trainers see the same inputs.
 */

/** One row of churn_features, as the warehouse returns it. */
export interface ChurnFeatureRow {
  customer_key: string;
  /** `YYYY-MM-DD`. */
  cutoff_date: string;
  region: string | null;
  tenure_days: number;
  /** Days since the last purchase on or before the cut-off; null when the customer never bought. */
  recency_days: number | null;
  /** Days since the last visit within the 60 days before the cut-off; null when none. */
  days_since_last_visit: number | null;
  frequency_30d: number;
  frequency_90d: number;
  monetary_30d: number;
  monetary_90d: number;
  sessions_30d: number;
  sessions_prev_30d: number;
  sessions_trend: number;
  views_30d: number;
  add_to_cart_30d: number;
  checkouts_30d: number;
  active_days_30d: number;
}

/** The columns the trainer reads from churn_features. */
export const CHURN_FEATURE_COLUMNS = [
  "customer_key",
  "cutoff_date",
  "region",
  "tenure_days",
  "recency_days",
  "days_since_last_visit",
  "frequency_30d",
  "frequency_90d",
  "monetary_30d",
  "monetary_90d",
  "sessions_30d",
  "sessions_prev_30d",
  "sessions_trend",
  "views_30d",
  "add_to_cart_30d",
  "checkouts_30d",
  "active_days_30d",
] as const satisfies ReadonlyArray<keyof ChurnFeatureRow>;

/** Recency beyond a year says no more than a year does; capping keeps the log scale tight. */
export const RECENCY_CAP_DAYS = 365;
/** churn_features looks 60 days back for visits; "no visit in the window" reads as 60 days. */
export const VISIT_WINDOW_DAYS = 60;

/** A derived feature: its name, its value from a row, and the same computation in SQL. */
export interface DerivedFeature {
  name: string;
  value(row: ChurnFeatureRow): number;
  /** SQL over the churn_features columns, valid in BigQuery and DuckDB. */
  sql: string;
}

const log1p = (x: number) => Math.log1p(x);
const num = (x: number | null | undefined) => Number(x ?? 0);

/**
 * The model's features. Counts and amounts enter on a log scale (their effect on churn saturates);
 * trends compare the last 30 days with the period before. Region is left out on purpose: the planted
 * churn does not depend on it, and dim_customer's region is the customer's current one, which on a
 * full refresh comes from sales after older cut-offs (a leak).
 */
export const DERIVED_FEATURES: readonly DerivedFeature[] = [
  {
    name: "recency_log",
    value: (r) => log1p(Math.min(r.recency_days ?? RECENCY_CAP_DAYS, RECENCY_CAP_DAYS)),
    sql: `LN(1 + LEAST(COALESCE(recency_days, ${RECENCY_CAP_DAYS}), ${RECENCY_CAP_DAYS}))`,
  },
  {
    name: "never_purchased",
    value: (r) => (r.recency_days === null ? 1 : 0),
    sql: "CASE WHEN recency_days IS NULL THEN 1 ELSE 0 END",
  },
  { name: "frequency_30d_log", value: (r) => log1p(num(r.frequency_30d)), sql: "LN(1 + frequency_30d)" },
  { name: "frequency_90d_log", value: (r) => log1p(num(r.frequency_90d)), sql: "LN(1 + frequency_90d)" },
  {
    name: "purchase_trend",
    value: (r) => log1p(num(r.frequency_30d)) - log1p((num(r.frequency_90d) - num(r.frequency_30d)) / 2),
    sql: "LN(1 + frequency_30d) - LN(1 + (frequency_90d - frequency_30d) / 2.0)",
  },
  { name: "monetary_30d_log", value: (r) => log1p(num(r.monetary_30d)), sql: "LN(1 + monetary_30d * 1.0)" },
  { name: "monetary_90d_log", value: (r) => log1p(num(r.monetary_90d)), sql: "LN(1 + monetary_90d * 1.0)" },
  {
    name: "visit_recency_log",
    value: (r) => log1p(Math.min(r.days_since_last_visit ?? VISIT_WINDOW_DAYS, VISIT_WINDOW_DAYS)),
    sql: `LN(1 + LEAST(COALESCE(days_since_last_visit, ${VISIT_WINDOW_DAYS}), ${VISIT_WINDOW_DAYS}))`,
  },
  { name: "sessions_30d_log", value: (r) => log1p(num(r.sessions_30d)), sql: "LN(1 + sessions_30d)" },
  {
    name: "sessions_prev_30d_log",
    value: (r) => log1p(num(r.sessions_prev_30d)),
    sql: "LN(1 + sessions_prev_30d)",
  },
  {
    name: "session_trend",
    value: (r) => log1p(num(r.sessions_30d)) - log1p(num(r.sessions_prev_30d)),
    sql: "LN(1 + sessions_30d) - LN(1 + sessions_prev_30d)",
  },
  { name: "views_30d_log", value: (r) => log1p(num(r.views_30d)), sql: "LN(1 + views_30d)" },
  {
    name: "add_to_cart_30d_log",
    value: (r) => log1p(num(r.add_to_cart_30d)),
    sql: "LN(1 + add_to_cart_30d)",
  },
  { name: "checkouts_30d_log", value: (r) => log1p(num(r.checkouts_30d)), sql: "LN(1 + checkouts_30d)" },
  { name: "active_days_share", value: (r) => num(r.active_days_30d) / 30, sql: "active_days_30d / 30.0" },
  {
    name: "tenure_log",
    value: (r) => log1p(Math.max(0, num(r.tenure_days))),
    sql: "LN(1 + GREATEST(tenure_days, 0))",
  },
];

export const FEATURE_NAMES: readonly string[] = DERIVED_FEATURES.map((f) => f.name);

/** The model's input vector for one row. */
export function featureVector(row: ChurnFeatureRow): number[] {
  return DERIVED_FEATURES.map((feature) => feature.value(row));
}

/** Adds `days` to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const time = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(time)) throw new RangeError(`${JSON.stringify(date)} is not a date YYYY-MM-DD`);
  return new Date(time + days * 86_400_000).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/**
 * The churn label of a customer at cut-off c: 1 when the customer made no purchase on any of the N
 * days after the cut-off (c+1 … c+N), else 0. It is read from the same customer's feature row at
 * cut-off c+N, whose recency counts days since the last purchase on or before c+N: a purchase in the
 * window leaves recency below N; one on c itself gives exactly N; one on c+N+1 is not visible yet.
 * Undefined (no label) when the table has no row at c+N.
 */
export function churnLabel(
  rowAtWindowEnd: Pick<ChurnFeatureRow, "recency_days"> | undefined,
  labelWindowDays: number,
): 0 | 1 | undefined {
  if (!rowAtWindowEnd) return undefined;
  const recency = rowAtWindowEnd.recency_days;
  return recency === null || recency >= labelWindowDays ? 1 : 0;
}

/** A feature row with its label. */
export interface LabelledRow {
  row: ChurnFeatureRow;
  label: 0 | 1;
}

/** Indexes rows by cut-off date, then customer. */
export function rowsByCutoff(rows: readonly ChurnFeatureRow[]): Map<string, Map<string, ChurnFeatureRow>> {
  const index = new Map<string, Map<string, ChurnFeatureRow>>();
  for (const row of rows) {
    let customers = index.get(row.cutoff_date);
    if (!customers) {
      customers = new Map();
      index.set(row.cutoff_date, customers);
    }
    customers.set(row.customer_key, row);
  }
  return index;
}

/** The labelled rows of one cut-off (customers with no row at the window's end are skipped). */
export function labelCutoff(
  index: Map<string, Map<string, ChurnFeatureRow>>,
  cutoff: string,
  labelWindowDays: number,
): LabelledRow[] {
  const later = index.get(addDays(cutoff, labelWindowDays));
  const labelled: LabelledRow[] = [];
  for (const row of index.get(cutoff)?.values() ?? []) {
    const label = churnLabel(later?.get(row.customer_key), labelWindowDays);
    if (label !== undefined) labelled.push({ row, label });
  }
  return labelled;
}
