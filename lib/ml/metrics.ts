/**
 * Binary classification metrics for the churn model's holdout: ranking (ROC AUC, PR AUC), probability
 * quality (log loss, Brier score) and calibration (reliability bins). Labels are 0/1 (1 = churned);
 * scores are any real numbers for the ranking metrics and probabilities in [0, 1] for the others.
 */

export type Label = 0 | 1;

function checkLengths(labels: readonly number[], scores: readonly number[], what: string): void {
  if (labels.length !== scores.length) {
    throw new RangeError(`${what}: ${labels.length} labels but ${scores.length} scores`);
  }
  if (labels.length === 0) throw new RangeError(`${what}: no examples`);
}

function classCounts(labels: readonly number[], what: string): { positives: number; negatives: number } {
  let positives = 0;
  for (const label of labels) {
    if (label !== 0 && label !== 1) throw new RangeError(`${what}: label ${label} is not 0 or 1`);
    positives += label;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `${what}: needs both classes, got ${positives} positive and ${negatives} negative examples`,
    );
  }
  return { positives, negatives };
}

/** Indices ordered by score, ascending. */
function ascending(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * ties counting one half (Mann–Whitney U with average ranks).
 */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  checkLengths(labels, scores, "ROC AUC");
  const { positives, negatives } = classCounts(labels, "ROC AUC");
  const order = ascending(scores);
  let positiveRankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    const score = scores[order[i] ?? 0];
    while (j + 1 < order.length && scores[order[j + 1] ?? 0] === score) j++;
    // Ranks are 1-based; a tie group shares the mean of its ranks.
    const averageRank = (i + 1 + (j + 1)) / 2;
    for (let k = i; k <= j; k++) positiveRankSum += (labels[order[k] ?? 0] ?? 0) * averageRank;
    i = j + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Area under the precision–recall curve as average precision (scikit-learn's definition):
 * Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct score thresholds, highest first; tied scores form one threshold.
 */
export function prAuc(labels: readonly number[], scores: readonly number[]): number {
  checkLengths(labels, scores, "PR AUC");
  const { positives } = classCounts(labels, "PR AUC");
  const order = ascending(scores).reverse();
  let truePositives = 0;
  let seen = 0;
  let previousRecall = 0;
  let area = 0;
  let i = 0;
  while (i < order.length) {
    const score = scores[order[i] ?? 0];
    while (i < order.length && scores[order[i] ?? 0] === score) {
      truePositives += labels[order[i] ?? 0] ?? 0;
      seen++;
      i++;
    }
    const recall = truePositives / positives;
    area += (recall - previousRecall) * (truePositives / seen);
    previousRecall = recall;
  }
  return area;
}

/** Probabilities are clipped to [ε, 1 − ε] so a confident mistake costs a large but finite loss. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Mean negative log-likelihood of the labels under the predicted probabilities (natural log). */
export function logLoss(labels: readonly number[], probabilities: readonly number[]): number {
  checkLengths(labels, probabilities, "log loss");
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, probabilities[i] ?? 0));
    total += labels[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
  }
  return total / labels.length;
}

/** Mean squared difference between probability and label. */
export function brierScore(labels: readonly number[], probabilities: readonly number[]): number {
  checkLengths(labels, probabilities, "Brier score");
  let total = 0;
  for (let i = 0; i < labels.length; i++) total += ((probabilities[i] ?? 0) - (labels[i] ?? 0)) ** 2;
  return total / labels.length;
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin bounds: [lower, upper), the last bin including 1. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin; null when empty. */
  mean_predicted: number | null;
  /** Share of positives in the bin; null when empty. */
  observed_rate: number | null;
}

/** Equal-width reliability bins over [0, 1]. */
export function reliabilityBins(
  labels: readonly number[],
  probabilities: readonly number[],
  bins = 10,
): ReliabilityBin[] {
  checkLengths(labels, probabilities, "reliability bins");
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`reliability bins: ${bins} is not a whole number ≥ 1`);
  const counts = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] ?? 0;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    counts[bin] = (counts[bin] ?? 0) + 1;
    predicted[bin] = (predicted[bin] ?? 0) + p;
    observed[bin] = (observed[bin] ?? 0) + (labels[i] ?? 0);
  }
  return counts.map((count, bin) => ({
    lower: bin / bins,
    upper: (bin + 1) / bins,
    count,
    mean_predicted: count === 0 ? null : (predicted[bin] ?? 0) / count,
    observed_rate: count === 0 ? null : (observed[bin] ?? 0) / count,
  }));
}

/** Expected calibration error: the count-weighted mean gap between predicted and observed rates. */
export function expectedCalibrationError(bins: readonly ReliabilityBin[]): number {
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) throw new RangeError("expected calibration error: no examples");
  let error = 0;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    error += (bin.count / total) * Math.abs((bin.observed_rate ?? 0) - (bin.mean_predicted ?? 0));
  }
  return error;
}
