import { exportHop } from "../../functions/export/handle.ts";
import { generateBatch, sourcesDue } from "../../functions/generate/handle.ts";
import type { Scale } from "../../generators/scale.ts";
import { partName } from "../../lib/bronze.ts";
import { deliveryOf } from "../../lib/cloud-event.ts";
import type { BatchLanded } from "../../lib/contracts/events.ts";
import { deliver, type HopDeps } from "../../lib/hop.ts";
import type { ExportFigure, LandedDay } from "./figures.ts";
import { currentRssMiB, peakRssMiB, round1, roundSeconds } from "./memory.ts";
import { openBenchPlatform } from "./platform.ts";

export interface LandTask {
  kind: "land";
  dataDir: string;
  scale: Scale;
  seed: number;
  date: string;
  /** Land only sales (enough for the export) or every source due that day (for the Dataform stage). */
  sources: "sales" | "all";
}

export interface ExportTask {
  kind: "export";
  dataDir: string;
  scale: Scale;
  /** The sales batch.landed event the landing phase produced. */
  event: BatchLanded;
  /** The old-space limit the parent started this process with (reported, not applied here). */
  heapLimitMiB: number | null;
}

async function exportOnce(deps: HopDeps, event: BatchLanded): Promise<number> {
  const result = await deliver(
    exportHop,
    deliveryOf(event, {
      messageId: `bench-${event.batch_id}`,
      topic: "batch-landed",
      subscription: "export",
    }),
    deps,
    { publish: false, deadLetter: false },
  );
  if (result.outcome !== "succeeded") {
    throw new Error(`export of ${event.batch_id} ${result.outcome}: ${result.error}`);
  }
  return result.rowsOut ?? 0;
}

/**
 * Generates and lands the sources with the real generate hop (sales into the documents store,
 * clickstream and startups into bronze), and runs the export hop's in-place check on the JSONL
 * sources, so that after the sales export the whole day is in bronze.
 */
export async function landDay(task: LandTask): Promise<LandedDay> {
  const platform = await openBenchPlatform(task.dataDir);
  try {
    const started = performance.now();
    const events: LandedDay["events"] = {};
    let rows = 0;
    const sources = task.sources === "all" ? sourcesDue(task.date) : (["sales"] as const);
    for (const source of sources) {
      const { event, records } = await generateBatch(platform.deps, {
        source,
        date: task.date,
        seed: task.seed,
        scale: task.scale,
        publish: false,
      });
      events[source] = event;
      rows += records;
      if (source !== "sales") await exportOnce(platform.deps, event);
    }
    return { events, rows, seconds: roundSeconds((performance.now() - started) / 1000) };
  } finally {
    await platform.close();
  }
}

/**
 * The export hop on one landed sales batch: documents paged out of the store, validated, written as
 * Parquet to bronze, recorded in the run ledger. Alone in its process, so the peak RSS is the hop's.
 */
export async function benchExport(task: ExportTask): Promise<ExportFigure> {
  const platform = await openBenchPlatform(task.dataDir);
  try {
    const { config } = platform.deps;
    const object = partName("sales", task.event.batch_date, 0, "parquet");
    // A finished file makes the hop only re-announce it; every measured run must do the whole export.
    await platform.objects.delete(config.lakeBucket, object);
    const baselineRssMiB = currentRssMiB();
    const started = performance.now();
    const rows = await exportOnce(platform.deps, task.event);
    const seconds = (performance.now() - started) / 1000;
    const peak = peakRssMiB();
    const parquet = await platform.objects.stat(config.lakeBucket, object);
    return {
      scale: String(task.scale),
      heapLimitMiB: task.heapLimitMiB,
      rows,
      seconds: roundSeconds(seconds),
      rowsPerSecond: seconds > 0 ? Math.round(rows / seconds) : 0,
      parquetMiB: round1((parquet?.size ?? 0) / (1024 * 1024)),
      baselineRssMiB,
      peakRssMiB: peak,
    };
  } finally {
    await platform.close();
  }
}
