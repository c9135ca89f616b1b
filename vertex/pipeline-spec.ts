/**
 * Builds the churn pipeline's compiled spec (KFP IR, PipelineSpec schemaVersion 2.1.0), checked in as
 * vertex/churn_pipeline.json and uploaded by terraform; `node vertex/build.ts` rewrites it. Every task
 * is Google Cloud Pipeline Components' BigqueryQueryJobOp (v1.bigquery.query_job) in the form its
 * component.py publishes: the same image, launcher command and argument placeholders, with the SQL
 * as the task's `query` and the pipeline parameters spliced in the way KFP compiles an f-string
 * (a `pipelinechannel--<name>` task input and its placeholder inside the constant).
 *
 * The SQL is generated from the same definitions as the offline trainer: the derived features
 * (lib/ml/features.ts), the split (lib/ml/split.ts), the risk bands and file names
 * (lib/ml/prediction-files.ts), and the metrics row (lib/ml/tables.ts's model_metrics columns).
 */
import { DERIVED_FEATURES } from "../lib/ml/features.ts";
import { DEFAULT_LOGISTIC_OPTIONS } from "../lib/ml/logistic-regression.ts";
import {
  METRICS_FILE_PREFIX,
  PREDICTIONS_FILE_PREFIX,
  RISK_BAND_THRESHOLDS,
} from "../lib/ml/prediction-files.ts";
import { DEFAULT_SPLIT_OPTIONS } from "../lib/ml/split.ts";

/** google-cloud-pipeline-components release whose BigqueryQueryJobOp container the tasks run. */
export const GCPC_IMAGE = "gcr.io/ml-pipeline/google-cloud-pipeline-components:2.16.1";
export const QUERY_JOB_LAUNCHER = "google_cloud_pipeline_components.container.v1.bigquery.query_job.launcher";
/** Dataset of the pipeline's own tables and models (terraform creates it beside the warehouse). */
export const ML_DATASET = "winter_days_ml";

/** The pipeline's parameters, as the vertex-submit hop passes them. */
export const PIPELINE_PARAMETERS = {
  project: { parameterType: "STRING", description: "Project of the BigQuery jobs and tables." },
  location: {
    parameterType: "STRING",
    description: "BigQuery location of the jobs (the warehouse's, e.g. EU).",
  },
  batch_date: {
    parameterType: "STRING",
    description: "Batch date (YYYY-MM-DD): the cut-off that is scored.",
  },
  feature_table: { parameterType: "STRING", description: "project.dataset.table of churn_features." },
  output_uri: {
    parameterType: "STRING",
    description: "gs:// prefix (ending in the job id) for predictions and metrics.",
  },
  label_window_days: {
    parameterType: "NUMBER_INTEGER",
    defaultValue: 30,
    isOptional: true,
    description: "Days after the cut-off without a purchase that make a churner.",
  },
} as const;

type ParameterName = keyof typeof PIPELINE_PARAMETERS;

/** The placeholder of a pipeline parameter inside a task's constant (KFP's f-string form). */
function p(name: ParameterName): string {
  return `{{$.inputs.parameters['pipelinechannel--${name}']}}`;
}

const table = (name: string) => `\`${p("project")}.${ML_DATASET}.${name}\``;
const EXAMPLES = table("churn_examples");
const HOLDOUT_SCORES = table("churn_holdout_scores");
const METRICS = table("churn_metrics");
const FEATURE_NAMES = DERIVED_FEATURES.map((f) => f.name);

const commonDeclarations = `DECLARE run_date DATE DEFAULT DATE '${p("batch_date")}';
DECLARE n INT64 DEFAULT ${p("label_window_days")};
DECLARE output_prefix STRING DEFAULT IF(ENDS_WITH('${p("output_uri")}', '/'), '${p("output_uri")}', CONCAT('${p("output_uri")}', '/'));
DECLARE job_id STRING DEFAULT REGEXP_EXTRACT(output_prefix, '([^/]+)/$');
DECLARE model_name STRING DEFAULT FORMAT('%s.${ML_DATASET}.churn_model_%s', '${p("project")}', FORMAT_DATE('%Y%m%d', run_date));`;

/** Labelled examples of the split, and the rows to score, as lib/ml/split.ts and features.ts define them. */
const buildExamples = `${commonDeclarations}
DECLARE holdout DATE DEFAULT DATE_SUB(run_date, INTERVAL n DAY);
DECLARE cutoffs ARRAY<DATE>;
DECLARE training ARRAY<DATE>;
SET cutoffs = ARRAY(SELECT DISTINCT cutoff_date FROM \`${p("feature_table")}\` WHERE cutoff_date <= run_date);
-- Training cut-offs: every ${DEFAULT_SPLIT_OPTIONS.trainingStrideDays} days back from holdout - n, whose label window ends by the holdout cut-off.
SET training = ARRAY(
  SELECT c FROM UNNEST(GENERATE_ARRAY(0, 1000)) AS k
  CROSS JOIN UNNEST([DATE_SUB(holdout, INTERVAL (n + ${DEFAULT_SPLIT_OPTIONS.trainingStrideDays} * k) DAY)]) AS c
  WHERE c IN UNNEST(cutoffs) AND DATE_ADD(c, INTERVAL n DAY) IN UNNEST(cutoffs)
  ORDER BY c DESC
  LIMIT ${DEFAULT_SPLIT_OPTIONS.maxTrainingCutoffs}
);
IF run_date NOT IN UNNEST(cutoffs) OR holdout NOT IN UNNEST(cutoffs) OR ARRAY_LENGTH(training) = 0 THEN
  RAISE USING MESSAGE = FORMAT(
    'the churn model for %t needs %d days of churn_features cut-offs (%t to %t); the table has %d cut-off(s) on or before %t',
    run_date, 2 * n + 1, DATE_SUB(run_date, INTERVAL 2 * n DAY), run_date, ARRAY_LENGTH(cutoffs), run_date);
END IF;
CREATE TABLE IF NOT EXISTS ${EXAMPLES} (
  batch_date DATE, split STRING, customer_key STRING, cutoff_date DATE, churned INT64, active BOOL,
  ${FEATURE_NAMES.map((name) => `${name} FLOAT64`).join(", ")}
) PARTITION BY batch_date;
DELETE FROM ${EXAMPLES} WHERE batch_date = run_date;
INSERT INTO ${EXAMPLES} (batch_date, split, customer_key, cutoff_date, churned, active, ${FEATURE_NAMES.join(", ")})
WITH rows_at_cutoff AS (
  SELECT customer_key, cutoff_date, recency_days,
    ${DERIVED_FEATURES.map((f) => `${f.sql} AS ${f.name}`).join(",\n    ")}
  FROM \`${p("feature_table")}\`
  WHERE cutoff_date IN UNNEST(ARRAY_CONCAT(training, [holdout, run_date]))
),
-- The label: no purchase on days c+1 .. c+n, read from the customer's row at c+n (recency below n means one).
window_ends AS (
  SELECT customer_key, cutoff_date, recency_days
  FROM \`${p("feature_table")}\`
  WHERE cutoff_date IN (SELECT DATE_ADD(c, INTERVAL n DAY) FROM UNNEST(ARRAY_CONCAT(training, [holdout])) AS c)
)
SELECT
  run_date,
  CASE WHEN r.cutoff_date = run_date THEN 'score' WHEN r.cutoff_date = holdout THEN 'holdout' ELSE 'train' END,
  r.customer_key,
  r.cutoff_date,
  CASE WHEN r.cutoff_date = run_date THEN NULL WHEN e.recency_days IS NULL OR e.recency_days >= n THEN 1 ELSE 0 END,
  r.recency_days IS NOT NULL AND r.recency_days < n,
  ${FEATURE_NAMES.map((name) => `r.${name}`).join(", ")}
FROM rows_at_cutoff AS r
LEFT JOIN window_ends AS e
  ON e.customer_key = r.customer_key AND e.cutoff_date = DATE_ADD(r.cutoff_date, INTERVAL n DAY)
WHERE r.cutoff_date = run_date OR e.customer_key IS NOT NULL;`;

/** BigQuery ML's LOGISTIC_REG standardises numeric features and applies the same L2 penalty. */
const trainModel = `${commonDeclarations}
EXECUTE IMMEDIATE FORMAT('''
CREATE OR REPLACE MODEL \`%s\`
OPTIONS (
  model_type = 'LOGISTIC_REG',
  input_label_cols = ['churned'],
  l2_reg = ${DEFAULT_LOGISTIC_OPTIONS.l2.toFixed(1)},
  max_iterations = ${DEFAULT_LOGISTIC_OPTIONS.maxIterations},
  data_split_method = 'NO_SPLIT'
) AS
SELECT churned, ${FEATURE_NAMES.join(", ")}
FROM ${EXAMPLES}
WHERE batch_date = DATE '%t' AND split = 'train'
''', model_name, run_date);`;

const aucOf = (subset: string) => `(SELECT roc_auc FROM auc WHERE subset = '${subset}')`;

/** Holdout scores, then the metrics row (the columns of model_metrics; the oracle needs the generators' truth, so it stays NULL). */
const evaluateModel = `${commonDeclarations}
CREATE TABLE IF NOT EXISTS ${HOLDOUT_SCORES} (
  batch_date DATE, customer_key STRING, label INT64, active BOOL, score FLOAT64
) PARTITION BY batch_date;
DELETE FROM ${HOLDOUT_SCORES} WHERE batch_date = run_date;
EXECUTE IMMEDIATE FORMAT('''
INSERT INTO ${HOLDOUT_SCORES} (batch_date, customer_key, label, active, score)
SELECT DATE '%t', e.customer_key, e.churned, e.active, p.prob
FROM ML.PREDICT(MODEL \`%s\`, (SELECT * FROM ${EXAMPLES} WHERE batch_date = DATE '%t' AND split = 'holdout')) AS e,
  UNNEST(e.predicted_churned_probs) AS p
WHERE p.label = 1
''', run_date, model_name, run_date);
CREATE TABLE IF NOT EXISTS ${METRICS} (
  batch_date DATE, model_version STRING, algorithm STRING, label_window_days INT64, holdout_cutoff DATE,
  training_cutoffs STRING, training_rows INT64, holdout_rows INT64, holdout_positive_rate FLOAT64,
  roc_auc FLOAT64, pr_auc FLOAT64, log_loss FLOAT64, brier_score FLOAT64, expected_calibration_error FLOAT64,
  calibration STRING, oracle_auc FLOAT64, propensity_auc FLOAT64, oracle_ratio FLOAT64,
  active_holdout_rows INT64, active_roc_auc FLOAT64, active_oracle_auc FLOAT64, active_oracle_ratio FLOAT64,
  scored_customers INT64, trained_at STRING
) PARTITION BY batch_date;
DELETE FROM ${METRICS} WHERE batch_date = run_date;
INSERT INTO ${METRICS}
WITH scores AS (
  SELECT label, active, score FROM ${HOLDOUT_SCORES} WHERE batch_date = run_date
),
-- ROC AUC by score group: each positive beats the negatives below it and ties with half of its group's.
groups AS (
  SELECT subset, score, SUM(label) AS pos, COUNT(*) - SUM(label) AS neg
  FROM (SELECT 'all' AS subset, label, score FROM scores UNION ALL SELECT 'active', label, score FROM scores WHERE active)
  GROUP BY subset, score
),
auc AS (
  SELECT subset, SAFE_DIVIDE(SUM(pos * (below + 0.5 * neg)), SUM(pos) * SUM(neg)) AS roc_auc
  FROM (
    SELECT *, COALESCE(SUM(neg) OVER (PARTITION BY subset ORDER BY score ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
    FROM groups
  )
  GROUP BY subset
),
-- Average precision: recall gained at each threshold (highest score first) times the precision there.
average_precision AS (
  SELECT SUM(pos / total_pos * cum_pos / cum_n) AS pr_auc
  FROM (
    SELECT pos, SUM(pos) OVER () AS total_pos,
      SUM(pos) OVER (ORDER BY score DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_pos,
      SUM(pos + neg) OVER (ORDER BY score DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum_n
    FROM groups WHERE subset = 'all'
  )
),
losses AS (
  SELECT COUNT(*) AS holdout_rows, AVG(label) AS positive_rate, COUNTIF(active) AS active_rows,
    AVG(-(label * LN(GREATEST(score, 1e-15)) + (1 - label) * LN(GREATEST(1 - score, 1e-15)))) AS log_loss,
    AVG(POW(score - label, 2)) AS brier_score
  FROM scores
),
bins AS (
  SELECT bin, COUNT(s.label) AS count, AVG(s.score) AS mean_predicted, AVG(s.label) AS observed_rate
  FROM UNNEST(GENERATE_ARRAY(0, 9)) AS bin
  LEFT JOIN scores AS s ON LEAST(CAST(FLOOR(s.score * 10) AS INT64), 9) = bin
  GROUP BY bin
),
calibration AS (
  SELECT
    TO_JSON_STRING(ARRAY_AGG(STRUCT(bin / 10 AS lower, (bin + 1) / 10 AS upper, count,
      ROUND(mean_predicted, 6) AS mean_predicted, ROUND(observed_rate, 6) AS observed_rate) ORDER BY bin)) AS bins_json,
    SUM(count / total * ABS(observed_rate - mean_predicted)) AS ece
  FROM bins CROSS JOIN (SELECT COUNT(*) AS total FROM scores)
),
training AS (
  SELECT COUNT(*) AS training_rows,
    STRING_AGG(DISTINCT CAST(cutoff_date AS STRING), ',' ORDER BY CAST(cutoff_date AS STRING) DESC) AS training_cutoffs
  FROM ${EXAMPLES} WHERE batch_date = run_date AND split = 'train'
),
scored AS (
  SELECT COUNT(*) AS scored_customers FROM ${EXAMPLES} WHERE batch_date = run_date AND split = 'score'
)
SELECT
  run_date, CONCAT('bqml-', job_id), 'bqml_logistic_reg', n, DATE_SUB(run_date, INTERVAL n DAY),
  training.training_cutoffs, training.training_rows, losses.holdout_rows, ROUND(losses.positive_rate, 6),
  ROUND(${aucOf("all")}, 6), ROUND(average_precision.pr_auc, 6), ROUND(losses.log_loss, 6), ROUND(losses.brier_score, 6),
  ROUND(calibration.ece, 6), calibration.bins_json, NULL, NULL, NULL,
  losses.active_rows, ROUND(${aucOf("active")}, 6), NULL, NULL,
  scored.scored_customers, FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', CURRENT_TIMESTAMP())
FROM losses, average_precision, calibration, training, scored;`;

/** Scores the batch date's customers and writes the predictions files (columns of fact_predictions_churn). */
const predictAndExport = `${commonDeclarations}
DECLARE scored_at STRING DEFAULT FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', CURRENT_TIMESTAMP());
EXECUTE IMMEDIATE FORMAT('''
EXPORT DATA OPTIONS (uri = '%s${PREDICTIONS_FILE_PREFIX}*.jsonl', format = 'JSON', overwrite = true) AS
SELECT
  e.customer_key,
  DATE '%t' AS batch_date,
  ROUND(p.prob, 6) AS churn_probability,
  CASE WHEN p.prob >= ${RISK_BAND_THRESHOLDS.high} THEN 'high' WHEN p.prob >= ${RISK_BAND_THRESHOLDS.medium} THEN 'medium' ELSE 'low' END AS risk_band,
  '%s' AS model_version,
  '%s' AS scored_at
FROM ML.PREDICT(MODEL \`%s\`, (SELECT * FROM ${EXAMPLES} WHERE batch_date = DATE '%t' AND split = 'score')) AS e,
  UNNEST(e.predicted_churned_probs) AS p
WHERE p.label = 1
''', output_prefix, run_date, CONCAT('bqml-', job_id), scored_at, model_name, run_date);`;

/** Written last: a metrics file means the predictions beside it are complete. */
const exportMetrics = `${commonDeclarations}
EXECUTE IMMEDIATE FORMAT('''
EXPORT DATA OPTIONS (uri = '%s${METRICS_FILE_PREFIX}*.json', format = 'JSON', overwrite = true) AS
SELECT * FROM ${METRICS} WHERE batch_date = DATE '%t'
''', output_prefix, run_date);`;

export interface PipelineTask {
  name: string;
  description: string;
  sql: string;
}

/** The pipeline's tasks, in the order they run. */
export const PIPELINE_TASKS: readonly PipelineTask[] = [
  {
    name: "build-examples",
    description: "Labelled training and holdout examples and the rows to score.",
    sql: buildExamples,
  },
  {
    name: "train-model",
    description: "BigQuery ML logistic regression on the training cut-offs.",
    sql: trainModel,
  },
  { name: "evaluate-model", description: "Holdout scores and the metrics row.", sql: evaluateModel },
  {
    name: "predict-and-export",
    description: "Predictions of the batch date to the output location.",
    sql: predictAndExport,
  },
  { name: "export-metrics", description: "The metrics file, last.", sql: exportMetrics },
];

/** json.dumps with Python's default separators, as KFP writes container placeholders. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

const input = (name: string) => `{{$.inputs.parameters['${name}']}}`;

/** BigqueryQueryJobOp's component interface. */
function queryJobComponent(executorLabel: string): Record<string, unknown> {
  return {
    executorLabel,
    inputDefinitions: {
      parameters: {
        encryption_spec_key_name: { defaultValue: "", isOptional: true, parameterType: "STRING" },
        job_configuration_query: { defaultValue: {}, isOptional: true, parameterType: "STRUCT" },
        labels: { defaultValue: {}, isOptional: true, parameterType: "STRUCT" },
        location: { defaultValue: "us-central1", isOptional: true, parameterType: "STRING" },
        project: { parameterType: "STRING" },
        query: { defaultValue: "", isOptional: true, parameterType: "STRING" },
        query_parameters: { defaultValue: [], isOptional: true, parameterType: "LIST" },
      },
    },
    outputDefinitions: {
      artifacts: {
        destination_table: { artifactType: { schemaTitle: "google.BQTable", schemaVersion: "0.0.1" } },
      },
      parameters: { gcp_resources: { parameterType: "STRING" } },
    },
  };
}

/** BigqueryQueryJobOp's container: GCPC's launcher with the published argument placeholders. */
function queryJobExecutor(): Record<string, unknown> {
  return {
    container: {
      image: GCPC_IMAGE,
      command: ["python3", "-u", "-m", QUERY_JOB_LAUNCHER],
      args: [
        "--type",
        "BigqueryQueryJob",
        "--project",
        input("project"),
        "--location",
        input("location"),
        "--payload",
        pythonJson({
          Concat: [
            "{",
            '"configuration": {',
            '"query": ',
            input("job_configuration_query"),
            ', "labels": ',
            input("labels"),
            "}",
            "}",
          ],
        }),
        "--job_configuration_query_override",
        pythonJson({
          Concat: [
            "{",
            '"query": "',
            input("query"),
            '"',
            ', "query_parameters": ',
            input("query_parameters"),
            ', "destination_encryption_configuration": {',
            '"kmsKeyName": "',
            input("encryption_spec_key_name"),
            '"}',
            "}",
          ],
        }),
        "--gcp_resources",
        "{{$.outputs.parameters['gcp_resources'].output_file}}",
        "--executor_input",
        "{{$}}",
      ],
    },
  };
}

/** The pipeline parameters a task's SQL uses. */
export function parametersUsed(sql: string): ParameterName[] {
  return (Object.keys(PIPELINE_PARAMETERS) as ParameterName[]).filter((name) => sql.includes(p(name)));
}

/** The compiled PipelineSpec. */
export function buildChurnPipelineSpec(): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const executors: Record<string, unknown> = {};
  const tasks: Record<string, unknown> = {};
  PIPELINE_TASKS.forEach((task, i) => {
    // The launcher pastes the query into a JSON string: a double quote or backslash would break it.
    if (/["\\]/.test(task.sql))
      throw new Error(`the SQL of task ${task.name} must not contain double quotes or backslashes`);
    components[`comp-${task.name}`] = queryJobComponent(`exec-${task.name}`);
    executors[`exec-${task.name}`] = queryJobExecutor();
    const previous = PIPELINE_TASKS[i - 1];
    tasks[task.name] = {
      taskInfo: { name: task.name },
      componentRef: { name: `comp-${task.name}` },
      ...(previous ? { dependentTasks: [previous.name] } : {}),
      inputs: {
        parameters: {
          project: { componentInputParameter: "project" },
          location: { componentInputParameter: "location" },
          labels: { runtimeValue: { constant: { app: "winter-days", stage: "churn", task: task.name } } },
          query: { runtimeValue: { constant: task.sql } },
          ...Object.fromEntries(
            parametersUsed(task.sql).map((name) => [
              `pipelinechannel--${name}`,
              { componentInputParameter: name },
            ]),
          ),
        },
      },
    };
  });
  return {
    pipelineInfo: {
      name: "winter-days-churn",
      description:
        "Trains the winter-days churn model with BigQuery ML on churn_features (time-based split), evaluates it on the holdout cut-off, and writes predictions and metrics for the batch date.",
    },
    sdkVersion: "kfp-2.7.0",
    schemaVersion: "2.1.0",
    root: {
      inputDefinitions: { parameters: PIPELINE_PARAMETERS },
      dag: { tasks },
    },
    components,
    deploymentSpec: { executors },
  };
}
