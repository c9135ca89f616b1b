import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LocalEnvironment } from "../../lib/adapters/local/dataform/bronze.ts";
import { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import { type GeneratedDay, generateDay, writeDay } from "./fixtures.ts";

export const projectDir = fileURLToPath(new URL("../../dataform/", import.meta.url));

export const DAYS = ["2026-11-02", "2026-11-03"] as const;

export interface Lake {
  dir: string;
  lakeRoot: string;
  days: Record<string, GeneratedDay>;
  environment: LocalEnvironment;
  openWarehouse(): Promise<DuckDbWarehouse>;
  remove(): void;
}

/** A temporary data dir with two bronze days (startups only on the second, as a weekly feed). */
export async function createLake(): Promise<Lake> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wd-dataform-"));
  const lakeRoot = path.join(dir, "objects", "test-lake");
  const days: Record<string, GeneratedDay> = {};
  for (const [index, batchDate] of DAYS.entries()) {
    const day = generateDay({
      batchDate,
      customers: 25,
      sales: 40,
      clicks: 80,
      startups: index === 1 ? 4 : 0,
      seed: 11 + index,
      plant: true,
    });
    await writeDay(lakeRoot, day, batchDate);
    days[batchDate] = day;
  }
  return {
    dir,
    lakeRoot,
    days,
    environment: {
      lakeRoot,
      piiHashKey: "test-pii-hash-key-0123456789",
    },
    openWarehouse: () =>
      DuckDbWarehouse.open({
        path: path.join(dir, "warehouse.duckdb"),
        resolveObjectPath: (uri) => path.join(dir, "objects", uri.replace(/^gs:\/\//, "")),
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
