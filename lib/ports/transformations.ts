/**
 * The transformations port, shaped after the Dataform API (compilation results and workflow
 * invocations) so the hops drive Google Cloud's Dataform and the local stand-in alike.
 * Resource names are opaque strings the adapter hands out.
 */

/** States of a workflow invocation, as Dataform's WorkflowInvocation.State. */
export type InvocationState = "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED" | "CANCELING";

export const TERMINAL_INVOCATION_STATES: ReadonlySet<InvocationState> = new Set([
  "SUCCEEDED",
  "FAILED",
  "CANCELLED",
]);

export interface CompilationRequest {
  /** Compile vars (batch_date, …); they override workflow_settings.yaml's. */
  vars: Record<string, string>;
  /** Git branch, tag or commit of the Dataform repository; the adapter's default when absent. */
  gitCommitish?: string;
}

export interface InvocationRequest {
  /** Name returned by createCompilationResult. */
  compilationResult: string;
  /** Run only actions with one of these tags. */
  includedTags?: string[];
  /** Run only these actions, as `dataset.name`. */
  includedTargets?: string[];
  /** Rebuild incremental tables from scratch. */
  fullyRefresh?: boolean;
}

export interface InvocationStatus {
  name: string;
  state: InvocationState;
}

/** One action of an invocation. `target` is `dataset.name`; `state` is Dataform's action state. */
export interface InvocationAction {
  target: string;
  state: string;
  failureReason?: string;
  durationMs?: number;
  rowsAffected?: number;
  sql?: string;
}

export interface Transformations {
  createCompilationResult(request: CompilationRequest): Promise<{ name: string }>;
  createWorkflowInvocation(request: InvocationRequest): Promise<{ name: string }>;
  getWorkflowInvocation(name: string): Promise<InvocationStatus>;
  queryWorkflowInvocationActions(name: string): Promise<InvocationAction[]>;
}
