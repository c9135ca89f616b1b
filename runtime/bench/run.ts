import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Scale, salesRowsFor } from "../../generators/scale.ts";
import { GcloudMissingError, type RunningEmulator, startEmulator } from "../../lib/adapters/gcp/emulator.ts";
import { errorMessage } from "../../lib/errors.ts";
import type {
  BenchReport,
  BrokerFigure,
  DataformFigure,
  ExportFigure,
  GeneratorFigure,
  Section,
} from "./figures.ts";
import { describeMachine, finishMachine, gcloudVersion, processGroupPeakRssMiB } from "./machine.ts";
import { runInChild } from "./spawn.ts";

export interface BenchOptions {
  scales: Scale[];
  sections: Section[];
  /** Generator seed and batch date of every phase; a Monday, so all three sources are due. */
  seed?: number;
  date?: string;
  /** Timed Dataform runs per scale (each beside a direct DuckDB run); 3 unless given. */
  dataformRepetitions?: number;
  /** Folder for the scratch data dirs; the system temp folder unless given. */
  workDir?: string;
  /** One line per phase, as it starts. */
  progress?: (line: string) => void;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_DATE = "2026-11-02";

/**
 * Messages per broker run: the scale's sales rows, capped. A bus's throughput does not grow with the
 * data, and the cap keeps the emulator's part of a medium run within seconds.
 */
export const MAX_BROKER_MESSAGES = 20_000;
export function brokerMessagesFor(scale: Scale): number {
  return Math.min(salesRowsFor(scale), MAX_BROKER_MESSAGES);
}

/**
 * Old-space limit of the second export run. Node's default limit lets V8 defer collection, so the
 * default run's peak RSS mostly measures garbage; under this cap the hop must live within a bound,
 * and its peak RSS shows whether that bound depends on the batch size.
 */
export const EXPORT_HEAP_LIMIT_MIB = 192;

function describe(error: unknown): string {
  return errorMessage(error).split("\n").slice(0, 6).join("\n");
}

/**
 * Runs the requested sections at each scale, every phase in its own child process, and gathers the
 * figures. A failed phase is reported in `problems` and the rest still runs; a Pub/Sub emulator that
 * cannot start is noted in `broker.emulator` and only the offline broker is measured.
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const seed = options.seed ?? DEFAULT_SEED;
  const date = options.date ?? DEFAULT_DATE;
  const say = options.progress ?? (() => {});
  const wants = (section: Section) => options.sections.includes(section);
  const workRoot = mkdtempSync(path.join(options.workDir ?? os.tmpdir(), "wd-bench-"));
  const machine = describeMachine();
  const problems: string[] = [];
  const attempt = async <T>(what: string, phase: () => Promise<T>): Promise<T | undefined> => {
    say(what);
    try {
      return await phase();
    } catch (error) {
      problems.push(`${what}: ${describe(error)}`);
      return undefined;
    }
  };
  const report: BenchReport = {
    startedAt,
    wallSeconds: 0,
    machine,
    scales: options.scales.map(String),
    sections: options.sections,
    seed,
    date,
    problems,
  };

  // Ctrl-C reaches the child phases (same process group) but not the emulator, which runs in its own
  // group: stop it and remove the scratch data, then die of the same signal.
  const live: Live = {};
  const interrupted = (signal: NodeJS.Signals) => {
    void (live.emulator?.stop() ?? Promise.resolve()).finally(() => {
      rmSync(workRoot, { recursive: true, force: true });
      process.kill(process.pid, signal);
    });
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    if (wants("generators")) {
      const figures: GeneratorFigure[] = [];
      for (const scale of options.scales) {
        for (const source of ["sales", "clickstream"] as const) {
          const figure = await attempt(`generators: ${source} at ${scale}`, () =>
            runInChild({ kind: "generator", source, scale, seed, date }),
          );
          if (figure) figures.push(figure);
        }
      }
      report.generators = figures;
    }

    if (wants("export") || wants("dataform")) {
      const exports: ExportFigure[] = [];
      const stages: DataformFigure[] = [];
      for (const scale of options.scales) {
        const dataDir = mkdtempSync(path.join(workRoot, `day-${scale}-`));
        const sources = wants("dataform") ? "all" : "sales";
        const landed = await attempt(`landing ${date} at ${scale} (generate hop, untimed)`, () =>
          runInChild({ kind: "land", dataDir, scale, seed, date, sources }),
        );
        const sales = landed?.events.sales;
        if (!landed || !sales) continue;
        const exported = await attempt(`export: ${sales.record_count} sales documents to Parquet`, () =>
          runInChild({ kind: "export", dataDir, scale, event: sales, heapLimitMiB: null }),
        );
        if (!exported) continue;
        if (wants("export")) {
          exports.push(exported);
          const capped = await attempt(`export: the same, heap capped at ${EXPORT_HEAP_LIMIT_MIB} MiB`, () =>
            runInChild(
              { kind: "export", dataDir, scale, event: sales, heapLimitMiB: EXPORT_HEAP_LIMIT_MIB },
              { nodeFlags: [`--max-old-space-size=${EXPORT_HEAP_LIMIT_MIB}`] },
            ),
          );
          if (capped) exports.push(capped);
        }
        if (wants("dataform")) {
          const stage = await attempt(`dataform: stage at ${scale} (${landed.rows} bronze rows)`, () =>
            runInChild({
              kind: "dataform",
              dataDir,
              scale: String(scale),
              date,
              rows: landed.rows,
              repetitions: options.dataformRepetitions ?? 3,
            }),
          );
          if (stage) stages.push(stage);
        }
        rmSync(dataDir, { recursive: true, force: true });
      }
      if (wants("export")) report.export = exports;
      if (wants("dataform")) report.dataform = stages;
    }

    if (wants("broker"))
      report.broker = await benchBrokers(live, options.scales, workRoot, attempt, say, machine);
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    rmSync(workRoot, { recursive: true, force: true });
  }
  report.machine = finishMachine(machine);
  report.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

/** What an interrupted bench must clean up before it dies. */
interface Live {
  emulator?: RunningEmulator | undefined;
}

async function benchBrokers(
  live: Live,
  scales: Scale[],
  workRoot: string,
  attempt: <T>(what: string, phase: () => Promise<T>) => Promise<T | undefined>,
  say: (line: string) => void,
  machine: BenchReport["machine"],
): Promise<NonNullable<BenchReport["broker"]>> {
  const figures: BrokerFigure[] = [];
  say("broker: starting Google's Pub/Sub emulator");
  let emulator: RunningEmulator | undefined;
  let note: string | undefined;
  try {
    emulator = await startEmulator("pubsub", `wd-bench-${process.pid}`);
    const version = await gcloudVersion();
    if (version) machine.gcloud = version;
  } catch (error) {
    note =
      error instanceof GcloudMissingError
        ? `${error.message}; only the offline broker was measured`
        : `Google's Pub/Sub emulator did not start (${describe(error)}); only the offline broker was measured`;
  }
  live.emulator = emulator;
  try {
    for (const scale of scales) {
      const messages = brokerMessagesFor(scale);
      const local = await attempt(`broker: offline broker, ${messages} messages`, () =>
        runInChild({ kind: "broker", bus: "local", scale: String(scale), messages, dataDir: workRoot }),
      );
      if (local) figures.push(local);
      if (!emulator) continue;
      const running = emulator;
      const remote = await attempt(`broker: Pub/Sub emulator, ${messages} messages`, () =>
        runInChild({
          kind: "broker",
          bus: "emulator",
          scale: String(scale),
          messages,
          emulatorHost: running.host,
          projectId: running.projectId,
        }),
      );
      if (remote) {
        const server = processGroupPeakRssMiB(running.processGroup);
        figures.push(server === undefined ? remote : { ...remote, serverPeakRssMiB: server });
      }
    }
  } finally {
    live.emulator = undefined;
    await emulator?.stop();
  }
  return {
    figures,
    emulator: emulator ? { available: true } : { available: false, ...(note ? { note } : {}) },
  };
}
