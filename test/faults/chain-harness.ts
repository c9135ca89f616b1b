/**
 * The offline chain under faults: one small batch date (history in bronze, today's batches landed),
 * delivered through a dispatcher whose bus, functions and dependencies a test may replace with the
 * fault decorators of test/support/faults.ts, then checked against the one outcome every fault must
 * leave: every generated record in gold exactly once, the ledger true, and the dead-letter topics
 * holding exactly the poison messages.
 */
import { expect } from "vitest";
import { generateBatch, sourcesDue } from "../../functions/generate/handle.ts";
import { type AnyHop, HOPS } from "../../functions/hops.ts";
import type { BatchLanded } from "../../lib/contracts/events.ts";
import { deadLetterTargets } from "../../lib/dlq.ts";
import { anyCloudEventEntry } from "../../lib/function-entry.ts";
import type { HopDeps } from "../../lib/hop.ts";
import { isPredictionsFile } from "../../lib/ml/prediction-files.ts";
import { parseGsUri } from "../../lib/ports/objects.ts";
import { loadHistory, type RunSummary, summarise } from "../../runtime/chain.ts";
import {
  type CloudEventFunction,
  type DrainResult,
  LocalDispatcher,
  type SchedulingBus,
} from "../../runtime/local/dispatcher.ts";
import type { LocalPlatform } from "../../runtime/local/platform.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";

/** A Monday, so all three sources (startups are weekly) are due. */
export const DATE = "2026-11-23";
export const SCALE = 250;
/** Label window of 2 days: the model needs 2 windows and a day of history, hence 5 days. */
export const ENV = { WINTER_DAYS_CHURN_LABEL_DAYS: "2" };
export const HISTORY_DAYS = 5;
export const TIME_SCALE = 0.001;

/** The seed of every random choice of the suite; set WINTER_DAYS_FAULT_SEED to repeat a failing run. */
export function suiteSeed(): number {
  const raw = process.env.WINTER_DAYS_FAULT_SEED;
  const seed = raw === undefined ? 20261123 : Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`WINTER_DAYS_FAULT_SEED=${raw} is not an integer`);
  return seed;
}

export function openFaultPlatform(dir?: string): Promise<TestPlatform> {
  return openTestPlatform({ env: ENV, timeScale: TIME_SCALE, ...(dir ? { dir } : {}) });
}

/** History into bronze, then today's batches generated and landed; resolves to their batch.landed events. */
export async function landBatches(platform: LocalPlatform, seed: number): Promise<BatchLanded[]> {
  await loadHistory(platform, { date: DATE, seed, scale: SCALE, historyDays: HISTORY_DAYS });
  const landed: BatchLanded[] = [];
  for (const source of sourcesDue(DATE)) {
    const { event } = await generateBatch(platform.deps, { source, date: DATE, seed, scale: SCALE });
    landed.push(event);
  }
  return landed;
}

/** The function table of the hops, over the given dependencies (faulty ones, say), per hop if need be. */
export function hopFunctions(
  deps: HopDeps | ((hop: string) => HopDeps),
  hops: readonly AnyHop[] = HOPS,
): Map<string, CloudEventFunction> {
  return new Map(
    hops.map((hop) => {
      const own = typeof deps === "function" ? deps(hop.name) : deps;
      return [hop.name, anyCloudEventEntry(hop, async () => own)];
    }),
  );
}

/** Delivers everything pending, as `npm start` does, through the given bus and functions. */
export async function deliverAll(
  platform: LocalPlatform,
  options: { bus?: SchedulingBus; functions?: Map<string, CloudEventFunction>; concurrency?: number } = {},
): Promise<DrainResult> {
  return await new LocalDispatcher({
    bus: options.bus ?? platform.broker,
    topology: platform.deps.topology,
    functions: options.functions ?? hopFunctions(platform.deps),
    project: platform.deps.config.project,
    log: platform.deps.log,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  }).drain({ deadlineMs: 90_000 });
}

export async function summary(
  platform: LocalPlatform,
  seed: number,
  deliveries: DrainResult,
): Promise<RunSummary> {
  return await summarise(
    platform,
    { date: DATE, seed, scale: SCALE, historyDays: HISTORY_DAYS },
    deliveries,
    0,
  );
}

/** What lands in one dead-letter keep subscription: the reason of each message, in any order. */
export type ExpectedDeadLetters = Record<string, string[]>;

export interface ExpectedOutcome {
  /** Names the scenario and its seed in every failure message. */
  label: string;
  /** Reasons per keep subscription; every other keep subscription must be empty. */
  deadLetters?: ExpectedDeadLetters;
  /** Ledger entries besides the chain's own, as `hop/source` → state (a poison message's, say). */
  extraHops?: Record<string, string>;
}

/** Dead letters in every keep subscription of a dead-letter topic, as reasons. */
export function deadLetterReasons(platform: LocalPlatform): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const target of deadLetterTargets(platform.deps.topology)) {
    const reasons = platform.broker
      .peek(target.subscription, 1000)
      .map((m) => m.attributes.winter_days_failure_reason ?? "max-delivery-attempts");
    if (reasons.length > 0) out[target.subscription] = reasons.sort();
  }
  return out;
}

/** The sale ids generated for the date's sales batch, from the documents store. */
async function generatedSaleIds(platform: LocalPlatform, batchId: string): Promise<string[]> {
  const docs = await platform.deps.documents.query<{ sale_id: string }>(
    platform.deps.config.salesCollection,
    {
      where: [["batch_id", "==", batchId]],
      limit: 100_000,
    },
  );
  return docs.map((d) => d.data.sale_id).sort();
}

/** The customer keys in the current churn job's prediction files. */
async function scoredCustomers(platform: LocalPlatform, outputUri: string): Promise<string[]> {
  const { bucket, name } = parseGsUri(outputUri.endsWith("/") ? outputUri : `${outputUri}/`);
  const keys: string[] = [];
  for (const file of await platform.objects.list(bucket, name)) {
    if (!isPredictionsFile(file.name)) continue;
    const text = (await platform.objects.read(bucket, file.name)).toString("utf8");
    for (const line of text.split("\n")) {
      if (line.trim() !== "") keys.push((JSON.parse(line) as { customer_key: string }).customer_key);
    }
  }
  return keys.sort();
}

/**
 * The outcome every fault must leave for the date: counts and keys reconcile per layer, fct_sales
 * holds exactly the generated sale ids, fact_predictions_churn one row per scored customer, the
 * ledger says every hop and stage succeeded, nothing is left undelivered, and the dead-letter
 * topics hold exactly the expected messages.
 */
export async function expectChainDelivered(
  platform: LocalPlatform,
  result: RunSummary,
  expected: ExpectedOutcome,
): Promise<void> {
  const at = (what: string) => `${expected.label}: ${what}`;
  expect(result.problems, at("reconciliation problems")).toEqual([]);
  expect(
    result.assertions.filter((a) => a.state !== "SUCCEEDED"),
    at("failed Dataform assertions"),
  ).toEqual([]);
  expect(result.assertions.length, at("Dataform assertions run")).toBeGreaterThan(0);

  const run = await platform.deps.ledger.get(DATE);
  const sales = run?.sources.sales;
  expect(sales?.batch_id, at("sales batch in the ledger")).toBeDefined();
  const generated = await generatedSaleIds(platform, sales?.batch_id ?? "");
  expect(generated.length, at("generated sales")).toBeGreaterThan(0);
  const gold = await platform.warehouse.query<{ sale_id: string }>(
    `SELECT sale_id FROM winter_days_warehouse.fct_sales WHERE batch_date = DATE '${DATE}' ORDER BY sale_id`,
  );
  const goldIds = gold.map((r) => r.sale_id);
  expect(new Set(goldIds).size, at("duplicate sale ids in fct_sales")).toBe(goldIds.length);
  expect(goldIds, at("fct_sales holds exactly the generated sale ids")).toEqual(generated);

  const vertex = run?.stages?.vertex as { output_uri?: string; state?: string } | undefined;
  expect(vertex?.state, at("vertex stage")).toBe("succeeded");
  const scored = await scoredCustomers(platform, vertex?.output_uri ?? "");
  expect(scored.length, at("scored customers")).toBeGreaterThan(0);
  const predicted = await platform.warehouse.query<{ customer_key: string }>(
    `SELECT customer_key FROM winter_days_warehouse.fact_predictions_churn
     WHERE batch_date = DATE '${DATE}' ORDER BY customer_key`,
  );
  expect(
    predicted.map((r) => r.customer_key),
    at("one prediction row per scored customer"),
  ).toEqual(scored);
  expect(result.predicted, at("predicted count")).toBe(scored.length);

  expect((run?.stages?.dataform as { state?: string } | undefined)?.state, at("dataform stage")).toBe(
    "succeeded",
  );
  expect(
    (run?.stages?.predictions as { state?: string; rows?: number } | undefined)?.rows,
    at("predictions stage rows"),
  ).toBe(scored.length);

  const states: Record<string, string> = {};
  for (const [hop, bySource] of Object.entries(run?.hops ?? {})) {
    for (const [source, record] of Object.entries(bySource)) states[`${hop}/${source}`] = record.state;
  }
  const chainHops: Record<string, string> = {};
  for (const source of sourcesDue(DATE)) {
    chainHops[`export/${source}`] = "succeeded";
    chainHops[`dataform-invoke/${source}`] = "succeeded";
  }
  for (const key of [
    "dataform-poll/warehouse",
    "vertex-submit/warehouse",
    "vertex-poll/churn",
    "predictions-load/churn",
  ]) {
    chainHops[key] = "succeeded";
  }
  expect(states, at("hop states in the ledger")).toEqual({ ...chainHops, ...expected.extraHops });

  expect(deadLetterReasons(platform), at("dead letters")).toEqual(expected.deadLetters ?? {});
  // Push subscriptions must be drained, and no stage failure may have been announced.
  const mustBeEmpty = new Set([
    ...platform.deps.topology.subscriptions.filter((s) => s.kind === "push").map((s) => s.name),
    "dataform-failed-audit",
    "vertex-failed-audit",
  ]);
  const backlog = platform.broker
    .stats()
    .filter((s) => mustBeEmpty.has(s.subscription) && s.available + s.leased + s.delayed > 0)
    .map((s) => s.subscription);
  expect(backlog, at("messages left undelivered (or failures audited)")).toEqual([]);
}
