import type { BrokerTask } from "./broker.ts";
import type { DataformTask } from "./dataform.ts";
import type { ExportTask, LandTask } from "./export.ts";
import type { BrokerFigure, DataformFigure, ExportFigure, GeneratorFigure, LandedDay } from "./figures.ts";
import type { GeneratorTask } from "./generators.ts";

/** One phase of the bench, run alone in a child process. */
export type BenchTask = GeneratorTask | LandTask | ExportTask | BrokerTask | DataformTask;

/** What each kind of task gives back. */
export interface TaskResults {
  generator: GeneratorFigure;
  land: LandedDay;
  export: ExportFigure;
  broker: BrokerFigure;
  dataform: DataformFigure;
}

export type TaskResult<T extends BenchTask> = TaskResults[T["kind"]];

/**
 * Runs one task. Each kind imports only its own modules, so a generator's process does not load
 * DuckDB or the Pub/Sub client, and its memory figures are the generator's.
 */
export async function runTask(task: BenchTask): Promise<TaskResults[BenchTask["kind"]]> {
  switch (task.kind) {
    case "generator":
      return await (await import("./generators.ts")).benchGenerator(task);
    case "land":
      return await (await import("./export.ts")).landDay(task);
    case "export":
      return await (await import("./export.ts")).benchExport(task);
    case "broker":
      return await (await import("./broker.ts")).benchBus(task);
    case "dataform":
      return await (await import("./dataform.ts")).benchDataform(task);
  }
}
