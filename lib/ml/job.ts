import { truthObjectName } from "../bronze.ts";
import type { PipelineSubmission } from "../ports/ml.ts";
import { type ObjectStore, parseGsUri } from "../ports/objects.ts";
import type { Warehouse } from "../ports/warehouse.ts";
import { CHURN_FEATURE_COLUMNS, type ChurnFeatureRow } from "./features.ts";
import {
  FIRST_SHARD,
  isMetricsFile,
  isPredictionsFile,
  METRICS_FILE_PREFIX,
  type MetricsRow,
  PREDICTIONS_FILE_PREFIX,
  type PredictionRow,
  riskBand,
  round6,
  toJsonLines,
} from "./prediction-files.ts";
import { cutoffsToRead, planSplit } from "./split.ts";
import {
  DEFAULT_TRAINER_OPTIONS,
  type PlantedTruth,
  type TrainerOptions,
  trainChurnModel,
} from "./trainer.ts";

/** What the offline churn job needs; the warehouse is DuckDB (the SQL below is DuckDB's). */
export interface ChurnJobDeps {
  warehouse: Warehouse;
  objects: ObjectStore;
  /** The lake bucket, where the generators' planted truth lives. */
  lakeBucket: string;
  now: () => Date;
}

export interface ChurnJobResult {
  outputUri: string;
  modelVersion: string;
  predictions: number;
  metrics: MetricsRow;
}

/** The job's input is unusable (a malformed name, a missing table): running it again cannot help. */
export class ChurnJobInputError extends Error {
  override name = "ChurnJobInputError";
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `[project.]dataset.table` to its DuckDB relation (the project is the one database file). */
export function featureRelation(featureTable: string): { dataset: string; table: string; sql: string } {
  const parts = featureTable.split(".");
  const [dataset, table] = parts.slice(-2);
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !dataset ||
    !table ||
    !IDENTIFIER.test(dataset) ||
    !IDENTIFIER.test(table)
  ) {
    throw new ChurnJobInputError(
      `feature table ${JSON.stringify(featureTable)} is not [project.]dataset.table`,
    );
  }
  return { dataset, table, sql: `"${dataset}"."${table}"` };
}

function asRow(raw: Record<string, unknown>): ChurnFeatureRow {
  const nullable = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    customer_key: String(raw.customer_key),
    cutoff_date: String(raw.cutoff_date),
    region: raw.region === null || raw.region === undefined ? null : String(raw.region),
    tenure_days: Number(raw.tenure_days),
    recency_days: nullable(raw.recency_days),
    days_since_last_visit: nullable(raw.days_since_last_visit),
    frequency_30d: Number(raw.frequency_30d),
    frequency_90d: Number(raw.frequency_90d),
    monetary_30d: Number(raw.monetary_30d),
    monetary_90d: Number(raw.monetary_90d),
    sessions_30d: Number(raw.sessions_30d),
    sessions_prev_30d: Number(raw.sessions_prev_30d),
    sessions_trend: Number(raw.sessions_trend),
    views_30d: Number(raw.views_30d),
    add_to_cart_30d: Number(raw.add_to_cart_30d),
    checkouts_30d: Number(raw.checkouts_30d),
    active_days_30d: Number(raw.active_days_30d),
  };
}

/** The generators' truth as of the batch date, when the lake has it (generated data only). */
async function readTruth(
  deps: ChurnJobDeps,
  batchDate: string,
): Promise<Map<string, PlantedTruth> | undefined> {
  const name = truthObjectName(batchDate);
  if (!(await deps.objects.stat(deps.lakeBucket, name))) return undefined;
  const truth = new Map<string, PlantedTruth>();
  for (const line of (await deps.objects.read(deps.lakeBucket, name)).toString("utf8").split("\n")) {
    if (line.trim() === "") continue;
    const entry = JSON.parse(line) as PlantedTruth;
    truth.set(entry.customer_id, entry);
  }
  return truth;
}

/**
 * The offline churn job for one submission: reads churn_features from the warehouse, trains and
 * evaluates the model on the time-based split, scores the batch date's customers and writes the
 * prediction and metrics files under the submission's output URI, as the Vertex AI pipeline does.
 * Throws InsufficientHistoryError (from the split) when the table's history is too short.
 */
export async function runChurnJob(
  submission: PipelineSubmission,
  deps: ChurnJobDeps,
  options: Partial<Omit<TrainerOptions, "labelWindowDays">> = {},
): Promise<ChurnJobResult> {
  const { batchDate, labelWindowDays } = submission;
  if (!DAY.test(batchDate))
    throw new ChurnJobInputError(`batch date ${JSON.stringify(batchDate)} is not YYYY-MM-DD`);
  const settings: TrainerOptions = { ...DEFAULT_TRAINER_OPTIONS, ...options, labelWindowDays };
  const relation = featureRelation(submission.featureTable);
  if (!(await deps.warehouse.tableExists(relation))) {
    throw new ChurnJobInputError(`feature table ${submission.featureTable} does not exist in the warehouse`);
  }
  const cutoffs = await deps.warehouse.query<{ cutoff_date: string }>(
    `SELECT DISTINCT CAST(cutoff_date AS VARCHAR) AS cutoff_date FROM ${relation.sql} WHERE cutoff_date <= CAST($batch_date AS DATE)`,
    { batch_date: batchDate },
  );
  // Planned before reading rows so only the cut-offs the run needs leave the warehouse.
  const plan = planSplit(
    cutoffs.map((c) => c.cutoff_date),
    batchDate,
    settings,
  );
  const dates = cutoffsToRead(plan).map((d) => `DATE '${d}'`);
  const raw = await deps.warehouse.query(
    `SELECT ${CHURN_FEATURE_COLUMNS.map((c) => (c === "cutoff_date" ? "CAST(cutoff_date AS VARCHAR) AS cutoff_date" : c)).join(", ")}
     FROM ${relation.sql} WHERE cutoff_date IN (${dates.join(", ")})`,
  );
  const result = trainChurnModel(raw.map(asRow), batchDate, settings, await readTruth(deps, batchDate));
  const trainedAt = deps.now().toISOString();
  const predictions: PredictionRow[] = result.predictions.map((p) => ({
    customer_key: p.customer_key,
    batch_date: batchDate,
    churn_probability: round6(p.churn_probability),
    risk_band: riskBand(p.churn_probability),
    model_version: result.modelVersion,
    scored_at: trainedAt,
  }));
  const m = result.metrics;
  const nullable = (v: number | null) => (v === null ? null : round6(v));
  const metrics: MetricsRow = {
    batch_date: batchDate,
    model_version: result.modelVersion,
    algorithm: "logistic_regression_l2",
    label_window_days: labelWindowDays,
    holdout_cutoff: result.plan.holdoutCutoff,
    training_cutoffs: result.plan.trainingCutoffs.join(","),
    training_rows: result.trainingRows,
    holdout_rows: m.holdout_rows,
    holdout_positive_rate: round6(m.holdout_positive_rate),
    roc_auc: round6(m.roc_auc),
    pr_auc: round6(m.pr_auc),
    log_loss: round6(m.log_loss),
    brier_score: round6(m.brier_score),
    expected_calibration_error: round6(m.expected_calibration_error),
    calibration: JSON.stringify(
      m.calibration.map((b) => ({
        ...b,
        mean_predicted: nullable(b.mean_predicted),
        observed_rate: nullable(b.observed_rate),
      })),
    ),
    oracle_auc: nullable(m.oracle_auc),
    propensity_auc: nullable(m.propensity_auc),
    oracle_ratio: nullable(m.oracle_ratio),
    active_holdout_rows: m.active_holdout_rows,
    active_roc_auc: nullable(m.active_roc_auc),
    active_oracle_auc: nullable(m.active_oracle_auc),
    active_oracle_ratio: nullable(m.active_oracle_ratio),
    scored_customers: predictions.length,
    trained_at: trainedAt,
  };
  const outputUri = submission.outputUri.endsWith("/") ? submission.outputUri : `${submission.outputUri}/`;
  const { bucket, name: prefix } = parseGsUri(outputUri);
  const predictionsName = `${prefix}${PREDICTIONS_FILE_PREFIX}${FIRST_SHARD}.jsonl`;
  const metricsName = `${prefix}${METRICS_FILE_PREFIX}${FIRST_SHARD}.json`;
  // Shards of an earlier run that this one does not rewrite would be loaded with it.
  for (const stale of await deps.objects.list(bucket, prefix)) {
    if (
      (isPredictionsFile(stale.name) || isMetricsFile(stale.name)) &&
      stale.name !== predictionsName &&
      stale.name !== metricsName
    ) {
      await deps.objects.delete(bucket, stale.name);
    }
  }
  await deps.objects.write(bucket, predictionsName, toJsonLines(predictions), {
    contentType: "application/x-ndjson",
  });
  // Written last: a complete metrics file means the predictions beside it are complete too.
  await deps.objects.write(bucket, metricsName, toJsonLines([metrics]), { contentType: "application/json" });
  return { outputUri, modelVersion: result.modelVersion, predictions: predictions.length, metrics };
}
