import { createHash } from "node:crypto";
import { SOURCES, type Source } from "../lib/contracts/records.ts";
import { ConfigError } from "../lib/errors.ts";
import { formatDay, parseBatchDate } from "./calendar.ts";
import { type Scale, scaleKey } from "./scale.ts";

/**
 * `<source>-<YYYY-MM-DD>-<8 hex>`: the first 8 hex digits of sha256 over the generator's inputs, so a
 * re-run of the same batch gets the same id (and so overwrites, not duplicates) and any other seed or
 * scale gets another. "small" and 4000 name the same data and so the same id.
 */
export function batchIdFor(source: Source, date: string, seed: number, scale: Scale): string {
  if (!SOURCES.includes(source)) {
    throw new ConfigError(`source ${JSON.stringify(source)} is not one of ${SOURCES.join(", ")}`);
  }
  assertSeed(seed);
  const day = formatDay(parseBatchDate(date));
  const digest = createHash("sha256")
    .update(`${source}\n${day}\n${seed}\n${scaleKey(scale)}`)
    .digest("hex");
  return `${source}-${day}-${digest.slice(0, 8)}`;
}

/** The 8 hex digits of a batch id, used inside sale and event ids. */
export function batchHash(batchId: string): string {
  return batchId.slice(-8);
}

/** Throws ConfigError unless the seed is a whole number from 0 to 2^53 - 1. */
export function assertSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ConfigError(
      `seed ${JSON.stringify(seed)} is not valid: expected a whole number from 0 to 2^53 - 1`,
    );
  }
}
