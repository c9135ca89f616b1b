/**
 * Parallel steps. Branches (or iterations) run as concurrent tasks, at most `concurrency_limit`
 * at a time (default 20, the service's limit). Each gets its own scope; only `shared` variables
 * of the enclosing scope may be written, and each single read or write is atomic because the
 * interpreter runs one step fragment at a time.
 *
 * Exceptions: `continueAll` is the default and the only policy the reference supports — an
 * unhandled exception ends its own branch only; the others run on. When all are done, the step
 * raises one UnhandledBranchError whose `branches` lists each failure as `{id, error}` (id is the
 * branch name, or the iteration's index for a parallel `for`).
 *
 * A `return` or `next: end` inside a branch ends that branch only (our choice: a branch cannot
 * end the whole workflow while its siblings still run), and `continue` ends an iteration.
 */
import { RaisedError, workflowError } from "../errors.ts";
import type { Step } from "../syntax/ast.ts";
import { type Value, wfMap } from "../values.ts";
import type { Completion, Executor, Frame } from "./executor.ts";
import { MAX_PARALLEL_DEPTH } from "./executor.ts";

const DEFAULT_CONCURRENCY = 20;

interface Task {
  id: string;
  run: () => Promise<Completion>;
}

async function runPool(tasks: Task[], limit: number): Promise<Array<{ id: string; error: Value }>> {
  const failures: Array<{ id: string; error: Value; order: number }> = [];
  let nextTask = 0;
  const worker = async (): Promise<void> => {
    while (nextTask < tasks.length) {
      const order = nextTask++;
      const task = tasks[order] as Task;
      try {
        await task.run();
      } catch (error) {
        if (!(error instanceof RaisedError)) throw error;
        failures.push({ id: task.id, error: error.value, order });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return failures.sort((a, b) => a.order - b.order).map(({ id, error }) => ({ id, error }));
}

export async function runParallel(
  step: Extract<Step, { kind: "parallel" }>,
  frame: Frame,
  executor: Executor,
): Promise<Completion> {
  if (frame.parallelDepth >= MAX_PARALLEL_DEPTH) {
    throw workflowError(
      "ParallelNestingError",
      `parallel steps can be nested at most ${MAX_PARALLEL_DEPTH} deep`,
    );
  }
  for (const name of step.shared) {
    if (frame.scope.lookup(name) === undefined) {
      throw workflowError(
        "KeyError",
        `shared variable "${name}" must be assigned before parallel step "${step.name}"`,
      );
    }
  }
  let limit = DEFAULT_CONCURRENCY;
  if (step.concurrencyLimit !== undefined) {
    const value = await executor.value(step.concurrencyLimit, frame);
    if (typeof value !== "bigint" || value < 1n)
      throw workflowError("ValueError", "concurrency_limit must be a positive int");
    limit = Number(value);
  }
  const shared = new Set(step.shared);
  const inner = (): Frame => ({
    scope: frame.scope.branch(shared, step.name),
    callDepth: frame.callDepth,
    parallelDepth: frame.parallelDepth + 1,
  });
  let tasks: Task[];
  if (step.branches !== undefined) {
    tasks = step.branches.map((branch) => ({
      id: branch.name,
      run: () => executor.branchBody(branch.body, inner()),
    }));
  } else {
    const loop = step.loop;
    if (loop === undefined) return { type: "normal" };
    const items = await executor.loopItems(loop, frame);
    tasks = items.map((item, position) => ({
      id: String(position),
      run: () => {
        const iteration = inner();
        iteration.scope.define(loop.value, item);
        if (loop.index !== undefined) iteration.scope.define(loop.index, BigInt(position));
        return executor.branchBody(loop.body, iteration);
      },
    }));
  }
  const failures = await runPool(tasks, limit);
  if (failures.length > 0) {
    throw workflowError(
      "UnhandledBranchError",
      `UnhandledBranchError: ${failures.length} of ${tasks.length} branches or iterations of "${step.name}" raised an unhandled error`,
      { branches: failures.map((failure) => wfMap({ id: failure.id, error: failure.error })) },
    );
  }
  return { type: "normal" };
}
