/**
 * The files a churn job writes, in the cloud (BigQuery ML's EXPORT DATA) and offline (the local
 * trainer) alike, under `gs://<lake>/mlops/predictions/batch_date=D/<job id>/` (one folder per
 * job, so two runs of one date, say after a Dataform rerun, never mix their files):
 * - `predictions-000000000000.jsonl`, … : one JSON line per scored customer, exactly the columns of
 *   fact_predictions_churn;
 * - `metrics-000000000000.json`: one JSON line, exactly the columns of model_metrics.
 * EXPORT DATA needs one `*` in its URI and numbers its shards with 12 digits, so the names are
 * patterns: readers list the prefix and pick files by name prefix, never by a fixed name.
 */

export const PREDICTIONS_ROOT = "mlops/predictions/";
export const PREDICTIONS_FILE_PREFIX = "predictions-";
export const METRICS_FILE_PREFIX = "metrics-";
/** The first shard's number as EXPORT DATA writes it. */
export const FIRST_SHARD = "000000000000";

/** Object-name prefix of a batch date's prediction files in the lake bucket. */
export function predictionsPrefix(batchDate: string): string {
  return `${PREDICTIONS_ROOT}batch_date=${batchDate}/`;
}

/** Object-name prefix of one job's files: the output location the job is given. */
export function predictionsRunPrefix(batchDate: string, jobId: string): string {
  return `${predictionsPrefix(batchDate)}${jobId}/`;
}

export function isPredictionsFile(objectName: string): boolean {
  return /\/predictions-\d{12}\.jsonl$/.test(objectName);
}

export function isMetricsFile(objectName: string): boolean {
  return /\/metrics-\d{12}\.json$/.test(objectName);
}

export type RiskBand = "low" | "medium" | "high";

/**
 * Risk bands on the churn probability within the label window: high from 0.5 (more likely to churn
 * than not: worth a personal retention offer), medium from 0.2 (several times the typical active
 * customer's rate: worth a campaign), low below.
 */
export const RISK_BAND_THRESHOLDS = { medium: 0.2, high: 0.5 } as const;

export function riskBand(probability: number): RiskBand {
  if (probability >= RISK_BAND_THRESHOLDS.high) return "high";
  if (probability >= RISK_BAND_THRESHOLDS.medium) return "medium";
  return "low";
}

/** One line of a predictions file: a row of fact_predictions_churn. */
export interface PredictionRow {
  customer_key: string;
  batch_date: string;
  churn_probability: number;
  risk_band: RiskBand;
  model_version: string;
  /** ISO timestamp. */
  scored_at: string;
}

/** The metrics file's one line: a row of model_metrics. */
export interface MetricsRow {
  batch_date: string;
  model_version: string;
  /** `logistic_regression_l2` offline, `bqml_logistic_reg` in the cloud. */
  algorithm: string;
  label_window_days: number;
  holdout_cutoff: string;
  /** Comma-separated `YYYY-MM-DD`, newest first. */
  training_cutoffs: string;
  training_rows: number;
  holdout_rows: number;
  holdout_positive_rate: number;
  roc_auc: number;
  pr_auc: number;
  log_loss: number;
  brier_score: number;
  expected_calibration_error: number;
  /** The reliability bins as a JSON string, so the row stays flat for any warehouse. */
  calibration: string;
  oracle_auc: number | null;
  propensity_auc: number | null;
  oracle_ratio: number | null;
  active_holdout_rows: number;
  active_roc_auc: number | null;
  active_oracle_auc: number | null;
  active_oracle_ratio: number | null;
  scored_customers: number;
  /** ISO timestamp. */
  trained_at: string;
}

/** Newline-delimited JSON of rows, ending in a newline. */
export function toJsonLines(rows: readonly object[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

/** Rounds a probability or metric for the files: 6 decimals are beyond any decision made on them. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
