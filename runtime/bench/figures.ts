import type { BatchLanded } from "../../lib/contracts/events.ts";
import type { Source } from "../../lib/contracts/records.ts";

/**
 * What the bench measures, as plain JSON shared by the parent and its child processes. Every number's
 * unit is in its name: `Seconds`, `PerSecond` (rows or messages per second), `MiB` (mebibytes).
 */

/** The sections `--only` selects. */
export const SECTIONS = ["generators", "export", "broker", "dataform"] as const;
export type Section = (typeof SECTIONS)[number];

/** Memory of the child process that ran one phase (and nothing else). */
export interface PhaseMemory {
  /** Resident set size just before the measured work, after imports and setup: the floor. */
  baselineRssMiB: number;
  /** Peak resident set size of the process (getrusage maxrss). */
  peakRssMiB: number;
}

export interface GeneratorFigure extends PhaseMemory {
  source: "sales" | "clickstream";
  scale: string;
  /** Fact rows of one batch. */
  rows: number;
  /** Median wall seconds of one batch over `runs` timed runs (after an untimed warm-up run). */
  seconds: number;
  rowsPerSecond: number;
  /** Median CPU seconds of the generating thread: what the generator does with a core to itself. */
  cpuSeconds: number;
  cpuRowsPerSecond: number;
  runs: number;
}

export interface ExportFigure extends PhaseMemory {
  scale: string;
  /**
   * V8 old-space limit of the process in MiB, or null for Node's default (a quarter of RAM or so).
   * With the default, V8 lets garbage pile up before collecting, so peak RSS grows with the batch
   * even when the live set does not; a capped run shows what the hop needs.
   */
  heapLimitMiB: number | null;
  /** Sales documents exported to Parquet. */
  rows: number;
  /** Wall seconds of the export hop's delivery: query pages, validate, write Parquet, record the ledger. */
  seconds: number;
  rowsPerSecond: number;
  parquetMiB: number;
}

export type BusKind = "local" | "emulator";

export interface BrokerFigure extends PhaseMemory {
  bus: BusKind;
  /** What was measured, e.g. "offline broker (SQLite)". */
  label: string;
  scale: string;
  messages: number;
  messageBytes: number;
  /** Wall seconds from the first publish to the last ack. */
  seconds: number;
  messagesPerSecond: number;
  publishSeconds: number;
  consumeSeconds: number;
  /** Emulator only: peak RSS of the emulator's own processes (gcloud and its JVM) so far. */
  serverPeakRssMiB?: number;
}

export interface DataformFigure extends PhaseMemory {
  scale: string;
  /** Bronze rows of the batch date the stage transforms (sales, clickstream, startups). */
  rows: number;
  /** Median wall seconds of the Dataform stage: compile, plan, every action, assertions and unit tests. */
  dataformSeconds: number;
  /** Median wall seconds of the same compiled statements sent straight to DuckDB: the floor. */
  directSeconds: number;
  /** dataformSeconds / directSeconds. */
  ratio: number;
  /** Bronze rows per second through the Dataform stage. */
  rowsPerSecond: number;
  actions: number;
  statements: number;
  repetitions: number;
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memoryMiB: number;
  platform: string;
  node: string;
  /** 1-, 5- and 15-minute load averages when the bench started and when it ended. */
  loadAtStart: number[];
  loadAtEnd: number[];
  /** First lines of `gcloud --version` when the broker section ran. */
  gcloud?: string;
}

export interface BenchReport {
  startedAt: string;
  wallSeconds: number;
  machine: MachineInfo;
  scales: string[];
  sections: Section[];
  seed: number;
  date: string;
  generators?: GeneratorFigure[];
  export?: ExportFigure[];
  broker?: {
    figures: BrokerFigure[];
    /** Whether Google's Pub/Sub emulator ran; when not, why. */
    emulator: { available: boolean; note?: string };
  };
  dataform?: DataformFigure[];
  /** Phases that failed, in words. Empty when every requested figure was measured. */
  problems: string[];
}

/** What the landing phase hands to the export and Dataform phases. */
export interface LandedDay {
  events: Partial<Record<Source, BatchLanded>>;
  rows: number;
  seconds: number;
}
