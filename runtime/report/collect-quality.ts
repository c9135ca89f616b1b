import type { RunRecord } from "../../lib/ledger.ts";
import type { DataformProject } from "./dataform-project.ts";
import type { AssertionRow, ChainSection, QualitySection, QualityTrendRow, RejectRow } from "./model.ts";
import { relation, type WarehouseReads } from "./warehouse-reads.ts";

/** Days of rejects shown, back from the selected date. */
const REJECT_WINDOW_DAYS = 30;

interface StageActions {
  actions?: Array<{ target: string; state: string; rows_affected?: number | null }>;
  failed_actions?: Array<{ target: string }>;
}

/** Assertion states of one run as the ledger has them: target → state. */
function assertionStates(run: RunRecord, assertionKeys: ReadonlySet<string>): Map<string, string> {
  const stage = run.stages?.dataform as StageActions | undefined;
  const states = new Map<string, string>();
  for (const a of stage?.actions ?? []) if (assertionKeys.has(a.target)) states.set(a.target, a.state);
  for (const a of stage?.failed_actions ?? [])
    if (assertionKeys.has(a.target)) states.set(a.target, "FAILED");
  return states;
}

export async function collectQuality(
  project: DataformProject | undefined,
  runs: RunRecord[],
  chain: ChainSection | undefined,
  reads: WarehouseReads,
  options: { stagingDataset: string; date: string | undefined },
): Promise<QualitySection> {
  const assertions = project?.actions.filter((a) => a.kind === "assertion") ?? [];
  const keys = new Set(assertions.map((a) => a.key));
  const current = new Map((chain?.dataform?.actions ?? []).map((a) => [a.target, a]));
  const rows: AssertionRow[] = assertions.map((a) => {
    const result = current.get(a.key);
    return {
      name: a.name,
      parent: a.parent,
      kind: a.assertionKind ?? "custom",
      description: a.description,
      checks: a.checks,
      tags: a.tags,
      state: result?.state ?? "not run",
      failingRows: result?.rows_affected,
    };
  });
  const rank = (state: string) => (state === "FAILED" ? 0 : state === "SUCCEEDED" ? 2 : 1);
  rows.sort((a, b) => rank(a.state) - rank(b.state) || a.name.localeCompare(b.name));
  const tests = project?.actions.filter((a) => a.kind === "test") ?? [];
  const unitTests = tests.map((t) => ({ name: t.name, state: current.get(t.key)?.state ?? "not run" }));
  const trend: QualityTrendRow[] = runs
    .filter((run) => run.stages?.dataform !== undefined)
    .map((run) => {
      const states = assertionStates(run, keys);
      const passed = [...states.values()].filter((s) => s === "SUCCEEDED").length;
      const failed = [...states.values()].filter((s) => s === "FAILED").length;
      return { date: run.batch_date, passed, failed, notRun: Math.max(0, keys.size - passed - failed) };
    })
    .sort((a, b) => a.date.localeCompare(b.date));
  const rejects: RejectRow[] = [];
  if (options.date) {
    for (const source of ["sales", "clickstream", "startups"]) {
      const table = `${options.stagingDataset}.stg_${source}_rejects`;
      const found = await reads.rows<{ date: string; reason: string; n: number }>(
        [table],
        `SELECT batch_date AS date, reject_reason AS reason, COUNT(*) AS n
         FROM ${relation(table)}
         WHERE batch_date <= CAST($date AS DATE) AND batch_date > CAST($date AS DATE) - ${REJECT_WINDOW_DAYS}
         GROUP BY 1, 2 ORDER BY 1, 2`,
        { date: options.date },
      );
      for (const r of found ?? [])
        rejects.push({ date: String(r.date), source, reason: r.reason, count: Number(r.n) });
    }
  }
  return { assertions: rows, unitTests, trend, rejects };
}
