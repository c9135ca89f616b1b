import { addDays, daysBetween } from "./features.ts";

/**
 * The time-based split of one training run for batch date D with label window N:
 * - scoring cut-off: D (today's features; their labels are in the future);
 * - holdout cut-off: h = D − N, the latest cut-off whose label window (h, D] is complete;
 * - training cut-offs: h − N, h − N − stride, … — only cut-offs whose label window ends on or before
 *   h, so a model trained "as of h" is evaluated on h: no label it learns from overlaps the window
 *   it is judged on.
 * The earliest history this needs is D − 2N, i.e. 2N + 1 days of cut-offs.
 */
export interface SplitPlan {
  batchDate: string;
  labelWindowDays: number;
  holdoutCutoff: string;
  /** Newest first. */
  trainingCutoffs: string[];
}

export interface SplitOptions {
  labelWindowDays: number;
  /** Days between training cut-offs: weekly cut-offs keep one customer's rows from being near copies. */
  trainingStrideDays: number;
  maxTrainingCutoffs: number;
}

export const DEFAULT_SPLIT_OPTIONS: SplitOptions = {
  labelWindowDays: 30,
  trainingStrideDays: 7,
  maxTrainingCutoffs: 8,
};

/** Days of churn_features cut-offs, ending on the batch date, that one training run needs. */
export function requiredHistoryDays(labelWindowDays: number): number {
  return 2 * labelWindowDays + 1;
}

/** Too little history to build a labelled training set and a holdout: the job fails with this. */
export class InsufficientHistoryError extends Error {
  override name = "InsufficientHistoryError";
  readonly requiredDays: number;
  readonly availableDays: number;
  constructor(message: string, requiredDays: number, availableDays: number) {
    super(message);
    this.requiredDays = requiredDays;
    this.availableDays = availableDays;
  }
}

function checkOptions(options: SplitOptions): void {
  const { labelWindowDays, trainingStrideDays, maxTrainingCutoffs } = options;
  for (const [name, value] of Object.entries({ labelWindowDays, trainingStrideDays, maxTrainingCutoffs })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
  }
}

/** Plans the split from the cut-off dates present in churn_features (any order). */
export function planSplit(cutoffs: Iterable<string>, batchDate: string, options: SplitOptions): SplitPlan {
  checkOptions(options);
  const { labelWindowDays: n, trainingStrideDays, maxTrainingCutoffs } = options;
  const present = new Set(cutoffs);
  const required = requiredHistoryDays(n);
  const sorted = [...present].filter((c) => c <= batchDate).sort();
  const first = sorted[0];
  const available = first === undefined ? 0 : daysBetween(first, batchDate) + 1;
  const shortage = (why: string) =>
    new InsufficientHistoryError(
      `the churn model for ${batchDate} needs ${required} days of churn_features cut-offs ` +
        `(${addDays(batchDate, -2 * n)} to ${batchDate}: training cut-offs whose ${n}-day label window ends by the ` +
        `holdout cut-off ${addDays(batchDate, -n)}, whose own window ends on the batch date); ` +
        (first === undefined
          ? "the table has no cut-off on or before it"
          : `the table has ${sorted.length} cut-off(s) from ${first} to ${sorted[sorted.length - 1]}`) +
        ` (${why})`,
      required,
      available,
    );
  if (!present.has(batchDate)) throw shortage(`no rows for the batch date ${batchDate} itself`);
  const holdoutCutoff = addDays(batchDate, -n);
  if (!present.has(holdoutCutoff)) throw shortage(`no holdout cut-off ${holdoutCutoff}`);
  const trainingCutoffs: string[] = [];
  for (let k = 0; trainingCutoffs.length < maxTrainingCutoffs; k++) {
    const cutoff = addDays(holdoutCutoff, -n - k * trainingStrideDays);
    if (first === undefined || cutoff < first) break;
    // A training cut-off needs its own row and the row that labels it.
    if (present.has(cutoff) && present.has(addDays(cutoff, n))) trainingCutoffs.push(cutoff);
  }
  if (trainingCutoffs.length === 0) throw shortage("no labelled training cut-off");
  return { batchDate, labelWindowDays: n, holdoutCutoff, trainingCutoffs };
}

/** Every cut-off whose rows the run reads: scoring, holdout, training, and their label rows. */
export function cutoffsToRead(plan: SplitPlan): string[] {
  const n = plan.labelWindowDays;
  const all = new Set([plan.batchDate, plan.holdoutCutoff, ...plan.trainingCutoffs]);
  for (const c of plan.trainingCutoffs) all.add(addDays(c, n));
  return [...all].sort();
}
