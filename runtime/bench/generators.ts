import { type GeneratorMeasurement, measureGenerator } from "../../generators/measure.ts";
import type { Scale } from "../../generators/scale.ts";
import type { GeneratorFigure } from "./figures.ts";
import { currentRssMiB, median, peakRssMiB, roundSeconds } from "./memory.ts";

export interface GeneratorTask {
  kind: "generator";
  source: GeneratorFigure["source"];
  scale: Scale;
  seed: number;
  date: string;
}

/** Timed runs continue until at least this much wall time is measured, so small batches are not noise. */
const MIN_MEASURED_SECONDS = 1;
const MIN_RUNS = 3;
const MAX_RUNS = 15;

/**
 * Fact-row throughput of one generator at one scale. An untimed first batch pays for JIT compilation;
 * then batches are timed until enough wall time is measured, and the median batch is reported.
 */
export async function benchGenerator(task: GeneratorTask): Promise<GeneratorFigure> {
  const options = { seed: task.seed, date: task.date, scale: task.scale };
  const baselineRssMiB = currentRssMiB();
  await measureGenerator(task.source, options);
  const runs: GeneratorMeasurement[] = [];
  let measured = 0;
  while (runs.length < MIN_RUNS || (measured < MIN_MEASURED_SECONDS && runs.length < MAX_RUNS)) {
    const run = await measureGenerator(task.source, options);
    runs.push(run);
    measured += run.seconds;
  }
  const rows = runs[0]?.rows ?? 0;
  const seconds = median(runs.map((r) => r.seconds));
  const cpuSeconds = median(runs.map((r) => r.mainThreadCpuSeconds));
  return {
    source: task.source,
    scale: String(task.scale),
    rows,
    seconds: roundSeconds(seconds),
    rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
    cpuSeconds: roundSeconds(cpuSeconds),
    cpuRowsPerSecond: cpuSeconds > 0 ? Math.round(rows / cpuSeconds) : 0,
    runs: runs.length,
    baselineRssMiB,
    peakRssMiB: peakRssMiB(),
  };
}
