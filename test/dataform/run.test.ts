import { cpSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planActions } from "../../lib/adapters/local/dataform/graph.ts";
import { compileForDuckDb, type RunResult, runDataform } from "../../lib/adapters/local/dataform/run.ts";
import type { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import { createLake, DAYS, type Lake, projectDir } from "./support.ts";

const [DAY_ONE, DAY_TWO] = DAYS;

async function counts(warehouse: DuckDbWarehouse): Promise<Record<string, number>> {
  const relations = await warehouse.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_schema IN ('winter_days_staging', 'winter_days_warehouse') AND table_type = 'BASE TABLE'
     ORDER BY 1, 2`,
  );
  const result: Record<string, number> = {};
  for (const { schema, name } of relations) {
    const [row] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "${schema}"."${name}"`);
    result[`${schema}.${name}`] = row?.n ?? -1;
  }
  return result;
}

function failures(result: RunResult): string[] {
  return result.actions
    .filter((a) => a.state !== "SUCCEEDED")
    .map((a) => `${a.target}: ${a.state} ${a.failureReason ?? ""}`);
}

describe("the Dataform project on DuckDB", () => {
  let lake: Lake;
  let warehouse: DuckDbWarehouse;
  const runs: Record<string, RunResult> = {};

  beforeAll(async () => {
    lake = await createLake();
    warehouse = await lake.openWarehouse();
    for (const batchDate of DAYS) {
      runs[batchDate] = await runDataform({
        warehouse,
        projectDir,
        vars: { batch_date: batchDate },
        environment: lake.environment,
      });
    }
  });

  afterAll(async () => {
    await warehouse?.close();
    lake?.remove();
  });

  it("runs every compiled action, assertions and unit tests included, and all succeed", () => {
    const graph = compileForDuckDb(projectDir, { batch_date: DAY_TWO });
    const planned = planActions(graph).map((a) => a.key);
    const second = runs[DAY_TWO];
    expect(failures(runs[DAY_ONE] as RunResult)).toEqual([]);
    expect(failures(second as RunResult)).toEqual([]);
    expect(second?.actions.map((a) => a.target).sort()).toEqual([...planned].sort());
    const types = new Set(second?.actions.map((a) => a.type));
    expect([...types].sort()).toEqual(["assertion", "incremental", "operations", "table", "test", "view"]);
    expect(second?.actions.filter((a) => a.type === "test")).toHaveLength(3);
  });

  it("reconciles bronze with silver plus rejects for every source and day", async () => {
    for (const batchDate of DAYS) {
      const day = lake.days[batchDate];
      for (const [source, bronze] of [
        ["sales", day?.sales.length],
        ["clickstream", day?.clickstream.length],
        ["startups", day?.startups.length],
      ] as const) {
        const [row] = await warehouse.query<{ silver: number; rejects: number }>(
          `SELECT (SELECT COUNT(*) FROM winter_days_staging.stg_${source} WHERE batch_date = $d) AS silver,
                  (SELECT COUNT(*) FROM winter_days_staging.stg_${source}_rejects WHERE batch_date = $d) AS rejects`,
          { d: batchDate },
        );
        expect({ source, batchDate, total: (row?.silver ?? 0) + (row?.rejects ?? 0) }).toEqual({
          source,
          batchDate,
          total: bronze,
        });
      }
    }
    const reasons = await warehouse.query<{ reason: string; n: number }>(
      "SELECT reject_reason AS reason, COUNT(*) AS n FROM winter_days_staging.stg_sales_rejects WHERE batch_date = $d GROUP BY 1 ORDER BY 1",
      { d: DAY_TWO },
    );
    expect(reasons).toEqual([
      { reason: "duplicate_superseded", n: 1 },
      { reason: "invalid_quantity", n: 1 },
    ]);
  });

  it("carries every sale into the gold fact and builds one churn feature row per customer and cut-off", async () => {
    const [sales] = await warehouse.query<{ silver: number; gold: number }>(
      "SELECT (SELECT COUNT(*) FROM winter_days_staging.stg_sales) AS silver, (SELECT COUNT(*) FROM winter_days_warehouse.fct_sales) AS gold",
    );
    expect(sales?.gold).toBe(sales?.silver);
    const [features] = await warehouse.query<{ rows: number; customers: number }>(
      `SELECT (SELECT COUNT(*) FROM winter_days_warehouse.churn_features WHERE cutoff_date = $d) AS rows,
              (SELECT COUNT(*) FROM winter_days_warehouse.dim_customer WHERE first_seen_date <= $d) AS customers`,
      { d: DAY_TWO },
    );
    expect(features?.rows).toBe(features?.customers);
    expect(features?.rows).toBeGreaterThan(0);
    const [predictions] = await warehouse.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = 'winter_days_warehouse' AND table_name = 'fact_predictions_churn'",
    );
    expect(predictions?.n).toBe(6);
  });

  it("lets no raw e-mail, name or IP address into any staging or mart table or view", async () => {
    const pii = [...new Set(DAYS.flatMap((d) => lake.days[d]?.pii ?? []))];
    expect(pii.length).toBeGreaterThan(100);
    await warehouse.query("CREATE OR REPLACE TEMP TABLE raw_pii (value VARCHAR)");
    for (const value of pii) await warehouse.query("INSERT INTO raw_pii VALUES ($v)", { v: value });
    const columns = await warehouse.query<{ schema: string; name: string; column: string }>(
      `SELECT table_schema AS schema, table_name AS name, column_name AS column FROM information_schema.columns
       WHERE table_schema IN ('winter_days_staging', 'winter_days_warehouse') AND data_type = 'VARCHAR'`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const { schema, name, column } of columns) {
      const [row] = await warehouse.query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM "${schema}"."${name}" AS t JOIN raw_pii ON strpos(lower(t."${column}"), lower(raw_pii.value)) > 0`,
      );
      if ((row?.n ?? 0) > 0) leaks.push(`${schema}.${name}.${column}`);
    }
    expect(leaks).toEqual([]);
  });

  it("is idempotent: running the same batch date again leaves every table's row count unchanged", async () => {
    const before = await counts(warehouse);
    const again = await runDataform({
      warehouse,
      projectDir,
      vars: { batch_date: DAY_TWO },
      environment: lake.environment,
    });
    expect(failures(again)).toEqual([]);
    expect(await counts(warehouse)).toEqual(before);
    const incremental = again.actions.find((a) => a.target === "winter_days_staging.stg_sales");
    expect(incremental?.sql.some((s) => s.startsWith("DELETE FROM"))).toBe(true);
    // 42 bronze lines: 40 kept, one superseded copy and one invalid quantity rejected.
    expect(incremental?.rowsAffected).toBe(40);
  });

  it("fails the reconciliation assertion when silver lost rows, and reports why", async () => {
    await warehouse.query(
      "DELETE FROM winter_days_staging.stg_sales WHERE sale_id IN (SELECT sale_id FROM winter_days_staging.stg_sales WHERE batch_date = $d LIMIT 2)",
      { d: DAY_TWO },
    );
    const result = await runDataform({
      warehouse,
      projectDir,
      vars: { batch_date: DAY_TWO },
      actions: ["assert_sales_reconciles", "winter_days_warehouse.fct_sales"],
    });
    const assertion = result.actions.find(
      (a) => a.target === "winter_days_assertions.assert_sales_reconciles",
    );
    expect(result.state).toBe("FAILED");
    expect(assertion?.state).toBe("FAILED");
    expect(assertion?.failureReason).toMatch(/returned 1 row\(s\).*"bronze_rows":4[0-9].*"silver_rows":38/);
  });

  it("fails the built-in uniqueness assertion on a planted duplicate and the key assertion on a missing key", async () => {
    await warehouse.query(
      "INSERT INTO winter_days_warehouse.fct_sales SELECT * FROM winter_days_warehouse.fct_sales LIMIT 1",
    );
    await warehouse.query("DELETE FROM winter_days_secure.pii_hash_key");
    const result = await runDataform({
      warehouse,
      projectDir,
      vars: { batch_date: DAY_TWO },
      actions: ["winter_days_warehouse_fct_sales_assertions_uniqueKey_0", "assert_pii_hash_key_present"],
    });
    const states = Object.fromEntries(result.actions.map((a) => [a.target.split(".")[1], a.state]));
    expect(states).toEqual({
      winter_days_warehouse_fct_sales_assertions_uniqueKey_0: "FAILED",
      assert_pii_hash_key_present: "FAILED",
    });
  });

  it("fails a unit test whose expected rows differ from the model's output", async () => {
    const copy = path.join(lake.dir, "project-copy");
    cpSync(projectDir, copy, { recursive: true });
    const testFile = path.join(copy, "definitions", "tests", "test_int_click_features.sqlx");
    writeFileSync(
      testFile,
      readFileSync(testFile, "utf8").replace("10 AS active_minutes", "11 AS active_minutes"),
    );
    const result = await runDataform({
      warehouse,
      projectDir: copy,
      vars: { batch_date: DAY_TWO },
      actions: ["test_int_click_features", "test_int_churn_features"],
    });
    const byName = Object.fromEntries(result.actions.map((a) => [a.target.split(".")[1], a]));
    expect(byName.test_int_churn_features?.state).toBe("SUCCEEDED");
    expect(byName.test_int_click_features?.state).toBe("FAILED");
    expect(byName.test_int_click_features?.failureReason).toMatch(
      /missing .*"active_minutes":11.*unexpected .*"active_minutes":10/,
    );
  });

  it("plans without running in a dry run and shows the DuckDB SQL it would run", async () => {
    const result = await runDataform({
      warehouse,
      projectDir,
      vars: { batch_date: DAY_ONE },
      actions: ["winter_days_staging.stg_sales"],
      dryRun: true,
    });
    expect(result.actions.map((a) => a.state)).toContain("PLANNED");
    const stgSales = result.actions.find((a) => a.target === "winter_days_staging.stg_sales");
    const sql = stgSales?.sql.join("\n") ?? "";
    expect(sql).toContain(
      `DELETE FROM "winter_days_staging"."stg_sales" WHERE batch_date = DATE '${DAY_ONE}'`,
    );
    expect(sql).not.toContain("`");
    const [row] = await warehouse.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM winter_days_staging.stg_sales WHERE batch_date = $d",
      { d: DAY_ONE },
    );
    expect(row?.n).toBe(40);
  });
});
