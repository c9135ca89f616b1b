import path from "node:path";
import { measureDataformStage } from "../../lib/adapters/local/dataform/measure.ts";
import { dataformProjectDir, localPiiHashKey } from "../local/platform.ts";
import type { DataformFigure } from "./figures.ts";
import { currentRssMiB, peakRssMiB, roundSeconds } from "./memory.ts";
import { openBenchPlatform } from "./platform.ts";

export interface DataformTask {
  kind: "dataform";
  dataDir: string;
  scale: string;
  date: string;
  /** Bronze rows of the date, from the landing phase. */
  rows: number;
  repetitions: number;
}

/**
 * The Dataform stage of one batch date on the DuckDB warehouse, beside the same compiled SQL run
 * straight on DuckDB (measureDataformStage: an untimed warm-up run, then both timed alternately and
 * the medians compared). The bronze files must already be in the data dir's lake.
 */
export async function benchDataform(task: DataformTask): Promise<DataformFigure> {
  const platform = await openBenchPlatform(task.dataDir);
  try {
    const { config } = platform.deps;
    const baselineRssMiB = currentRssMiB();
    const measured = await measureDataformStage({
      warehouse: platform.warehouse,
      projectDir: dataformProjectDir,
      vars: { batch_date: task.date, lake_bucket: config.lakeBucket },
      environment: {
        lakeRoot: path.join(path.resolve(config.dataDir), "objects", config.lakeBucket),
        piiHashKey: localPiiHashKey(config),
      },
      repetitions: task.repetitions,
    });
    const dataformSeconds = measured.dataformMs / 1000;
    return {
      scale: task.scale,
      rows: task.rows,
      dataformSeconds: roundSeconds(dataformSeconds),
      directSeconds: roundSeconds(measured.directMs / 1000),
      ratio: measured.ratio,
      rowsPerSecond: dataformSeconds > 0 ? Math.round(task.rows / dataformSeconds) : 0,
      actions: measured.actions,
      statements: measured.statements,
      repetitions: task.repetitions,
      baselineRssMiB,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await platform.close();
  }
}
