import { ConfigError } from "../lib/errors.ts";

/**
 * How much data a generator produces per day: a named size or about N sales rows per day (every other
 * source is sized in proportion).
 */
export type Scale = "small" | "medium" | "large" | number;

export const NAMED_SCALES = ["small", "medium", "large"] as const;

/** Largest numeric scale: sale ids have at most 9 sequence digits, and the population must fit 7 digits. */
export const MAX_SALES_ROWS_PER_DAY = 100_000_000;

/** Sales rows per day and customer population of each named scale; numbers interpolate between them. */
const ANCHORS: ReadonlyArray<{ name: (typeof NAMED_SCALES)[number]; salesRows: number; customers: number }> =
  [
    { name: "small", salesRows: 4_000, customers: 2_000 },
    { name: "medium", salesRows: 100_000, customers: 20_000 },
    { name: "large", salesRows: 2_000_000, customers: 200_000 },
  ];

const MIN_CUSTOMERS = 20;
const MAX_CUSTOMERS = 9_999_999;

const HINT = `expected small, medium, large or a whole number of sales rows per day from 1 to ${MAX_SALES_ROWS_PER_DAY} (e.g. 250000, 250_000, 250k, 2m)`;

/** Parses a scale as written on a command line or in an environment variable. */
export function parseScale(text: string): Scale {
  const clean = text.trim().toLowerCase();
  if (clean === "small" || clean === "medium" || clean === "large") return clean;
  const match = /^([0-9][0-9_]*)(k|m)?$/.exec(clean);
  if (!match?.[1]) throw new ConfigError(`scale ${JSON.stringify(text)} is not valid: ${HINT}`);
  const unit = match[2] === "k" ? 1_000 : match[2] === "m" ? 1_000_000 : 1;
  const rows = Number(match[1].replaceAll("_", "")) * unit;
  return checkedRows(rows, text);
}

function checkedRows(rows: number, shown: unknown): number {
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > MAX_SALES_ROWS_PER_DAY) {
    throw new ConfigError(`scale ${JSON.stringify(shown)} is out of range: ${HINT}`);
  }
  return rows;
}

/** Throws ConfigError unless `scale` is a named scale or a whole number in range. */
export function assertScale(scale: Scale): Scale {
  if (typeof scale === "number") return checkedRows(scale, scale);
  if (!NAMED_SCALES.includes(scale))
    throw new ConfigError(`scale ${JSON.stringify(scale)} is not valid: ${HINT}`);
  return scale;
}

/** About how many sales rows (sale lines) a day brings at this scale, averaged over the year. */
export function salesRowsFor(scale: Scale): number {
  assertScale(scale);
  if (typeof scale === "number") return scale;
  const anchor = ANCHORS.find((a) => a.name === scale);
  if (!anchor) throw new ConfigError(`scale ${JSON.stringify(scale)} is not valid: ${HINT}`);
  return anchor.salesRows;
}

/**
 * About how many customers are active (signed up, not churned) on a day. Interpolated log-linearly between the named scales (so "small"
 * and 4000 are the same population) and extended with the slope of the nearest segment.
 */
export function customersFor(scale: Scale): number {
  const rows = salesRowsFor(scale);
  const [first, middle, last] = ANCHORS;
  if (!first || !middle || !last) throw new Error("scale anchors are incomplete");
  const [from, to] = rows <= middle.salesRows ? [first, middle] : [middle, last];
  const slope = Math.log(to.customers / from.customers) / Math.log(to.salesRows / from.salesRows);
  const customers = Math.round(from.customers * (rows / from.salesRows) ** slope);
  return Math.min(MAX_CUSTOMERS, Math.max(MIN_CUSTOMERS, customers));
}

/**
 * Size of the customer database: customers not yet signed up and lapsed ones as well as the
 * {@link customersFor} active ones. Churn drains about 5 % of active customers a month, so around
 * 2026-2027 roughly a third of the database is active; three times the active count keeps the active
 * customers near the scale's figure.
 */
export function populationFor(scale: Scale): number {
  return Math.min(MAX_CUSTOMERS, 3 * customersFor(scale));
}

/** About how many clickstream events a day brings: twice the sales rows. */
export function clickEventsFor(scale: Scale): number {
  return 2 * salesRowsFor(scale);
}

/** Cookie ids of visitors who browse without being customers: twice the customer population. */
export function anonymousVisitorsFor(scale: Scale): number {
  return 2 * customersFor(scale);
}

/** Size of the startup population of the weekly partner feed: a quarter of the customer population. */
export function startupsFor(scale: Scale): number {
  return Math.min(999_999, Math.max(25, Math.round(customersFor(scale) / 4)));
}

/** A stable key for a scale: the same data has the same key, whether it was asked for by name or number. */
export function scaleKey(scale: Scale): string {
  return String(salesRowsFor(scale));
}
