/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares)
 * on standardised features.
 *
 * Why our own: the maintained npm option, ml-logistic-regression, runs a fixed number of plain
 * gradient steps (50 000 by default) on unscaled features with no regularisation, no convergence
 * test and no intercept of its own; its multi-class wrapper exposes no probabilities. A churn model
 * needs calibrated probabilities and a fit that converges the same way every time. With a few dozen
 * features, Newton's method converges in a handful of iterations, each one pass over the rows plus a
 * small Cholesky solve, and is exactly the model BigQuery ML's LOGISTIC_REG fits in the cloud
 * (standardised numeric features, L2 penalty).
 */

export interface LogisticRegressionOptions {
  /** L2 penalty λ on the standardised weights (the intercept is not penalised). */
  l2: number;
  maxIterations: number;
  /** Stops when no weight moves by more than this in one Newton step. */
  tolerance: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: LogisticRegressionOptions = {
  l2: 1,
  maxIterations: 50,
  tolerance: 1e-8,
};

/** A fitted model: everything needed to score, serialisable as JSON. */
export interface LogisticModel {
  featureNames: string[];
  /** Per-feature mean and standard deviation used to standardise inputs. */
  means: number[];
  scales: number[];
  intercept: number;
  /** Weights on the standardised features, in featureNames order. */
  weights: number[];
  iterations: number;
  converged: boolean;
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function standardisation(
  rows: readonly (readonly number[])[],
  width: number,
): { means: number[]; scales: number[] } {
  const means = new Array<number>(width).fill(0);
  const scales = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) means[j] = (means[j] ?? 0) + (row[j] ?? 0);
  for (let j = 0; j < width; j++) means[j] = (means[j] ?? 0) / rows.length;
  for (const row of rows)
    for (let j = 0; j < width; j++) scales[j] = (scales[j] ?? 0) + ((row[j] ?? 0) - (means[j] ?? 0)) ** 2;
  // A constant feature gets scale 1: it standardises to 0 and the penalty keeps its weight at 0.
  for (let j = 0; j < width; j++) scales[j] = Math.sqrt((scales[j] ?? 0) / rows.length) || 1;
  return { means, scales };
}

/** Solves A·x = b for a symmetric positive-definite A (row-major, n×n) by Cholesky decomposition. */
export function solveSymmetricPositiveDefinite(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] ?? 0) * (l[j * n + k] ?? 0);
      if (i === j) {
        if (!(sum > 0)) throw new RangeError(`matrix is not positive definite (pivot ${i} is ${sum})`);
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / (l[j * n + j] ?? 1);
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i] ?? 0;
    for (let k = 0; k < i; k++) sum -= (l[i * n + k] ?? 0) * (y[k] ?? 0);
    y[i] = sum / (l[i * n + i] ?? 1);
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] ?? 0;
    for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] ?? 0) * (x[k] ?? 0);
    x[i] = sum / (l[i * n + i] ?? 1);
  }
  return x;
}

/**
 * Fits the model. Minimises −Σ log-likelihood + λ/2·‖w‖² over the standardised features, so λ is
 * comparable across features whatever their units.
 */
export function fitLogisticRegression(
  featureNames: readonly string[],
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  options: Partial<LogisticRegressionOptions> = {},
): LogisticModel {
  const { l2, maxIterations, tolerance } = { ...DEFAULT_LOGISTIC_OPTIONS, ...options };
  const width = featureNames.length;
  if (rows.length === 0) throw new RangeError("logistic regression: no training rows");
  if (rows.length !== labels.length)
    throw new RangeError(`logistic regression: ${rows.length} rows but ${labels.length} labels`);
  for (const [i, row] of rows.entries()) {
    if (row.length !== width)
      throw new RangeError(`logistic regression: row ${i} has ${row.length} values, expected ${width}`);
    for (const value of row)
      if (!Number.isFinite(value))
        throw new RangeError(`logistic regression: row ${i} has a non-finite value`);
  }
  const { means, scales } = standardisation(rows, width);
  const n = width + 1;
  // Design matrix with the intercept first, standardised once.
  const x = new Float64Array(rows.length * n);
  rows.forEach((row, i) => {
    x[i * n] = 1;
    for (let j = 0; j < width; j++) x[i * n + j + 1] = ((row[j] ?? 0) - (means[j] ?? 0)) / (scales[j] ?? 1);
  });
  const beta = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    const gradient = new Float64Array(n);
    const hessian = new Float64Array(n * n);
    for (let i = 0; i < rows.length; i++) {
      let eta = 0;
      for (let j = 0; j < n; j++) eta += (x[i * n + j] ?? 0) * (beta[j] ?? 0);
      const mu = sigmoid(eta);
      const residual = (labels[i] ?? 0) - mu;
      const weight = Math.max(mu * (1 - mu), 1e-12);
      for (let j = 0; j < n; j++) {
        const xij = x[i * n + j] ?? 0;
        gradient[j] = (gradient[j] ?? 0) + xij * residual;
        const wx = weight * xij;
        for (let k = 0; k <= j; k++)
          hessian[j * n + k] = (hessian[j * n + k] ?? 0) + wx * (x[i * n + k] ?? 0);
      }
    }
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < j; k++) hessian[k * n + j] = hessian[j * n + k] ?? 0;
      if (j > 0) {
        gradient[j] = (gradient[j] ?? 0) - l2 * (beta[j] ?? 0);
        hessian[j * n + j] = (hessian[j * n + j] ?? 0) + l2;
      }
    }
    const step = solveSymmetricPositiveDefinite(hessian, gradient, n);
    let largest = 0;
    for (let j = 0; j < n; j++) {
      beta[j] = (beta[j] ?? 0) + (step[j] ?? 0);
      largest = Math.max(largest, Math.abs(step[j] ?? 0));
    }
    converged = largest < tolerance;
  }
  return {
    featureNames: [...featureNames],
    means,
    scales,
    intercept: beta[0] ?? 0,
    weights: Array.from(beta.subarray(1)),
    iterations,
    converged,
  };
}

/** Probability of the positive class for one row of raw (unstandardised) feature values. */
export function predictProbability(model: LogisticModel, row: readonly number[]): number {
  let eta = model.intercept;
  for (let j = 0; j < model.weights.length; j++) {
    eta += (model.weights[j] ?? 0) * (((row[j] ?? 0) - (model.means[j] ?? 0)) / (model.scales[j] ?? 1));
  }
  return sigmoid(eta);
}
