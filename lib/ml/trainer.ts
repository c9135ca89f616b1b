import { createHash } from "node:crypto";
import {
  type ChurnFeatureRow,
  FEATURE_NAMES,
  featureVector,
  type LabelledRow,
  labelCutoff,
  rowsByCutoff,
} from "./features.ts";
import {
  DEFAULT_LOGISTIC_OPTIONS,
  fitLogisticRegression,
  type LogisticModel,
  predictProbability,
} from "./logistic-regression.ts";
import {
  brierScore,
  expectedCalibrationError,
  logLoss,
  prAuc,
  type ReliabilityBin,
  reliabilityBins,
  rocAuc,
} from "./metrics.ts";
import { DEFAULT_SPLIT_OPTIONS, planSplit, type SplitOptions, type SplitPlan } from "./split.ts";

/** The generators' planted truth for one customer (a line of `_truth/customers/.../customers.jsonl`). */
export interface PlantedTruth {
  customer_id: string;
  churn_propensity: number;
  churn_date: string | null;
}

/** The horizon of the planted propensity: the probability of churning within 90 days while active. */
export const PROPENSITY_HORIZON_DAYS = 90;

export interface TrainerOptions extends SplitOptions {
  l2: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  ...DEFAULT_SPLIT_OPTIONS,
  l2: DEFAULT_LOGISTIC_OPTIONS.l2,
};

/** What the holdout says about the model (and, with the planted truth, about the best possible model). */
export interface HoldoutMetrics {
  holdout_rows: number;
  holdout_positive_rate: number;
  roc_auc: number;
  pr_auc: number;
  log_loss: number;
  brier_score: number;
  expected_calibration_error: number;
  calibration: ReliabilityBin[];
  /**
   * AUC of the oracle that knows the planted truth as of the holdout cut-off: customers who had
   * already churned (churn date on or before it) score 1, the others their planted probability of
   * churning within the label window, 1 − (1 − p)^(N/90).
   * Null without the truth file.
   */
  oracle_auc: number | null;
  /** AUC of the planted propensity alone (blind to who already churned). */
  propensity_auc: number | null;
  /** roc_auc / oracle_auc, both on the holdout customers the truth covers. */
  oracle_ratio: number | null;
  /** Share of holdout customers found in the truth file. */
  oracle_coverage: number | null;
  /**
   * The same on the harder part of the holdout: customers who bought within the N days before the
   * cut-off (the lapsed ones are easy to call). Null when that part has a single class.
   */
  active_holdout_rows: number;
  active_roc_auc: number | null;
  active_oracle_auc: number | null;
  active_oracle_ratio: number | null;
}

export interface ChurnPrediction {
  customer_key: string;
  churn_probability: number;
}

export interface TrainingResult {
  plan: SplitPlan;
  model: LogisticModel;
  /** `churn-lr-<batch date>-<8 hex of the fitted model>`: the same data gives the same version. */
  modelVersion: string;
  trainingRows: number;
  trainingPositiveRate: number;
  metrics: HoldoutMetrics;
  /** One per customer at the batch date's cut-off, in customer order. */
  predictions: ChurnPrediction[];
}

/** A training set or holdout that cannot be learnt from or judged on (a single class). */
export class DegenerateSplitError extends Error {
  override name = "DegenerateSplitError";
}

function describeClasses(rows: readonly LabelledRow[], what: string): number {
  const positives = rows.reduce((sum, r) => sum + r.label, 0);
  if (rows.length === 0 || positives === 0 || positives === rows.length) {
    throw new DegenerateSplitError(
      `${what} has ${rows.length} labelled rows of which ${positives} churned: the model needs both churners and non-churners`,
    );
  }
  return positives / rows.length;
}

/** The oracle's score of one customer at a cut-off, from the planted truth. */
export function oracleScore(truth: PlantedTruth, cutoff: string, labelWindowDays: number): number {
  if (truth.churn_date !== null && truth.churn_date <= cutoff) return 1;
  return 1 - (1 - truth.churn_propensity) ** (labelWindowDays / PROPENSITY_HORIZON_DAYS);
}

/** Model AUC beside the oracle's, on the holdout customers the truth covers. */
function oracleComparison(
  holdout: readonly LabelledRow[],
  scores: readonly number[],
  cutoff: string,
  labelWindowDays: number,
  truth: ReadonlyMap<string, PlantedTruth>,
): { model: number; oracle: number; propensity: number; coverage: number } | undefined {
  const labels: number[] = [];
  const model: number[] = [];
  const oracle: number[] = [];
  const propensity: number[] = [];
  holdout.forEach((example, i) => {
    const planted = truth.get(example.row.customer_key);
    if (!planted) return;
    labels.push(example.label);
    model.push(scores[i] ?? 0);
    oracle.push(oracleScore(planted, cutoff, labelWindowDays));
    propensity.push(planted.churn_propensity);
  });
  const positives = labels.reduce((a, b) => a + b, 0);
  if (positives === 0 || positives === labels.length) return undefined;
  return {
    model: rocAuc(labels, model),
    oracle: rocAuc(labels, oracle),
    propensity: rocAuc(labels, propensity),
    coverage: labels.length / holdout.length,
  };
}

/** A customer who bought within the label window's length before the cut-off. */
export function isActive(row: ChurnFeatureRow, labelWindowDays: number): boolean {
  return row.recency_days !== null && row.recency_days < labelWindowDays;
}

function holdoutMetrics(
  holdout: readonly LabelledRow[],
  scores: readonly number[],
  cutoff: string,
  labelWindowDays: number,
  truth: ReadonlyMap<string, PlantedTruth> | undefined,
): HoldoutMetrics {
  const labels = holdout.map((e) => e.label);
  const calibration = reliabilityBins(labels, scores, 10);
  const activeIndices = holdout.flatMap((e, i) => (isActive(e.row, labelWindowDays) ? [i] : []));
  const active = activeIndices.map((i) => holdout[i] as LabelledRow);
  const activeScores = activeIndices.map((i) => scores[i] ?? 0);
  const activePositives = active.reduce((sum, e) => sum + e.label, 0);
  const activeAuc =
    activePositives > 0 && activePositives < active.length
      ? rocAuc(
          active.map((e) => e.label),
          activeScores,
        )
      : null;
  const all = truth ? oracleComparison(holdout, scores, cutoff, labelWindowDays, truth) : undefined;
  const activeOracle = truth
    ? oracleComparison(active, activeScores, cutoff, labelWindowDays, truth)
    : undefined;
  return {
    holdout_rows: holdout.length,
    holdout_positive_rate: labels.reduce((a: number, b) => a + b, 0) / holdout.length,
    roc_auc: rocAuc(labels, scores),
    pr_auc: prAuc(labels, scores),
    log_loss: logLoss(labels, scores),
    brier_score: brierScore(labels, scores),
    expected_calibration_error: expectedCalibrationError(calibration),
    calibration,
    oracle_auc: all?.oracle ?? null,
    propensity_auc: all?.propensity ?? null,
    oracle_ratio: all ? all.model / all.oracle : null,
    oracle_coverage: all?.coverage ?? null,
    active_holdout_rows: active.length,
    active_roc_auc: activeAuc,
    active_oracle_auc: activeOracle?.oracle ?? null,
    active_oracle_ratio: activeOracle ? activeOracle.model / activeOracle.oracle : null,
  };
}

function modelVersionOf(batchDate: string, model: LogisticModel): string {
  const fingerprint = createHash("sha256")
    .update(JSON.stringify([model.featureNames, model.means, model.scales, model.intercept, model.weights]))
    .digest("hex")
    .slice(0, 8);
  return `churn-lr-${batchDate}-${fingerprint}`;
}

/**
 * Trains the churn model for a batch date on churn_features rows (at least those of the split's
 * cut-offs), evaluates it on the holdout cut-off and scores the batch date's customers. Throws
 * InsufficientHistoryError when the history is too short, DegenerateSplitError when a split has a
 * single class.
 */
export function trainChurnModel(
  rows: readonly ChurnFeatureRow[],
  batchDate: string,
  options: Partial<TrainerOptions> = {},
  truth?: ReadonlyMap<string, PlantedTruth>,
): TrainingResult {
  const settings = { ...DEFAULT_TRAINER_OPTIONS, ...options };
  const index = rowsByCutoff(rows);
  const plan = planSplit(index.keys(), batchDate, settings);
  const n = plan.labelWindowDays;
  const training = plan.trainingCutoffs.flatMap((cutoff) => labelCutoff(index, cutoff, n));
  const trainingPositiveRate = describeClasses(
    training,
    `training cut-offs ${plan.trainingCutoffs.join(", ")}`,
  );
  const holdout = labelCutoff(index, plan.holdoutCutoff, n);
  describeClasses(holdout, `holdout cut-off ${plan.holdoutCutoff}`);

  const model = fitLogisticRegression(
    FEATURE_NAMES,
    training.map((e) => featureVector(e.row)),
    training.map((e) => e.label),
    { l2: settings.l2 },
  );
  const scores = holdout.map((e) => predictProbability(model, featureVector(e.row)));
  const metrics = holdoutMetrics(holdout, scores, plan.holdoutCutoff, n, truth);
  const scoring = [...(index.get(batchDate)?.values() ?? [])].sort((a, b) =>
    a.customer_key.localeCompare(b.customer_key),
  );
  return {
    plan,
    model,
    modelVersion: modelVersionOf(batchDate, model),
    trainingRows: training.length,
    trainingPositiveRate,
    metrics,
    predictions: scoring.map((row) => ({
      customer_key: row.customer_key,
      churn_probability: predictProbability(model, featureVector(row)),
    })),
  };
}
