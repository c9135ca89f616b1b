import { performance } from "node:perf_hooks";
import type { TransactionalWarehouse } from "../warehouse.ts";
import type { LocalEnvironment } from "./bronze.ts";
import { runDataform } from "./run.ts";

export interface DataformStageMeasurement {
  /** Wall time of the Dataform stage: compile, plan, run every action (assertions and unit tests included). */
  dataformMs: number;
  /** Wall time of the same statements sent straight to DuckDB, one after the other: the floor. */
  directMs: number;
  /** dataformMs / directMs. */
  ratio: number;
  actions: number;
  statements: number;
}

/**
 * Measures the local Dataform stage for one batch date against the floor of running the same
 * compiled SQL directly on DuckDB. A first, untimed run brings the tables to the state a daily
 * run meets (incremental tables exist), so both timed runs do the same work: the incremental path.
 * The two are timed alternately `repetitions` times and the medians compared, which evens out
 * caches and a busy machine. The bronze files for the batch date must already be in the lake.
 */
export async function measureDataformStage(options: {
  warehouse: TransactionalWarehouse;
  projectDir: string;
  vars: Record<string, string>;
  environment: LocalEnvironment;
  repetitions?: number;
}): Promise<DataformStageMeasurement> {
  const run = () =>
    runDataform({
      warehouse: options.warehouse,
      projectDir: options.projectDir,
      vars: options.vars,
      environment: options.environment,
    });
  const warmUp = await run();
  if (warmUp.state !== "SUCCEEDED")
    throw new Error("the warm-up Dataform run failed; fix it before measuring");

  const dataformTimes: number[] = [];
  const directTimes: number[] = [];
  let statements: string[] = [];
  let actions = 0;
  for (let repetition = 0; repetition < (options.repetitions ?? 3); repetition++) {
    const started = performance.now();
    const timed = await run();
    dataformTimes.push(performance.now() - started);
    if (timed.state !== "SUCCEEDED") throw new Error("a timed Dataform run failed");
    statements = timed.actions.flatMap((action) => action.sql);
    actions = timed.actions.length;
    const directStarted = performance.now();
    for (const statement of statements) await options.warehouse.query(statement);
    directTimes.push(performance.now() - directStarted);
  }
  const dataformMs = median(dataformTimes);
  const directMs = median(directTimes);
  return {
    dataformMs: Math.round(dataformMs),
    directMs: Math.round(directMs),
    ratio: Math.round((dataformMs / directMs) * 100) / 100,
    actions,
    statements: statements.length,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
