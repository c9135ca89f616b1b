import { setImmediate as nextTurn } from "node:timers/promises";
import type { Source } from "../lib/contracts/records.ts";
import { ConfigError } from "../lib/errors.ts";
import { assertSeed, batchHash, batchIdFor } from "./batch-id.ts";
import { type DayProfile, dayProfile, parseBatchDate } from "./calendar.ts";
import { seedKey } from "./random.ts";
import { assertScale, type Scale } from "./scale.ts";

/** What every generator takes: the same three inputs always give the same bytes. */
export interface GeneratorOptions {
  seed: number;
  /** Batch date, `YYYY-MM-DD` (UTC). */
  date: string;
  scale: Scale;
  /** Records per yielded page; 5000 unless given. */
  pageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 5000;

/** Validated inputs and what every generator derives from them. */
export interface GeneratorRun {
  seed: number;
  seedKey: number;
  scale: Scale;
  day: number;
  profile: DayProfile;
  batchId: string;
  /** `<yyyymmdd>-<8 hex>`, the shared middle of sale and event ids. */
  idStem: string;
  pageSize: number;
}

/** Checks the options (ConfigError naming the bad one) and derives the run. */
export function resolveRun(source: Source, options: GeneratorOptions): GeneratorRun {
  assertSeed(options.seed);
  assertScale(options.scale);
  const day = parseBatchDate(options.date);
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new ConfigError(
      `pageSize ${JSON.stringify(options.pageSize)} is not valid: expected a whole number ≥ 1`,
    );
  }
  const batchId = batchIdFor(source, options.date, options.seed, options.scale);
  return {
    seed: options.seed,
    seedKey: seedKey(options.seed),
    scale: options.scale,
    day,
    profile: dayProfile(day),
    batchId,
    idStem: `${options.date.replaceAll("-", "")}-${batchHash(batchId)}`,
    pageSize,
  };
}

/**
 * Ids `<prefix><n>` for n = 1, 2, 3…, n zero-padded to 7 digits (more once it needs more), as sale
 * and event ids are. One concatenation per id: fact rows are made by the million.
 */
export class IdSequence {
  readonly #prefix: string;
  /** The prefix followed by the zeros that pad a number of 1…7 digits. */
  readonly #padded: readonly string[];
  #n = 0;

  constructor(prefix: string) {
    this.#prefix = prefix;
    this.#padded = Array.from({ length: 8 }, (_, digits) => prefix + "0".repeat(Math.max(0, 7 - digits)));
  }

  /** How many ids were given out. */
  get count(): number {
    return this.#n;
  }

  next(): string {
    const n = ++this.#n;
    if (n >= 10_000_000) return this.#prefix + n;
    const digits =
      n < 10 ? 1 : n < 100 ? 2 : n < 1_000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : n < 1_000_000 ? 6 : 7;
    return (this.#padded[digits] ?? this.#prefix) + n;
  }
}

/**
 * Collects records into pages. Generators yield each full page and then let the event loop turn, so
 * that producing millions of rows never starves timers and I/O of the process that consumes them.
 */
export class Pager<T> {
  readonly #size: number;
  #page: T[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Adds a record; returns the page when it is full. */
  push(record: T): T[] | undefined {
    this.#page.push(record);
    if (this.#page.length < this.#size) return undefined;
    const full = this.#page;
    this.#page = [];
    return full;
  }

  /** The last, partial page, if any. */
  rest(): T[] | undefined {
    if (this.#page.length === 0) return undefined;
    const rest = this.#page;
    this.#page = [];
    return rest;
  }
}

/** Lets timers and I/O run between pages. */
export function breathe(): Promise<void> {
  return nextTurn();
}
