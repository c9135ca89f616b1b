/**
 * The ML pipeline port, shaped after Vertex AI PipelineJobs: submit a churn training-and-scoring
 * job for a batch date under a deterministic id, then read its state until it is terminal.
 */

/** As Vertex AI's PipelineState, without the PIPELINE_STATE_ prefix. */
export type PipelineState =
  | "QUEUED"
  | "PENDING"
  | "RUNNING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELLING"
  | "CANCELLED"
  | "PAUSED";

export const TERMINAL_PIPELINE_STATES: ReadonlySet<PipelineState> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
]);

export interface PipelineSubmission {
  /** Deterministic per batch (e.g. `churn-2026-11-26-<hash>`): submitting the same id twice starts one job. */
  jobId: string;
  batchDate: string;
  /** Fully qualified feature table, e.g. `project.winter_days_warehouse.churn_features`. */
  featureTable: string;
  /** gs:// prefix where the job writes predictions and metrics. */
  outputUri: string;
  /** Days after the cut-off without a purchase that define churn. */
  labelWindowDays: number;
}

export interface PipelineStatus {
  name: string;
  state: PipelineState;
  /** Set when SUCCEEDED: where predictions were written, and the version of the model that scored. */
  outputUri?: string;
  modelVersion?: string;
  predictions?: number;
  /** Set when FAILED or CANCELLED. */
  error?: string;
}

export interface ChurnPipelines {
  /** Creates the job, or returns the existing one with the same id. */
  submit(submission: PipelineSubmission): Promise<{ name: string }>;
  get(name: string): Promise<PipelineStatus>;
}
