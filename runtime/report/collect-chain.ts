import type { Source } from "../../lib/contracts/records.ts";
import { deadLetterTargets, describeDeadLetter } from "../../lib/dlq.ts";
import type { RunRecord } from "../../lib/ledger.ts";
import type { DataformProject } from "./dataform-project.ts";
import type {
  BacklogRow,
  BatchHistoryRow,
  ChainSection,
  DataformActionRow,
  DeadLetterSection,
  FunnelRow,
  HopRow,
} from "./model.ts";
import type { ReportSources } from "./sources.ts";
import { relation, type WarehouseReads } from "./warehouse-reads.ts";

/** Dead letters listed on the page; the depth chart counts them all. */
const DEAD_LETTER_PAGE = 50;

/** The gold table each source's batch feeds, and how its rows for the date are counted. */
function goldOf(source: string, warehouseDataset: string): { table: string; where: string } {
  if (source === "sales")
    return { table: `${warehouseDataset}.fct_sales`, where: "batch_date = CAST($date AS DATE)" };
  if (source === "clickstream") {
    return { table: `${warehouseDataset}.fct_click_features`, where: "batch_date = CAST($date AS DATE)" };
  }
  return { table: `${warehouseDataset}.dim_startup`, where: "last_batch_date = CAST($date AS DATE)" };
}

function hopRows(run: RunRecord, functionOrder: string[]): HopRow[] {
  const rows: HopRow[] = [];
  for (const bySource of Object.values(run.hops ?? {})) {
    for (const h of Object.values(bySource)) {
      rows.push({
        hop: h.hop,
        source: h.source,
        batch_id: h.batch_id,
        state: h.state,
        attempts: h.attempts,
        duration_ms: h.duration_ms,
        rows_in: h.rows_in,
        rows_out: h.rows_out,
        started_at: h.started_at,
        finished_at: h.finished_at,
        duplicate_deliveries: h.duplicate_deliveries ?? 0,
        error: h.error ? `${h.error.reason ?? h.error.class}: ${h.error.message}` : undefined,
      });
    }
  }
  const rank = (hop: string) => {
    const i = functionOrder.indexOf(hop);
    return i < 0 ? functionOrder.length : i;
  };
  return rows.sort(
    (a, b) =>
      rank(a.hop) - rank(b.hop) ||
      a.started_at.localeCompare(b.started_at) ||
      a.source.localeCompare(b.source),
  );
}

async function funnelRows(
  run: RunRecord,
  sources: ReportSources,
  reads: WarehouseReads,
): Promise<FunnelRow[]> {
  const rows: FunnelRow[] = [];
  const { stagingDataset, warehouseDataset } = sources.config;
  const params = { date: run.batch_date };
  for (const [source, facts] of Object.entries(run.sources ?? {}) as Array<
    [Source, NonNullable<RunRecord["sources"][Source]>]
  >) {
    const silverTable = `${stagingDataset}.stg_${source}`;
    const rejectsTable = `${stagingDataset}.stg_${source}_rejects`;
    const gold = goldOf(source, warehouseDataset);
    const byDate = "WHERE batch_date = CAST($date AS DATE)";
    const silver = await reads.count(
      [silverTable],
      `SELECT COUNT(*) AS n FROM ${relation(silverTable)} ${byDate}`,
      params,
    );
    const rejected = await reads.count(
      [rejectsTable],
      `SELECT COUNT(*) AS n FROM ${relation(rejectsTable)} ${byDate}`,
      params,
    );
    const goldRows = await reads.count(
      [gold.table],
      `SELECT COUNT(*) AS n FROM ${relation(gold.table)} WHERE ${gold.where}`,
      params,
    );
    const chain = [facts.generated, facts.landed, facts.bronze].filter((n): n is number => n !== undefined);
    const split = silver !== undefined && rejected !== undefined ? silver + rejected : undefined;
    const known = split === undefined ? chain : [...chain, split];
    rows.push({
      source,
      batch_id: facts.batch_id,
      generated: facts.generated,
      landed: facts.landed,
      bronze: facts.bronze,
      silver,
      rejected,
      gold: goldRows,
      goldTable: gold.table,
      reconciled: known.length >= 2 && known.every((n) => n === known[0]),
    });
  }
  return rows.sort((a, b) => a.source.localeCompare(b.source));
}

function actionKind(key: string, project: DataformProject | undefined): DataformActionRow["kind"] {
  const kind = project?.byKey.get(key)?.kind;
  if (kind === "assertion" || kind === "test") return kind;
  if (kind === "operation") return "operation";
  if (kind === undefined && key.includes("_assertions.")) return "assertion";
  return "table";
}

/**
 * The date's Dataform actions: from the workflow invocation itself (it has durations and failure
 * reasons) when it can still be read, else from what the poll hop wrote into the ledger.
 */
async function dataformActions(
  run: RunRecord,
  sources: ReportSources,
  project: DataformProject | undefined,
): Promise<ChainSection["dataform"]> {
  const stage = run.stages?.dataform as
    | {
        state?: string;
        workflow_invocation?: string;
        actions?: Array<{ target: string; state: string; rows_affected?: number | null }>;
        failed_actions?: Array<{ target: string; reason?: string }>;
      }
    | undefined;
  if (!stage) return undefined;
  let actions: DataformActionRow[] = (stage.actions ?? []).map((a) => ({
    target: a.target,
    kind: actionKind(a.target, project),
    state: a.state,
    rows_affected: a.rows_affected ?? undefined,
    duration_ms: undefined,
    failure: undefined,
  }));
  for (const failed of stage.failed_actions ?? []) {
    if (!actions.some((a) => a.target === failed.target)) {
      actions.push({
        target: failed.target,
        kind: actionKind(failed.target, project),
        state: "FAILED",
        rows_affected: undefined,
        duration_ms: undefined,
        failure: failed.reason,
      });
    }
  }
  if (stage.workflow_invocation) {
    try {
      const live = await sources.transformations.queryWorkflowInvocationActions(stage.workflow_invocation);
      if (live.length > 0) {
        actions = live.map((a) => ({
          target: a.target,
          kind: actionKind(a.target, project),
          state: a.state,
          rows_affected: a.rowsAffected,
          duration_ms: a.durationMs,
          failure: a.failureReason,
        }));
      }
    } catch {
      // An invocation that is gone (cleaned up, another machine) leaves the ledger's copy.
    }
  }
  return { state: stage.state ?? "unknown", invocation: stage.workflow_invocation, actions };
}

export async function collectChain(
  run: RunRecord,
  sources: ReportSources,
  reads: WarehouseReads,
  project: DataformProject | undefined,
  deadLetters: DeadLetterSection,
): Promise<ChainSection> {
  const predictionsTable = `${sources.config.warehouseDataset}.fact_predictions_churn`;
  const predicted = await reads.count(
    [predictionsTable],
    `SELECT COUNT(*) AS n FROM ${relation(predictionsTable)} WHERE batch_date = CAST($date AS DATE)`,
    { date: run.batch_date },
  );
  const hops = hopRows(
    run,
    sources.topology.functions.map((f) => f.name),
  );
  const lettersOfDate = deadLetters.messages.filter((m) => m.batch_date === run.batch_date).length;
  const failedHops = hops.filter((h) => h.state === "dead-lettered" || h.state === "rejected").length;
  return {
    batchDate: run.batch_date,
    updatedAt: run.updated_at,
    hops,
    funnel: await funnelRows(run, sources, reads),
    predicted: predicted === 0 ? undefined : predicted,
    deadLettered: Math.max(lettersOfDate, failedHops),
    dataform: await dataformActions(run, sources, project),
  };
}

/** One row per batch date, oldest first, for the charts across batches. */
export function batchHistory(runs: RunRecord[]): BatchHistoryRow[] {
  return runs
    .map((run) => {
      const hops = Object.values(run.hops ?? {}).flatMap((bySource) => Object.values(bySource));
      const sources = Object.values(run.sources ?? {});
      const starts = hops.map((h) => Date.parse(h.started_at)).filter(Number.isFinite);
      const ends = hops.map((h) => Date.parse(h.finished_at)).filter(Number.isFinite);
      return {
        date: run.batch_date,
        generated: sources.reduce((sum, s) => sum + (s?.generated ?? 0), 0),
        reconciled:
          sources.length > 0 && sources.every((s) => s?.generated === s?.landed && s?.landed === s?.bronze),
        hopsSucceeded: hops.filter((h) => h.state === "succeeded").length,
        hopsFailed: hops.filter((h) => h.state === "dead-lettered" || h.state === "rejected").length,
        hopsRetrying: hops.filter((h) => h.state === "retrying").length,
        wall_ms: starts.length > 0 && ends.length > 0 ? Math.max(...ends) - Math.min(...starts) : undefined,
      };
    })
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Dead-letter depth per keep subscription, the oldest letters, and every push subscription's backlog. */
export function collectDeadLetters(sources: ReportSources): DeadLetterSection {
  const stats = sources.broker.stats();
  const statsOf = (subscription: string) => stats.find((s) => s.subscription === subscription);
  const depth = (s: (typeof stats)[number] | undefined) => (s ? s.available + s.leased + s.delayed : 0);
  const subscriptions = deadLetterTargets(sources.topology).map((target) => {
    const s = statsOf(target.subscription);
    return {
      subscription: target.subscription,
      topic: target.topic,
      feeds: sources.topology.subscriptions.find((p) => p.dead_letter_topic === target.topic)?.name,
      depth: depth(s),
      oldestAgeMs: s?.oldestUnackedAgeMs,
    };
  });
  const messages = subscriptions
    .filter((s) => s.depth > 0)
    .flatMap((s) =>
      sources.broker.peek(s.subscription, DEAD_LETTER_PAGE).map((m) =>
        describeDeadLetter(m, s.subscription, {
          topology: sources.topology,
          prefix: sources.config.prefix,
          now: sources.now,
        }),
      ),
    )
    .sort((a, b) => b.age_ms - a.age_ms)
    .slice(0, DEAD_LETTER_PAGE);
  const backlog: BacklogRow[] = sources.topology.subscriptions
    .filter((s) => s.kind === "push")
    .map((s) => {
      const row = statsOf(s.name);
      return {
        subscription: s.name,
        topic: s.topic,
        available: row?.available ?? 0,
        leased: row?.leased ?? 0,
        delayed: row?.delayed ?? 0,
        oldestAgeMs: row?.oldestUnackedAgeMs,
      };
    });
  return { subscriptions, messages, total: subscriptions.reduce((sum, s) => sum + s.depth, 0), backlog };
}
