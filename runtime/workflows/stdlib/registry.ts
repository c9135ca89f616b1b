/**
 * The shape of standard library functions and the services they may use. Each function declares
 * its parameter names so a `call` step can pass arguments by name (`args: {data: ..}`) or by
 * position (`args: [..]`), and expressions by position.
 */
import type { Logger } from "../../../lib/log.ts";
import { workflowError } from "../errors.ts";
import type { Value } from "../values.ts";

/** The `fetch`-compatible function HTTP calls go through; tests and the CLI inject their own. */
export type HttpFunction = (url: string, init: RequestInit) => Promise<Response>;

/** Services of the running execution that library functions may need. */
export interface BuiltinContext {
  /** Variables `sys.get_env` can read. */
  readonly env: ReadonlyMap<string, string>;
  /** The workflow's current time in seconds since the epoch (advances with scaled sleeps too). */
  now(): number;
  /** Waits `seconds` of workflow time (really `seconds * sleepScale`). */
  sleep(seconds: number): Promise<void>;
  /** Receives `sys.log` entries. */
  readonly logger: Logger;
  readonly http: HttpFunction;
  /** Told about every HTTP request made, so callers can see what a run did (and with which auth). */
  readonly onHttpCall: (call: HttpCallRecord) => void;
}

/** What the interpreter records of each HTTP request. */
export interface HttpCallRecord {
  method: string;
  url: string;
  /** `auth.type` as written (OIDC or OAuth2), or null; offline, nothing is sent for it. */
  auth: string | null;
}

export interface ParamSpec {
  name: string;
  optional?: boolean;
}

export interface Builtin {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  /** Blocking functions (HTTP, sleep, log) may only be used as a `call` step, not in an expression. */
  readonly callOnly?: boolean;
  call(args: Value[], context: BuiltinContext): Value | Promise<Value>;
}

/** Shorthand for defining a builtin with positional parameter names; a trailing "?" marks optional. */
export function builtin(
  name: string,
  params: string[],
  call: (args: Value[], context: BuiltinContext) => Value | Promise<Value>,
  options: { callOnly?: boolean } = {},
): Builtin {
  return {
    name,
    params: params.map((param) =>
      param.endsWith("?") ? { name: param.slice(0, -1), optional: true } : { name: param },
    ),
    call,
    ...options,
  };
}

/** Checks the number of positional arguments against a builtin's parameters. */
export function checkArity(fn: Builtin, count: number): void {
  const required = fn.params.filter((param) => !param.optional).length;
  if (count < required || count > fn.params.length) {
    const expected = required === fn.params.length ? `${required}` : `${required} to ${fn.params.length}`;
    throw workflowError("TypeError", `${fn.name}() takes ${expected} arguments but ${count} were given`);
  }
}
