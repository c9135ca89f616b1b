import { exportHop } from "../functions/export/handle.ts";
import { generateBatch, sourcesDue } from "../functions/generate/handle.ts";
import { HOPS } from "../functions/hops.ts";
import { batchIdFor } from "../generators/batch-id.ts";
import type { Scale } from "../generators/scale.ts";
import { deliveryOf } from "../lib/cloud-event.ts";
import type { Source } from "../lib/contracts/records.ts";
import { anyCloudEventEntry } from "../lib/function-entry.ts";
import { deliver } from "../lib/hop.ts";
import type { RunRecord } from "../lib/ledger.ts";
import { type Reconciliation, reconcile } from "../lib/reconcile.ts";
import { type CloudEventFunction, type DrainResult, LocalDispatcher } from "./local/dispatcher.ts";
import type { LocalPlatform } from "./local/platform.ts";

export interface RunOptions {
  date: string;
  seed: number;
  scale: Scale;
  /**
   * Days before `date` that must be in bronze before the chain runs: the churn model learns from
   * history (three label windows and a day by default). Missing dates are generated and exported, without
   * events, and the first Dataform invocation builds the warehouse from all of them.
   */
  historyDays?: number;
  /** Called with one human-readable line per step. */
  progress?: (line: string) => void;
}

export interface HopSummary {
  hop: string;
  source: string;
  state: string;
  attempts: number;
  duration_ms: number;
  rows_out?: number;
  error?: string;
}

export interface AssertionSummary {
  target: string;
  state: string;
}

export interface RunSummary {
  batch_date: string;
  seed: number;
  scale: string;
  /** Counts per layer for each source, from generation to gold. */
  sources: Reconciliation["sources"];
  predicted?: number;
  hops: HopSummary[];
  /** Every Dataform assertion of the date's invocation and its result. */
  assertions: AssertionSummary[];
  /** Rows each Dataform table action wrote for the date (silver and gold), from the invocation. */
  tables: Array<{ target: string; rows: number }>;
  /** The churn model's holdout metrics, once the pipeline has run. */
  model?: Record<string, unknown>;
  /** Breaks in the chain of counts, in words. */
  problems: string[];
  dead_letters: Record<string, number>;
  deliveries: DrainResult;
  reconciled: boolean;
  wall_ms: number;
}

/** The local function table: every hop with the functions-framework CloudEvent signature. */
export function localFunctions(platform: LocalPlatform): Map<string, CloudEventFunction> {
  const getDeps = async () => platform.deps;
  return new Map(HOPS.map((hop) => [hop.name, anyCloudEventEntry(hop, getDeps)]));
}

/** Delivers every pending event through the hops until none is left or waiting for a retry. */
export async function deliverPending(
  platform: LocalPlatform,
  options: { deadlineMs?: number } = {},
): Promise<DrainResult> {
  return await new LocalDispatcher({
    bus: platform.broker,
    topology: platform.deps.topology,
    functions: localFunctions(platform),
    project: platform.deps.config.project,
    log: platform.deps.log,
  }).drain(options);
}

/** Reads the ledger and the broker into the summary people and `--json` consumers see. */
export async function summarise(
  platform: LocalPlatform,
  options: Omit<RunOptions, "progress">,
  deliveries: DrainResult,
  wallMs: number,
): Promise<RunSummary> {
  const run: RunRecord = (await platform.deps.ledger.get(options.date)) ?? {
    batch_date: options.date,
    updated_at: new Date().toISOString(),
    sources: {},
    hops: {},
  };
  const reconciliation = await reconcile(platform.warehouse, run, sourcesDue(options.date));
  const hops: HopSummary[] = [];
  for (const bySource of Object.values(run?.hops ?? {})) {
    for (const record of Object.values(bySource)) {
      hops.push({
        hop: record.hop,
        source: record.source,
        state: record.state,
        attempts: record.attempts,
        duration_ms: record.duration_ms,
        ...(record.rows_out === undefined ? {} : { rows_out: record.rows_out }),
        ...(record.error ? { error: `${record.error.class}: ${record.error.message}` } : {}),
      });
    }
  }
  const dead_letters: Record<string, number> = {};
  const deadLetterTopics = new Set(
    platform.deps.topology.topics.filter((t) => t.dead_letter).map((t) => t.name),
  );
  for (const s of platform.broker.stats()) {
    if (deadLetterTopics.has(s.topic)) dead_letters[s.subscription] = s.available + s.leased + s.delayed;
  }
  const dataform = run.stages?.dataform as
    | { actions?: Array<{ target: string; state: string; rows_affected?: number | null }> }
    | undefined;
  const actions = dataform?.actions ?? [];
  const assertions = actions.filter((a) => a.target.startsWith("winter_days_assertions."));
  const tables = actions
    // Unit tests (test_*) compare rows; they write no table.
    .filter(
      (a) =>
        /^winter_days_(staging|warehouse)\.(?!test_)/.test(a.target) && typeof a.rows_affected === "number",
    )
    .map((a) => ({ target: a.target, rows: a.rows_affected as number }));
  // predictions-load keeps the metrics of the model whose predictions it loaded.
  const model = (run.stages?.predictions as { metrics?: Record<string, unknown> } | undefined)?.metrics;
  return {
    batch_date: options.date,
    seed: options.seed,
    scale: String(options.scale),
    sources: reconciliation.sources,
    ...(reconciliation.predicted === undefined ? {} : { predicted: reconciliation.predicted }),
    hops,
    assertions: assertions.map((a) => ({
      target: a.target.slice("winter_days_assertions.".length),
      state: a.state,
    })),
    tables,
    ...(model ? { model } : {}),
    problems: reconciliation.problems,
    dead_letters,
    deliveries,
    reconciled: reconciliation.problems.length === 0,
    wall_ms: wallMs,
  };
}

/**
 * Runs one batch date offline: generates and lands every source due that day (skipping those the
 * ledger says already landed with the same batch id, so a re-run after a crash resumes), then
 * delivers events through the chain until nothing is left to deliver.
 */

/** The sources due on `date` whose batch (for this seed and scale) the ledger does not have in `layer` yet. */
async function missing(
  platform: LocalPlatform,
  options: RunOptions,
  date: string,
  layer: "landed" | "bronze",
): Promise<Source[]> {
  const run = await platform.deps.ledger.get(date);
  return sourcesDue(date).filter((source) => {
    const facts = run?.sources?.[source];
    return !(
      facts &&
      facts.batch_id === batchIdFor(source, date, options.seed, options.scale) &&
      facts[layer] !== undefined
    );
  });
}

/**
 * Puts the history before the batch date into bronze: generate and export each missing batch,
 * directly and without publishing events, so no per-date Dataform run is started for it.
 */
export async function loadHistory(platform: LocalPlatform, options: RunOptions): Promise<number> {
  const say = options.progress ?? (() => {});
  const days = options.historyDays ?? 0;
  let loaded = 0;
  for (let back = days; back >= 1; back--) {
    const date = new Date(Date.parse(`${options.date}T00:00:00Z`) - back * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const sources = await missing(platform, options, date, "bronze");
    if (sources.length === 0) continue;
    const t0 = Date.now();
    let records = 0;
    for (const source of sources) {
      const { event } = await generateBatch(platform.deps, {
        source,
        date,
        seed: options.seed,
        scale: options.scale,
        publish: false,
      });
      const result = await deliver(
        exportHop,
        deliveryOf(event, {
          messageId: `history-${event.batch_id}`,
          topic: "batch-landed",
          subscription: "export",
        }),
        platform.deps,
        {
          publish: false,
          deadLetter: false,
        },
      );
      if (result.outcome !== "succeeded")
        throw new Error(`history ${date} ${source}: export ${result.outcome}: ${result.error}`);
      records += event.record_count;
    }
    loaded++;
    say(
      `history ${date}: ${sources.join(", ")} in bronze (${records.toLocaleString("en")} records, ${Date.now() - t0} ms)`,
    );
  }
  return loaded;
}

export async function runChain(platform: LocalPlatform, options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const say = options.progress ?? (() => {});
  await loadHistory(platform, options);
  const pending = await missing(platform, options, options.date, "landed");
  for (const source of sourcesDue(options.date)) {
    if (!pending.includes(source)) {
      say(`${source}: batch of ${options.date} already landed; not generating again`);
      continue;
    }
    const t0 = Date.now();
    const result = await generateBatch(platform.deps, {
      source,
      date: options.date,
      seed: options.seed,
      scale: options.scale,
    });
    say(
      `${source}: generated and landed ${result.records.toLocaleString("en")} records in ${Date.now() - t0} ms`,
    );
  }
  say("delivering events through the chain…");
  const deliveries = await deliverPending(platform);
  say(`delivered ${deliveries.delivered} events (${deliveries.acked} acked, ${deliveries.nacked} retried)`);
  return await summarise(platform, options, deliveries, Date.now() - started);
}
