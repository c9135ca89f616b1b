import type { Source } from "../lib/contracts/records.ts";
import { generate } from "./generate.ts";
import type { GeneratorOptions } from "./options.ts";

export interface GeneratorMeasurement {
  rows: number;
  /** Wall-clock seconds from the first call to the last page. */
  seconds: number;
  rowsPerSecond: number;
  /**
   * CPU seconds of the generating thread alone. On a shared machine wall time measures the
   * neighbours; rows / mainThreadCpuSeconds is what the generator does with a core to itself.
   */
  mainThreadCpuSeconds: number;
  /** CPU seconds of the whole process (garbage-collector and compiler threads included). */
  processCpuSeconds: number;
  /** Peak resident set size of the process so far, in MiB. */
  peakRssMiB: number;
}

/**
 * Generates one batch and throws the records away, timing it: fact-row throughput of the generator
 * alone, without serialisation or storage. For the bench command. The first batch of a process also
 * pays for JIT compilation; measure a second one for the steady state.
 */
export async function measureGenerator(
  source: Source,
  options: GeneratorOptions,
): Promise<GeneratorMeasurement> {
  const threadBefore = process.threadCpuUsage();
  const processBefore = process.cpuUsage();
  const started = performance.now();
  let rows = 0;
  for await (const page of generate(source, options)) rows += page.length;
  const seconds = (performance.now() - started) / 1000;
  const thread = process.threadCpuUsage(threadBefore);
  const whole = process.cpuUsage(processBefore);
  return {
    rows,
    seconds,
    rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
    mainThreadCpuSeconds: (thread.user + thread.system) / 1e6,
    processCpuSeconds: (whole.user + whole.system) / 1e6,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
