/**
 * Retry policies and predicates: `http.default_retry*` and the `retry` module.
 *
 * Per the reference: `http.default_retry_predicate` retries HTTP 429, 502, 503 and 504 and any
 * ConnectionError, ConnectionFailedError or TimeoutError — not 500. The non-idempotent predicate
 * retries only 429 and 503 and ConnectionFailedError (the request never reached the server).
 * Both default policies allow 5 retries with backoff 1 s initial, 60 s max, multiplier 1.25.
 */
import { tagsOf } from "../errors.ts";
import { FunctionRef, isMap, type Value, wfMap } from "../values.ts";
import { type Builtin, builtin } from "./registry.ts";

function httpCode(error: Value): bigint | undefined {
  if (!isMap(error) || !tagsOf(error).includes("HttpError")) return undefined;
  const code = error.get("code");
  return typeof code === "bigint" ? code : undefined;
}

export function isRetryableIdempotent(error: Value): boolean {
  const tags = tagsOf(error);
  if (["ConnectionError", "ConnectionFailedError", "TimeoutError"].some((tag) => tags.includes(tag)))
    return true;
  const code = httpCode(error);
  return code === 429n || code === 502n || code === 503n || code === 504n;
}

export function isRetryableNonIdempotent(error: Value): boolean {
  if (tagsOf(error).includes("ConnectionFailedError")) return true;
  const code = httpCode(error);
  return code === 429n || code === 503n;
}

function defaultBackoff(): Value {
  return wfMap({ initial_delay: 1n, max_delay: 60n, multiplier: 1.25 });
}

export const retryFunctions: Builtin[] = [
  builtin("http.default_retry_predicate", ["exception"], ([error]) => isRetryableIdempotent(error ?? null)),
  builtin("http.default_retry_predicate_non_idempotent", ["exception"], ([error]) =>
    isRetryableNonIdempotent(error ?? null),
  ),
  builtin("retry.always", ["exception"], () => true),
  builtin("retry.never", ["exception"], () => false),
];

/** Library names that are values rather than functions. */
export function retryConstants(): Map<string, Value> {
  return new Map<string, Value>([
    [
      "http.default_retry",
      wfMap({
        predicate: new FunctionRef("http.default_retry_predicate", "builtin"),
        max_retries: 5n,
        backoff: defaultBackoff(),
      }),
    ],
    [
      "http.default_retry_non_idempotent",
      wfMap({
        predicate: new FunctionRef("http.default_retry_predicate_non_idempotent", "builtin"),
        max_retries: 5n,
        backoff: defaultBackoff(),
      }),
    ],
    ["retry.default_backoff", defaultBackoff()],
  ]);
}
