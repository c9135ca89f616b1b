import type { TableRef, Warehouse } from "../ports/warehouse.ts";

/** Where predictions-load puts the predictions (partitioned by batch_date). */
export const PREDICTIONS_TABLE: TableRef = {
  dataset: "winter_days_warehouse",
  table: "fact_predictions_churn",
};
/** One row per batch date: the holdout metrics and version of the model that scored it. */
export const METRICS_TABLE: TableRef = { dataset: "winter_days_warehouse", table: "model_metrics" };

type Column = [
  name: string,
  bigQueryType: "STRING" | "DATE" | "FLOAT64" | "INT64" | "TIMESTAMP",
  required: boolean,
];

/** fact_predictions_churn, as dataform/definitions/marts/fact_predictions_churn.sqlx declares it. */
const PREDICTION_COLUMNS: Column[] = [
  ["customer_key", "STRING", true],
  ["batch_date", "DATE", true],
  ["churn_probability", "FLOAT64", true],
  ["risk_band", "STRING", true],
  ["model_version", "STRING", true],
  ["scored_at", "TIMESTAMP", true],
];

/** model_metrics: the columns of a metrics file (see MetricsRow). */
const METRICS_COLUMNS: Column[] = [
  ["batch_date", "DATE", true],
  ["model_version", "STRING", true],
  ["algorithm", "STRING", true],
  ["label_window_days", "INT64", true],
  ["holdout_cutoff", "DATE", true],
  ["training_cutoffs", "STRING", true],
  ["training_rows", "INT64", true],
  ["holdout_rows", "INT64", true],
  ["holdout_positive_rate", "FLOAT64", true],
  ["roc_auc", "FLOAT64", true],
  ["pr_auc", "FLOAT64", true],
  ["log_loss", "FLOAT64", true],
  ["brier_score", "FLOAT64", true],
  ["expected_calibration_error", "FLOAT64", true],
  ["calibration", "STRING", true],
  ["oracle_auc", "FLOAT64", false],
  ["propensity_auc", "FLOAT64", false],
  ["oracle_ratio", "FLOAT64", false],
  ["active_holdout_rows", "INT64", true],
  ["active_roc_auc", "FLOAT64", false],
  ["active_oracle_auc", "FLOAT64", false],
  ["active_oracle_ratio", "FLOAT64", false],
  ["scored_customers", "INT64", true],
  ["trained_at", "TIMESTAMP", true],
];

const DUCKDB_TYPES = {
  STRING: "VARCHAR",
  DATE: "DATE",
  FLOAT64: "DOUBLE",
  INT64: "BIGINT",
  TIMESTAMP: "TIMESTAMPTZ",
} as const;

function createTable(
  dialect: Warehouse["dialect"],
  table: TableRef,
  columns: Column[],
  description: string,
): string {
  const list = columns
    .map(
      ([name, type, required]) =>
        `  ${name} ${dialect === "duckdb" ? DUCKDB_TYPES[type] : type}${required ? " NOT NULL" : ""}`,
    )
    .join(",\n");
  if (dialect === "duckdb")
    return `CREATE TABLE IF NOT EXISTS "${table.dataset}"."${table.table}" (\n${list}\n)`;
  return (
    `CREATE TABLE IF NOT EXISTS \`${table.dataset}.${table.table}\` (\n${list}\n)\n` +
    `PARTITION BY batch_date\nOPTIONS (description = '${description}')`
  );
}

/**
 * Creates the two tables the predictions-load hop writes when they are missing, in the warehouse's own
 * dialect. A load job cannot create a JSON-loaded table without a schema, and the columns must be the
 * same whichever side created them (Dataform creates fact_predictions_churn the same way).
 */
export async function ensurePredictionTables(warehouse: Warehouse): Promise<void> {
  for (const dataset of new Set([PREDICTIONS_TABLE.dataset, METRICS_TABLE.dataset]))
    await warehouse.ensureDataset(dataset);
  await warehouse.query(
    createTable(
      warehouse.dialect,
      PREDICTIONS_TABLE,
      PREDICTION_COLUMNS,
      "Churn probability per customer and batch date.",
    ),
  );
  await warehouse.query(
    createTable(
      warehouse.dialect,
      METRICS_TABLE,
      METRICS_COLUMNS,
      "Holdout metrics and version of the churn model per batch date.",
    ),
  );
}

/** The metrics table's column names, in order (for tests and readers). */
export const METRICS_COLUMN_NAMES: readonly string[] = METRICS_COLUMNS.map(([name]) => name);
