/**
 * Offline interpreter of the Google Cloud Workflows language.
 *
 * - `parseWorkflow(source, file)` checks and compiles a workflow; any problem is a
 *   `WorkflowSyntaxError` naming file, line, column and step.
 * - `runWorkflow(workflow, args, options)` executes it with injected HTTP, environment, clock,
 *   sleep (scaled by `sleepScale`) and logger; an uncaught workflow error rejects with a
 *   `WorkflowExecutionError` carrying the failing step and the error map.
 * - `validateWorkflowFile(path)` parses a file from disk.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import { createLogger, type Logger, type LogSink } from "../../lib/log.ts";
import { RaisedError, WorkflowExecutionError } from "./errors.ts";
import { DEFAULT_MAX_STEPS, ExecutionContext } from "./exec/context.ts";
import { Executor } from "./exec/executor.ts";
import { Library } from "./stdlib/library.ts";
import type { HttpCallRecord, HttpFunction } from "./stdlib/registry.ts";
import type { Workflow } from "./syntax/ast.ts";
import { parseWorkflowSource } from "./syntax/parse-workflow.ts";
import { fromJs, toJs, type Value } from "./values.ts";

export { runWorkflowCommand } from "./cli.ts";
export { WorkflowExecutionError, WorkflowSyntaxError } from "./errors.ts";
export { decodeJson, encodeJson } from "./json-codec.ts";
export type { HttpCallRecord, HttpFunction } from "./stdlib/registry.ts";
export type { Workflow } from "./syntax/ast.ts";
export type { Value } from "./values.ts";

const library = new Library();

/** Parses and checks workflow source (YAML or JSON). */
export function parseWorkflow(source: string, file = "<workflow>"): Workflow {
  return parseWorkflowSource(source, file, {
    names: library,
    paramsOf: (name) => library.paramsOf(name),
  });
}

/** Reads and checks a workflow file; rejects with WorkflowSyntaxError when it is not valid. */
export async function validateWorkflowFile(path: string): Promise<Workflow> {
  return parseWorkflow(await readFile(path, "utf8"), path);
}

export interface RunOptions {
  /** fetch-compatible function for `http.*` calls (default: global fetch). */
  http?: HttpFunction;
  /** Variables `sys.get_env` reads (user-defined and the GOOGLE_CLOUD_* built-ins). */
  env?: Record<string, string> | ReadonlyMap<string, string>;
  /** Receives `sys.log` entries; default a structured logger on stdout. */
  logger?: Logger;
  /** Alternative to `logger`: a sink for structured log lines. */
  log?: LogSink;
  /** Real time in ms since the epoch (default Date.now). */
  clock?: () => number;
  /** Real wait in ms (default setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /** Factor for `sys.sleep` and retry delays; workflow time still advances by the full amount. */
  sleepScale?: number;
  /** Step budget (default 100 000, the service's limit). */
  maxSteps?: number;
}

export interface RunResult {
  /** The workflow's return value as plain JavaScript (ints as numbers when exact, maps as objects). */
  result: unknown;
  /** The same value in the interpreter's own types (bigint ints, Map maps), e.g. for `encodeJson`. */
  value: Value;
  /** Every HTTP request the run made, in order. */
  httpCalls: HttpCallRecord[];
  /** Number of steps executed. */
  steps: number;
}

export async function runWorkflow(
  workflow: Workflow,
  args: unknown = null,
  options: RunOptions = {},
): Promise<RunResult> {
  const env = options.env instanceof Map ? options.env : new Map(Object.entries(options.env ?? {}));
  const logger =
    options.logger ??
    createLogger(options.log === undefined ? {} : { sink: options.log, minSeverity: "DEBUG" });
  const context = new ExecutionContext({
    http: options.http ?? ((url, init) => fetch(url, init)),
    env: env as ReadonlyMap<string, string>,
    logger,
    clock: options.clock ?? Date.now,
    sleep: options.sleep ?? ((ms) => delay(ms)),
    sleepScale: options.sleepScale ?? 1,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
  });
  const executor = new Executor(workflow, library, context);
  try {
    const value = await executor.runMain(fromJs(args));
    return { result: toJs(value), value, httpCalls: context.httpCalls, steps: context.stepCount };
  } catch (error) {
    if (error instanceof RaisedError)
      throw new WorkflowExecutionError(error.step ?? workflow.main.name, error.value);
    throw error;
  }
}
