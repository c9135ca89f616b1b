import type { Source } from "./contracts/records.ts";
import type { RunRecord } from "./ledger.ts";
import type { TableRef, Warehouse } from "./ports/warehouse.ts";

/** Where each source's records are counted in silver and gold for one batch date. */
const LAYERS: Record<Source, { silver: TableRef; rejects: TableRef; gold?: TableRef }> = {
  sales: {
    silver: { dataset: "winter_days_staging", table: "stg_sales" },
    rejects: { dataset: "winter_days_staging", table: "stg_sales_rejects" },
    gold: { dataset: "winter_days_warehouse", table: "fct_sales" },
  },
  clickstream: {
    silver: { dataset: "winter_days_staging", table: "stg_clickstream" },
    rejects: { dataset: "winter_days_staging", table: "stg_clickstream_rejects" },
  },
  startups: {
    silver: { dataset: "winter_days_staging", table: "stg_startups" },
    rejects: { dataset: "winter_days_staging", table: "stg_startups_rejects" },
  },
};

const PREDICTIONS: TableRef = { dataset: "winter_days_warehouse", table: "fact_predictions_churn" };

export interface LayerCounts {
  batch_id: string;
  generated?: number;
  landed?: number;
  bronze?: number;
  silver?: number;
  rejected?: number;
  /** Row-level gold (fct_sales for sales); absent where gold aggregates (clickstream features, startups dimension). */
  gold?: number;
}

export interface Reconciliation {
  batch_date: string;
  sources: Partial<Record<Source, LayerCounts>>;
  predicted?: number;
  /** Every break in the chain of counts, in words; empty when everything reconciles. */
  problems: string[];
}

/** Counts rows of one batch date; undefined while the table does not exist yet. */
async function countFor(
  warehouse: Warehouse,
  table: TableRef,
  batchDate: string,
): Promise<number | undefined> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(batchDate)) throw new Error(`not a date: ${JSON.stringify(batchDate)}`);
  if (!(await warehouse.tableExists(table))) return undefined;
  // Plain dataset.table and a DATE literal read the same on BigQuery and DuckDB.
  const [row] = await warehouse.query<{ n: number | bigint }>(
    `SELECT COUNT(*) AS n FROM ${table.dataset}.${table.table} WHERE batch_date = DATE '${batchDate}'`,
  );
  return row === undefined ? undefined : Number(row.n);
}

/**
 * Follows each source's records of a batch date from generation to gold: generated = landed =
 * bronze = silver + rejected, and silver = gold where gold keeps one row per record.
 */
export async function reconcile(
  warehouse: Warehouse,
  run: RunRecord,
  expected: readonly Source[],
): Promise<Reconciliation> {
  const problems: string[] = [];
  const sources: Partial<Record<Source, LayerCounts>> = {};
  for (const source of expected) {
    const facts = run.sources?.[source];
    if (!facts) {
      problems.push(`${source}: nothing landed`);
      continue;
    }
    const layers = LAYERS[source];
    const counts: LayerCounts = {
      batch_id: facts.batch_id,
      ...(facts.generated === undefined ? {} : { generated: facts.generated }),
      ...(facts.landed === undefined ? {} : { landed: facts.landed }),
      ...(facts.bronze === undefined ? {} : { bronze: facts.bronze }),
    };
    const silver = await countFor(warehouse, layers.silver, run.batch_date);
    const rejected = await countFor(warehouse, layers.rejects, run.batch_date);
    const gold = layers.gold ? await countFor(warehouse, layers.gold, run.batch_date) : undefined;
    if (silver !== undefined) counts.silver = silver;
    if (rejected !== undefined) counts.rejected = rejected;
    if (gold !== undefined) counts.gold = gold;
    sources[source] = counts;
    const chain: Array<[string, number | undefined]> = [
      ["generated", counts.generated],
      ["landed", counts.landed],
      ["bronze", counts.bronze],
    ];
    for (let i = 1; i < chain.length; i++) {
      const [prevName, prev] = chain[i - 1] ?? ["", undefined];
      const [name, value] = chain[i] ?? ["", undefined];
      if (prev === undefined || value === undefined) problems.push(`${source}: ${name} not counted yet`);
      else if (prev !== value) problems.push(`${source}: ${prevName} ${prev} ≠ ${name} ${value}`);
    }
    if (silver === undefined || rejected === undefined) problems.push(`${source}: silver not built yet`);
    else if (counts.bronze !== undefined && silver + rejected !== counts.bronze) {
      problems.push(`${source}: bronze ${counts.bronze} ≠ silver ${silver} + rejected ${rejected}`);
    }
    if (layers.gold) {
      if (gold === undefined) problems.push(`${source}: gold not built yet`);
      else if (silver !== undefined && gold !== silver)
        problems.push(`${source}: silver ${silver} ≠ gold ${gold}`);
    }
  }
  const predicted = await countFor(warehouse, PREDICTIONS, run.batch_date);
  return { batch_date: run.batch_date, sources, ...(predicted === undefined ? {} : { predicted }), problems };
}
