import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DuckDbWarehouse } from "../../../../lib/adapters/local/warehouse.ts";
import { PermanentError } from "../../../../lib/errors.ts";

describe("DuckDbWarehouse", () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  const objects = () => path.join(dir, "objects");
  const put = (name: string, lines: object[]) => {
    const file = path.join(objects(), "lake", name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
    return `gs://lake/${name}`;
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "wd-warehouse-"));
    warehouse = await DuckDbWarehouse.open({
      path: path.join(dir, "warehouse.duckdb"),
      resolveObjectPath: (uri) => path.join(objects(), uri.replace(/^gs:\/\//, "")),
    });
  });

  afterEach(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates datasets as schemas and answers whether a table exists", async () => {
    const table = { dataset: "winter_days_warehouse", table: "t" };
    expect(await warehouse.tableExists(table)).toBe(false);
    await warehouse.ensureDataset("winter_days_warehouse");
    await warehouse.ensureDataset("winter_days_warehouse");
    await warehouse.query("CREATE TABLE winter_days_warehouse.t (a INTEGER)");
    expect(await warehouse.tableExists(table)).toBe(true);
  });

  it("returns plain values: counts as numbers, dates as YYYY-MM-DD, timestamps as Date, named parameters", async () => {
    const rows = await warehouse.query(
      "SELECT COUNT(*) AS n, DATE '2026-11-03' AS d, TIMESTAMPTZ '2026-11-03 10:00:00+00' AS t, $x AS x FROM range(3)",
      {
        x: "hello",
      },
    );
    expect(rows).toEqual([{ n: 3, d: "2026-11-03", t: new Date("2026-11-03T10:00:00Z"), x: "hello" }]);
  });

  it("replaces one partition from files, leaves the others, and is idempotent", async () => {
    const table = { dataset: "winter_days_warehouse", table: "fact_predictions_churn" };
    const day3 = put("p/batch_date=2026-11-03/part-00000.jsonl", [
      { customer_key: "C-1", batch_date: "2026-11-03", churn_probability: 0.7 },
      { customer_key: "C-2", batch_date: "2026-11-03", churn_probability: 0.1 },
    ]);
    const day4 = put("p/batch_date=2026-11-04/part-00000.jsonl", [
      { customer_key: "C-1", batch_date: "2026-11-04", churn_probability: 0.6 },
    ]);
    expect(
      await warehouse.replacePartitionFromFiles(
        table,
        "batch_date",
        "2026-11-03",
        [day3],
        "NEWLINE_DELIMITED_JSON",
      ),
    ).toBe(2);
    expect(
      await warehouse.replacePartitionFromFiles(
        table,
        "batch_date",
        "2026-11-04",
        [day4],
        "NEWLINE_DELIMITED_JSON",
      ),
    ).toBe(1);
    expect(
      await warehouse.replacePartitionFromFiles(
        table,
        "batch_date",
        "2026-11-03",
        [day3],
        "NEWLINE_DELIMITED_JSON",
      ),
    ).toBe(2);
    const counts = await warehouse.query(
      "SELECT CAST(batch_date AS VARCHAR) AS day, COUNT(*) AS n FROM winter_days_warehouse.fact_predictions_churn GROUP BY 1 ORDER BY 1",
    );
    expect(counts).toEqual([
      { day: "2026-11-03", n: 2 },
      { day: "2026-11-04", n: 1 },
    ]);
  });

  it("refuses rows of another partition and keeps the table as it was", async () => {
    const table = { dataset: "d", table: "t" };
    const good = put("t/good.jsonl", [{ k: 1, batch_date: "2026-11-03" }]);
    const stray = put("t/stray.jsonl", [{ k: 2, batch_date: "2026-11-04" }]);
    await warehouse.replacePartitionFromFiles(
      table,
      "batch_date",
      "2026-11-03",
      [good],
      "NEWLINE_DELIMITED_JSON",
    );
    await expect(
      warehouse.replacePartitionFromFiles(
        table,
        "batch_date",
        "2026-11-03",
        [stray],
        "NEWLINE_DELIMITED_JSON",
      ),
    ).rejects.toThrow(/do not belong to partition batch_date=2026-11-03/);
    expect(await warehouse.query("SELECT k FROM d.t")).toEqual([{ k: 1 }]);
  });

  it("rejects identifiers that are not plain names", async () => {
    await expect(warehouse.ensureDataset('x"; DROP SCHEMA main; --')).rejects.toBeInstanceOf(PermanentError);
  });

  it("rolls back a transaction that throws", async () => {
    await warehouse.query("CREATE TABLE t (a INTEGER)");
    await expect(
      warehouse.transaction(async (query) => {
        await query("INSERT INTO t VALUES (1)");
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(await warehouse.query("SELECT COUNT(*) AS n FROM t")).toEqual([{ n: 0 }]);
  });
});
