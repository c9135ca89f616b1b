/**
 * The tables the predictions-load hop writes, which Dataform does not build: their columns (type,
 * nullability, description) in one place. The operations fact_predictions_churn and model_metrics
 * create them empty when missing, so that their schema is versioned with the project and downstream
 * SQL, the lineage and the catalog know them before the first load. lib/ml/tables.ts creates the
 * same columns when the hop runs first; test/dataform checks that both sides agree.
 */

/** One row per customer and batch date: the churn model's score. */
const predictions = [
  {
    name: "customer_key",
    type: "STRING",
    required: true,
    description:
      "Customer key C-nnnnnnn of the scored customer: every customer of churn_features at the batch date's cut-off.",
  },
  {
    name: "batch_date",
    type: "DATE",
    required: true,
    description:
      "Batch date the score is for: the churn_features cut-off it was computed from. Partition column; a reload replaces the date's partition.",
  },
  {
    name: "churn_probability",
    type: "FLOAT64",
    required: true,
    description:
      "Model probability (0 to 1, 6 decimals) that the customer makes no purchase in the label_window_days (model_metrics; 30 by default) days after batch_date.",
  },
  {
    name: "risk_band",
    type: "STRING",
    required: true,
    description:
      "high when churn_probability >= 0.5 (worth a personal retention offer), medium from 0.2 (worth a campaign), low below.",
  },
  {
    name: "model_version",
    type: "STRING",
    required: true,
    description:
      "Version of the model that scored the row, the key into model_metrics: churn-lr-<batch date>-<8 hex of the fitted model> offline, bqml-<job id> in the cloud.",
  },
  {
    name: "scored_at",
    type: "TIMESTAMP",
    required: true,
    description: "When the churn job scored the batch (UTC); the same for every row of one run.",
  },
];

/** One row per batch date: how the model that scored it did on its holdout. */
const modelMetrics = [
  {
    name: "batch_date",
    type: "DATE",
    required: true,
    description:
      "Batch date the model was trained and scored for. Partition column; a reload replaces the date's row.",
  },
  {
    name: "model_version",
    type: "STRING",
    required: true,
    description: "Version of the model, as in fact_predictions_churn.model_version.",
  },
  {
    name: "algorithm",
    type: "STRING",
    required: true,
    description:
      "How the model was fitted: logistic_regression_l2 (the offline trainer) or bqml_logistic_reg (BigQuery ML in the Vertex pipeline).",
  },
  {
    name: "label_window_days",
    type: "INT64",
    required: true,
    description:
      "Label window N in days: a customer counts as churned at a cut-off when they buy nothing in the N days after it.",
  },
  {
    name: "holdout_cutoff",
    type: "DATE",
    required: true,
    description:
      "Cut-off the model is evaluated on: batch_date − label_window_days, the latest cut-off whose label window is complete.",
  },
  {
    name: "training_cutoffs",
    type: "STRING",
    required: true,
    description:
      "Cut-offs the model was trained on, comma-separated YYYY-MM-DD, newest first; each label window ends on or before holdout_cutoff, so training never sees the holdout's labels.",
  },
  {
    name: "training_rows",
    type: "INT64",
    required: true,
    description: "Labelled training rows (customer × training cut-off).",
  },
  {
    name: "holdout_rows",
    type: "INT64",
    required: true,
    description: "Labelled customers at holdout_cutoff that every holdout metric is computed on.",
  },
  {
    name: "holdout_positive_rate",
    type: "FLOAT64",
    required: true,
    description: "Share of holdout customers who churned (0 to 1): the pr_auc of a random model.",
  },
  {
    name: "roc_auc",
    type: "FLOAT64",
    required: true,
    description:
      "ROC AUC on the holdout: the probability that a random churner scores above a random non-churner (0.5 random, 1 perfect).",
  },
  {
    name: "pr_auc",
    type: "FLOAT64",
    required: true,
    description:
      "Area under the precision-recall curve on the holdout, as average precision (scikit-learn's definition); compare with holdout_positive_rate.",
  },
  {
    name: "log_loss",
    type: "FLOAT64",
    required: true,
    description: "Mean binary cross-entropy (natural log) of the holdout probabilities; lower is better.",
  },
  {
    name: "brier_score",
    type: "FLOAT64",
    required: true,
    description:
      "Mean squared difference between the holdout probabilities and the 0/1 outcomes; lower is better (0 perfect).",
  },
  {
    name: "expected_calibration_error",
    type: "FLOAT64",
    required: true,
    description:
      "Count-weighted mean gap between mean predicted probability and observed churn rate over the 10 equal-width probability bins of calibration; 0 is perfectly calibrated.",
  },
  {
    name: "calibration",
    type: "STRING",
    required: true,
    description:
      "The reliability bins as a JSON array: per bin lower and upper bound, count, mean_predicted and observed_rate (both null for an empty bin).",
  },
  {
    name: "oracle_auc",
    type: "FLOAT64",
    required: false,
    description:
      "ROC AUC of an oracle that knows the generators' planted truth as of holdout_cutoff (the best ranking the data allows), on the holdout customers the truth covers. NULL without the truth file, and always from the BigQuery ML pipeline, which does not read it.",
  },
  {
    name: "propensity_auc",
    type: "FLOAT64",
    required: false,
    description:
      "ROC AUC of the planted churn propensity alone, blind to who had already churned; NULL whenever oracle_auc is.",
  },
  {
    name: "oracle_ratio",
    type: "FLOAT64",
    required: false,
    description:
      "roc_auc / oracle_auc on the same customers: 1 means the model ranks as well as the planted truth; NULL whenever oracle_auc is.",
  },
  {
    name: "active_holdout_rows",
    type: "INT64",
    required: true,
    description:
      "Holdout customers who bought within the label window's length before holdout_cutoff: the harder part, since lapsed customers are easy to call.",
  },
  {
    name: "active_roc_auc",
    type: "FLOAT64",
    required: false,
    description: "ROC AUC on the active holdout customers; NULL when they all churned or all stayed.",
  },
  {
    name: "active_oracle_auc",
    type: "FLOAT64",
    required: false,
    description:
      "oracle_auc on the active holdout customers; NULL whenever oracle_auc is, or when they are all of one class.",
  },
  {
    name: "active_oracle_ratio",
    type: "FLOAT64",
    required: false,
    description: "active_roc_auc / active_oracle_auc; NULL when either is.",
  },
  {
    name: "scored_customers",
    type: "INT64",
    required: true,
    description:
      "Customers scored at batch_date: the rows the run wrote to fact_predictions_churn for the date.",
  },
  {
    name: "trained_at",
    type: "TIMESTAMP",
    required: true,
    description:
      "When the churn job computed these metrics (UTC), after training and evaluating; the offline trainer stamps its predictions' scored_at with the same instant.",
  },
];

/** Column name to description, for an operation's `columns` config (the catalog reads these). */
function descriptions(columns) {
  return Object.fromEntries(columns.map((column) => [column.name, column.description]));
}

/** The column list of a CREATE TABLE, in the target dialect, with descriptions in BigQuery. */
function columnDefinitions(columns) {
  return columns
    .map((column) =>
      [
        `  ${column.name} ${dialect.type(column.type)}`,
        column.required ? "NOT NULL" : "",
        dialect.columnOptions({ description: column.description }),
      ]
        .filter((part) => part !== "")
        .join(" "),
    )
    .join(",\n");
}

module.exports = { predictions, modelMetrics, descriptions, columnDefinitions };
