/**
 * The body of `winter-days workflows run <name|file> --data JSON [--sleep-scale X]`, kept free of
 * argument parsing so the CLI can hook it into commander and tests can call it directly.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import { WorkflowExecutionError, WorkflowSyntaxError } from "./errors.ts";
import { decodeJson, encodeJson } from "./json-codec.ts";
import type { HttpFunction } from "./stdlib/registry.ts";
import { wfMap } from "./values.ts";

export interface WorkflowCommandInput {
  /** A workflow file, or the name of one in `workflows/` (`pipeline` → workflows/pipeline.workflows.yaml). */
  file: string;
  /** The execution argument as JSON text. */
  data?: string;
  sleepScale?: number;
  env?: Record<string, string>;
  http?: HttpFunction;
  /** Directory that holds `workflows/` (default: the current directory). */
  root?: string;
  /** Where `sys.log` lines go (default stderr, so stdout carries only the result). */
  logSink?: (line: string) => void;
}

export interface WorkflowCommandOutput {
  /** 0 when the workflow returned; 1 when it failed with an uncaught error; 2 when it could not start. */
  exitCode: number;
  /** The result as JSON, or the uncaught error as JSON `{step, error}`, or a message. */
  output: string;
}

/** Finds the file for `name`: an existing path as given, else `workflows/<name>.workflows.yaml`. */
export function resolveWorkflowPath(name: string, root = process.cwd()): string {
  const direct = join(root, name);
  if (existsSync(name)) return name;
  if (existsSync(direct)) return direct;
  return join(root, "workflows", `${name}.workflows.yaml`);
}

export async function runWorkflowCommand(input: WorkflowCommandInput): Promise<WorkflowCommandOutput> {
  // Imported here, not at the top: index.ts re-exports this module, and a static import back
  // would make the two modules load each other.
  const { parseWorkflow, runWorkflow } = await import("./index.ts");
  const path = resolveWorkflowPath(input.file, input.root);
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (error) {
    return { exitCode: 2, output: `cannot read workflow ${path}: ${(error as Error).message}` };
  }
  let args = null;
  try {
    args = input.data === undefined ? null : decodeJson(input.data);
  } catch {
    return { exitCode: 2, output: `--data is not valid JSON: ${input.data}` };
  }
  try {
    const workflow = parseWorkflow(source, path);
    const logSink = input.logSink ?? ((line: string) => process.stderr.write(`${line}\n`));
    const run = await runWorkflow(workflow, args, {
      ...(input.http === undefined ? {} : { http: input.http }),
      env: input.env ?? {},
      sleepScale: input.sleepScale ?? 1,
      logger: createLogger({ sink: logSink, labels: { workflow: path } }),
    });
    return { exitCode: 0, output: encodeJson(run.value, { indent: "  " }) };
  } catch (error) {
    if (error instanceof WorkflowSyntaxError) return { exitCode: 2, output: error.message };
    if (error instanceof WorkflowExecutionError) {
      return {
        exitCode: 1,
        output: encodeJson(wfMap({ step: error.step, error: error.error }), { indent: "  " }),
      };
    }
    throw error;
  }
}
