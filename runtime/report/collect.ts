import { errorMessage } from "../../lib/errors.ts";
import type { RunRecord } from "../../lib/ledger.ts";
import { buildCatalog, type Catalog, readWarehouseColumns } from "./catalog.ts";
import { collectBusiness, collectChurn } from "./collect-business.ts";
import { batchHistory, collectChain, collectDeadLetters } from "./collect-chain.ts";
import { collectQuality } from "./collect-quality.ts";
import type { DataformProject } from "./dataform-project.ts";
import { dataLineage, eventChain, type LineageGraph } from "./lineage.ts";
import type { ChainSection, DeadLetterSection, LineageSection, QualitySection, ReportData } from "./model.ts";
import type { ReportSources } from "./sources.ts";
import { WarehouseReads } from "./warehouse-reads.ts";

export interface CollectOptions {
  /** The batch date the page is about; the newest in the ledger when absent. */
  date?: string;
  /** How many batch dates the charts across batches go back. */
  historyDates?: number;
}

const EMPTY_GRAPH: LineageGraph = { nodes: [], edges: [] };

/**
 * Runs `read`; on failure records the problem (shown on the page) and returns `fallback`, so that
 * one unreadable part never takes the whole page down.
 */
async function guarded<T>(
  problems: string[],
  what: string,
  fallback: T,
  read: () => Promise<T> | T,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    problems.push(`${what}: ${errorMessage(error)}`);
    return fallback;
  }
}

function hopState(state: string): string {
  if (state === "succeeded") return "SUCCEEDED";
  if (state === "retrying") return "RUNNING";
  return "FAILED";
}

function lineageStates(chain: ChainSection | undefined): Record<string, string> {
  const states: Record<string, string> = {};
  for (const action of chain?.dataform?.actions ?? []) states[action.target] = action.state;
  for (const hop of chain?.hops ?? []) {
    const id = `function:${hop.hop}`;
    const state = hopState(hop.state);
    // A function is as healthy as its worst source.
    if (states[id] !== "FAILED" && (states[id] !== "RUNNING" || state === "FAILED")) states[id] = state;
  }
  return states;
}

/** Reads everything the report shows. Never throws for missing or unreadable data: see `problems`. */
export async function collectReport(
  sources: ReportSources,
  options: CollectOptions = {},
): Promise<ReportData> {
  const problems: string[] = [];
  const { stagingDataset, warehouseDataset } = sources.config;
  const datasets = { stagingDataset, warehouseDataset };
  const reads = new WarehouseReads(sources.warehouse);
  const project = await guarded<DataformProject | undefined>(problems, "Dataform project", undefined, () => {
    const compiled = sources.dataform();
    if (compiled.errors.length > 0) problems.push(`Dataform compilation: ${compiled.errors.join("; ")}`);
    return compiled;
  });
  const dates = await guarded(problems, "run ledger", [] as string[], () =>
    sources.ledger.dates(options.historyDates ?? 60),
  );
  const batchDate = options.date ?? dates[0];
  const runs = await guarded(problems, "run ledger", [] as RunRecord[], async () => {
    const records = await Promise.all(dates.map((d) => sources.ledger.get(d)));
    return records.filter((r): r is RunRecord => r !== undefined);
  });
  const run = runs.find((r) => r.batch_date === batchDate);
  const deadLetters = await guarded<DeadLetterSection>(
    problems,
    "dead letters",
    { subscriptions: [], messages: [], total: 0, backlog: [] },
    () => collectDeadLetters(sources),
  );
  const chain = run
    ? await guarded<ChainSection | undefined>(problems, "chain", undefined, () =>
        collectChain(run, sources, reads, project, deadLetters),
      )
    : undefined;
  const quality = await guarded<QualitySection>(
    problems,
    "data quality",
    { assertions: [], unitTests: [], trend: [], rejects: [] },
    () => collectQuality(project, runs, chain, reads, { stagingDataset, date: batchDate }),
  );
  const business = batchDate
    ? await guarded(problems, "business", undefined, () => collectBusiness(reads, batchDate, datasets))
    : undefined;
  const churn = batchDate
    ? await guarded(problems, "churn", undefined, () => collectChurn(reads, batchDate, runs, datasets))
    : undefined;
  const lineage: LineageSection = {
    data: project
      ? await guarded(problems, "data lineage", EMPTY_GRAPH, () =>
          dataLineage(project, sources.topology, datasets),
        )
      : EMPTY_GRAPH,
    events: await guarded(problems, "event chain", EMPTY_GRAPH, () => eventChain(sources.topology)),
    states: lineageStates(chain),
  };
  const emptyCatalog: Catalog = { layers: [], assertions: [], otherSources: [] };
  const catalog = project
    ? await guarded(problems, "catalog", emptyCatalog, async () =>
        buildCatalog(
          project,
          await readWarehouseColumns(sources.warehouse, [stagingDataset, warehouseDataset]),
          datasets,
        ),
      )
    : emptyCatalog;
  return {
    generatedAt: sources.now().toISOString(),
    batchDate,
    dates,
    chain,
    history: batchHistory(runs),
    deadLetters,
    quality,
    business,
    churn,
    lineage,
    catalog,
    problems,
  };
}
