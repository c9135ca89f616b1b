// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
/**
 * Reads a `retry` value: either a policy map (`${http.default_retry}`) or the map written in
 * the step. The delay before retry n (1-based) is `initial_delay * multiplier^(n-1)`, capped at
 * `max_delay`; `max_retries` counts retries, not the first attempt. A retry map without
 * `max_retries` or `backoff` takes the defaults of `http.default_retry` (5; 1 s, 60 s, 1.25),
 * our choice where the reference leaves them required.
 */
import { workflowError } from "../errors.ts";
import { FunctionRef, isMap, typeName, type Value } from "../values.ts";

export interface RetryPolicy {
  predicate: FunctionRef;
  maxRetries: number;
  initialDelay: number;
  maxDelay: number;
  multiplier: number;
}

function seconds(value: Value | undefined, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "bigint" && typeof value !== "number") {
    throw workflowError("TypeError", `retry: ${name} must be a number, got ${typeName(value)}`);
  }
  const number = Number(value);
  if (!(number >= 0)) throw workflowError("ValueError", `retry: ${name} must not be negative`);
  return number;
}

export async function evaluateRetryPolicy(value: Value): Promise<RetryPolicy> {
  if (!isMap(value)) throw workflowError("TypeError", `retry must be a policy map, got ${typeName(value)}`);
  const predicate = value.get("predicate");
  if (!(predicate instanceof FunctionRef)) {
    throw workflowError(
      "TypeError",
      "retry predicate must be a function, such as ${http.default_retry_predicate} or a subworkflow",
    );
  }
  const maxRetries = value.get("max_retries") ?? 5n;
  if (typeof maxRetries !== "bigint" || maxRetries < 0n) {
    throw workflowError("TypeError", "retry: max_retries must be a non-negative int");
  }
  const backoff = value.get("backoff") ?? null;
  if (backoff !== null && !isMap(backoff)) throw workflowError("TypeError", "retry: backoff must be a map");
  const get = (key: string): Value | undefined => (backoff === null ? undefined : backoff.get(key));
  const initialDelay = seconds(get("initial_delay"), "initial_delay", 1);
  return {
    predicate,
    maxRetries: Number(maxRetries),
    initialDelay,
    maxDelay: Math.max(initialDelay, seconds(get("max_delay"), "max_delay", 60)),
    multiplier: seconds(get("multiplier"), "multiplier", 1.25),
  };
}
