import { createHash } from "node:crypto";

/**
 * Deterministic id of a date-level stage run (`<stage>-<date>-<8 hex>`) from the source batches it
 * covers: the same inputs always name the same run, so a repeated event finds the run it started.
 */
export function stageBatchId(
  stage: "warehouse" | "churn",
  batchDate: string,
  sourceBatches: Record<string, string>,
): string {
  const key = Object.keys(sourceBatches)
    .sort()
    .map((source) => `${source}=${sourceBatches[source]}`)
    .join("&");
  return `${stage}-${batchDate}-${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;
}
