/**
 * Errors of the interpreter. Three kinds, kept apart on purpose:
 * - `WorkflowSyntaxError`: the source is not a valid workflow (found before anything runs);
 * - `RaisedError`: a workflow-level exception (from `raise`, a failed HTTP call, a bad operand),
 *   which `try`/`except`/`retry` can catch; it carries the raised value, usually a map with
 *   `message` and `tags` as Cloud Workflows builds them;
 * - `WorkflowExecutionError`: a `RaisedError` nobody caught, as the public API reports it.
 */
import { toJs, type Value, type WfMap, wfMap } from "./values.ts";

/** A position in a source file, 1-based as editors show it. */
export interface SourcePosition {
  line: number;
  column: number;
}

export class WorkflowSyntaxError extends Error {
  override name = "WorkflowSyntaxError";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly step: string | undefined;
  readonly detail: string;
  constructor(detail: string, file: string, position: SourcePosition, step?: string) {
    const where = step === undefined ? "" : ` (step "${step}")`;
    super(`${file}:${position.line}:${position.column}: ${detail}${where}`);
    this.detail = detail;
    this.file = file;
    this.line = position.line;
    this.column = position.column;
    this.step = step;
  }
}

/** The error tags Cloud Workflows documents; `raise` may use any other string too. */
export type ErrorTag =
  | "AuthError"
  | "ConnectionError"
  | "ConnectionFailedError"
  | "HttpError"
  | "IndexError"
  | "KeyError"
  | "OperationError"
  | "ParallelNestingError"
  | "RecursionError"
  | "ResourceLimitError"
  | "ResponseTypeError"
  | "SystemError"
  | "TimeoutError"
  | "TypeError"
  | "UnhandledBranchError"
  | "ValueError"
  | "ZeroDivisionError";

/** A workflow exception in flight. `step` is the step where it was first raised. */
export class RaisedError extends Error {
  override name = "RaisedError";
  readonly value: Value;
  step: string | undefined;
  constructor(value: Value, step?: string) {
    super(describeRaised(value));
    this.value = value;
    this.step = step;
  }
}

/** Builds the error map Cloud Workflows raises for a built-in failure: `{message, tags, ...extra}`. */
export function workflowError(
  tag: ErrorTag,
  message: string,
  extra: Record<string, Value> = {},
): RaisedError {
  return new RaisedError(wfMap({ message, tags: [tag], ...extra }));
}

function describeRaised(value: Value): string {
  if (typeof value === "string") return value;
  if (value instanceof Map) {
    const message = value.get("message");
    const tags = value.get("tags");
    const tagText = Array.isArray(tags) ? `${tags.join(", ")}: ` : "";
    return `${tagText}${typeof message === "string" ? message : JSON.stringify(toJs(value))}`;
  }
  return JSON.stringify(toJs(value)) ?? String(value);
}

/** Tags of a raised value, or an empty list when it is not a map with `tags`. */
export function tagsOf(value: Value): string[] {
  if (!(value instanceof Map)) return [];
  const tags = value.get("tags");
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
}

/** An exception no `try` caught: the execution failed. */
export class WorkflowExecutionError extends Error {
  override name = "WorkflowExecutionError";
  /** The step where the uncaught error was raised. */
  readonly step: string;
  /** The raised value (an error map for built-in errors, or whatever `raise` raised). */
  readonly error: Value;
  constructor(step: string, error: Value) {
    super(`workflow failed at step "${step}": ${describeRaised(error)}`);
    this.step = step;
    this.error = error;
  }
  /** The error as plain JavaScript data, for JSON output. */
  errorAsJs(): unknown {
    return toJs(this.error);
  }
}

/** Type guard for error maps. */
export function isErrorMap(value: Value): value is WfMap {
  return value instanceof Map && value.has("tags");
}
