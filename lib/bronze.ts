import type { Source } from "./contracts/records.ts";

/** Where each source's bronze files for one batch date live in the lake bucket (hive-partitioned). */
export function bronzePrefix(source: Source, batchDate: string): string {
  return `${source}/batch_date=${batchDate}/`;
}

/** Deterministic part names, so a repeated write replaces instead of adding. */
export function partName(
  source: Source,
  batchDate: string,
  part: number,
  extension: "parquet" | "jsonl",
): string {
  return `${bronzePrefix(source, batchDate)}part-${String(part).padStart(5, "0")}.${extension}`;
}

/** The generators' planted truth for a batch date (churn propensity per customer). */
export function truthObjectName(batchDate: string): string {
  return `_truth/customers/batch_date=${batchDate}/customers.jsonl`;
}

/** Object metadata keys that tie a bronze file to the batch that wrote it. */
export const BRONZE_METADATA = { batchId: "batch_id", recordCount: "record_count" } as const;
