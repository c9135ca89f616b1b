/**
 * The one place that decides what a failure means for delivery.
 *
 * - PermanentError: retrying cannot help (bad data, unknown version). The hop acknowledges the
 *   message and routes it to the dead-letter topic with the reason.
 * - Everything else is transient: the hop throws, the subscription redelivers with backoff, and
 *   after its max delivery attempts Pub/Sub dead-letters it.
 */

/** Reasons recorded with a permanent failure; they appear in dead-letter attributes and the ledger. */
export type PermanentReason =
  | "schema-violation"
  | "unknown-version"
  | "unknown-event-type"
  | "malformed-message"
  | "missing-object"
  | "count-mismatch"
  | "invalid-identifier"
  | "job-failed";

export class PermanentError extends Error {
  override name = "PermanentError";
  readonly reason: PermanentReason;
  constructor(reason: PermanentReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** The data did not match its JSON Schema; `problems` name each offending path. */
export class SchemaViolation extends PermanentError {
  override name = "SchemaViolation";
  readonly problems: string[];
  constructor(what: string, problems: string[]) {
    super("schema-violation", `${what} does not match its schema: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/** A retryable failure that the code recognised as such (a dependency down, a job still running). */
export class TransientError extends Error {
  override name = "TransientError";
}

/** A long-running job has not reached a terminal state yet: redeliver later. */
export class StillRunning extends TransientError {
  override name = "StillRunning";
}

/** Configuration is missing or invalid; names the variable. Never retried: the deployment is wrong. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * gRPC status codes the Google client libraries treat as retryable (as nodejs-pubsub's RETRY_CODES):
 * CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE.
 */
export const RETRYABLE_GRPC_CODES: ReadonlySet<number> = new Set([1, 2, 4, 8, 10, 13, 14]);

/** HTTP statuses that are worth retrying. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export type FailureKind = "permanent" | "transient";

/** Classifies any thrown value. Unknown errors are transient: retrying is safe because hops are idempotent. */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof PermanentError) return "permanent";
  return "transient";
}

/** The error's class name, for logs and dead-letter attributes. */
export function errorClass(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
