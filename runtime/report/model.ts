/**
 * What the report shows, as plain data: collected from the ledger, the broker, the warehouse, the
 * compiled Dataform graph and the topology, then rendered to HTML. A section that has nothing to
 * show yet is `undefined` or an empty list, and the page says "not yet" for it.
 */
import type { DeadLetter } from "../../lib/dlq.ts";
import type { Catalog } from "./catalog.ts";
import type { LineageGraph } from "./lineage.ts";

/** One hop's outcome for one source of the selected batch date. */
export interface HopRow {
  hop: string;
  source: string;
  batch_id: string;
  state: string;
  attempts: number;
  duration_ms: number;
  rows_in: number | undefined;
  rows_out: number | undefined;
  started_at: string;
  finished_at: string;
  duplicate_deliveries: number;
  error: string | undefined;
}

/** How one source's batch moved through the layers; a count is undefined when its table is missing. */
export interface FunnelRow {
  source: string;
  batch_id: string;
  generated: number | undefined;
  landed: number | undefined;
  bronze: number | undefined;
  silver: number | undefined;
  rejected: number | undefined;
  /** Rows the batch contributed to its gold table (see goldTable: units differ per source). */
  gold: number | undefined;
  goldTable: string;
  /** generated = landed = bronze = silver + rejected, as far as the counts are known. */
  reconciled: boolean;
}

/** One Dataform action of the date's workflow invocation. */
export interface DataformActionRow {
  target: string;
  kind: "table" | "assertion" | "test" | "operation";
  state: string;
  rows_affected: number | undefined;
  duration_ms: number | undefined;
  failure: string | undefined;
}

export interface ChainSection {
  batchDate: string;
  updatedAt: string;
  hops: HopRow[];
  funnel: FunnelRow[];
  /** Customers scored for the date; undefined until predictions are loaded. */
  predicted: number | undefined;
  /** Hops of the date that ended dead-lettered or rejected. */
  deadLettered: number;
  dataform: { state: string; invocation: string | undefined; actions: DataformActionRow[] } | undefined;
}

/** One batch date in the history charts. */
export interface BatchHistoryRow {
  date: string;
  generated: number;
  reconciled: boolean;
  hopsSucceeded: number;
  hopsFailed: number;
  hopsRetrying: number;
  /** From the first hop's start to the last hop's end. */
  wall_ms: number | undefined;
}

export interface DeadLetterSubscriptionRow {
  /** The keep subscription of the dead-letter topic. */
  subscription: string;
  topic: string;
  /** The push subscription whose failures land here. */
  feeds: string | undefined;
  depth: number;
  oldestAgeMs: number | undefined;
}

export interface BacklogRow {
  subscription: string;
  topic: string;
  available: number;
  leased: number;
  delayed: number;
  oldestAgeMs: number | undefined;
}

export interface DeadLetterSection {
  subscriptions: DeadLetterSubscriptionRow[];
  /** The oldest dead letters first, at most a page of them. */
  messages: DeadLetter[];
  total: number;
  /** Every push subscription's backlog, so a stuck hop shows before it dead-letters. */
  backlog: BacklogRow[];
}

export interface AssertionRow {
  name: string;
  /** The table a built-in assertion checks (uniqueKey, rowConditions). */
  parent: string | undefined;
  kind: "unique key" | "row conditions" | "custom";
  description: string | undefined;
  /** What it checks: the conditions or key columns, for built-in ones. */
  checks: string[];
  tags: string[];
  state: string;
  failingRows: number | undefined;
}

export interface QualityTrendRow {
  date: string;
  passed: number;
  failed: number;
  notRun: number;
}

export interface RejectRow {
  date: string;
  source: string;
  reason: string;
  count: number;
}

export interface QualitySection {
  assertions: AssertionRow[];
  unitTests: Array<{ name: string; state: string }>;
  trend: QualityTrendRow[];
  rejects: RejectRow[];
}

export interface BusinessSection {
  revenueByRegionDay: Array<{ date: string; region: string; net_amount: number; orders: number }>;
  topCustomers: Array<{
    customer_key: string;
    region: string | null;
    orders_count: number;
    lifetime_net_amount: number;
    last_purchase_at: string | null;
  }>;
  clickActivity: Array<{ date: string; event_type: string; events: number }>;
  activeCustomersByDay: Array<{ date: string; customers: number; sessions: number }>;
  currency: string | undefined;
}

export interface ModelMetricsRow {
  date: string;
  model_version: string | undefined;
  roc_auc: number | undefined;
  pr_auc: number | undefined;
  oracle_auc: number | undefined;
  propensity_auc: number | undefined;
  log_loss: number | undefined;
  brier_score: number | undefined;
  holdout_rows: number | undefined;
}

export interface AtRiskCustomer {
  region: string;
  customer_key: string;
  churn_probability: number;
  risk_band: string;
  lifetime_net_amount: number;
  orders_count: number;
  last_purchase_at: string | null;
}

export interface ChurnSection {
  /** The predictions' batch date (the selected one, or the latest before it). */
  scoredDate: string | undefined;
  modelVersion: string | undefined;
  /** Customers per probability bin of width 0.05. */
  histogram: number[];
  riskBands: Array<{ band: string; customers: number }>;
  metrics: ModelMetricsRow[];
  /** The highest-value customers at high risk, five per region. */
  atRisk: AtRiskCustomer[];
  /** The risk band treated as high risk. */
  highBand: string | undefined;
}

export interface LineageSection {
  /** Sources → bronze → every Dataform action → churn model → predictions. */
  data: LineageGraph;
  /** The topology: functions, the topics between them, dead-letter topics. */
  events: LineageGraph;
  /** Node id → latest state (SUCCEEDED, FAILED, RUNNING) for the selected batch date. */
  states: Record<string, string>;
}

export interface ReportData {
  generatedAt: string;
  /** The batch date the page is about; undefined when the ledger is empty. */
  batchDate: string | undefined;
  /** Batch dates in the ledger, newest first. */
  dates: string[];
  chain: ChainSection | undefined;
  history: BatchHistoryRow[];
  deadLetters: DeadLetterSection;
  quality: QualitySection;
  business: BusinessSection | undefined;
  churn: ChurnSection | undefined;
  lineage: LineageSection;
  catalog: Catalog;
  /** Parts that could not be read, with why: shown on the page instead of crashing it. */
  problems: string[];
}
