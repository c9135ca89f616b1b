import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileDataform } from "../../lib/adapters/local/dataform/compile.ts";
import { runDataform } from "../../lib/adapters/local/dataform/run.ts";
import { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import { ensurePredictionTables, METRICS_COLUMN_NAMES } from "../../lib/ml/tables.ts";
import type { Row, Warehouse } from "../../lib/ports/warehouse.ts";
import { projectDir } from "./support.ts";

/** The tables the predictions-load hop writes and the Dataform project creates empty. */
const HOP_TABLES = ["fact_predictions_churn", "model_metrics"] as const;

interface ColumnShape {
  table: string;
  column: string;
  type: string;
  nullable: string;
}

async function columnsOf(warehouse: DuckDbWarehouse): Promise<ColumnShape[]> {
  return await warehouse.query<ColumnShape & Row>(
    `SELECT table_name AS "table", column_name AS "column", data_type AS type, is_nullable AS nullable
     FROM information_schema.columns
     WHERE table_schema = 'winter_days_warehouse' AND table_name IN ('fact_predictions_churn', 'model_metrics')
     ORDER BY table_name, ordinal_position`,
  );
}

async function createWithDataform(warehouse: DuckDbWarehouse): Promise<void> {
  const result = await runDataform({
    warehouse,
    projectDir,
    vars: { batch_date: "2026-11-03" },
    actions: [...HOP_TABLES],
    includeTests: false,
  });
  expect(result.actions.map((a) => `${a.target} ${a.state} ${a.failureReason ?? ""}`.trim()).sort()).toEqual([
    "winter_days_warehouse.fact_predictions_churn SUCCEEDED",
    "winter_days_warehouse.model_metrics SUCCEEDED",
  ]);
}

/** `name TYPE [NOT NULL]` of every column of a BigQuery CREATE TABLE, in order. */
function bigQueryColumns(ddl: string): string[] {
  return [...ddl.matchAll(/^\s+(\w+) (STRING|DATE|FLOAT64|INT64|TIMESTAMP)( NOT NULL)?/gm)].map((m) =>
    [m[1], m[2], m[3]?.trim()].filter(Boolean).join(" "),
  );
}

/** A warehouse that only records the BigQuery statements it is given. */
function recordingBigQuery(statements: string[]): Warehouse {
  return {
    dialect: "bigquery",
    query: async <T extends Row = Row>(sql: string) => {
      statements.push(sql);
      return [] as T[];
    },
    ensureDataset: async () => {},
    replacePartitionFromFiles: async () => 0,
    tableExists: async () => false,
    close: async () => {},
  };
}

describe("the tables the predictions-load hop writes", () => {
  let dir: string;
  const open = (name: string) =>
    DuckDbWarehouse.open({ path: path.join(dir, `${name}.duckdb`), resolveObjectPath: (uri) => uri });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "wd-hop-tables-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("get the same columns, types and nullability whether Dataform or the hop creates them first", async () => {
    const dataformFirst = await open("dataform-first");
    const hopFirst = await open("hop-first");
    try {
      await createWithDataform(dataformFirst);
      await ensurePredictionTables(dataformFirst);
      await ensurePredictionTables(hopFirst);
      await createWithDataform(hopFirst);
      const byDataform = await columnsOf(dataformFirst);
      expect(byDataform.filter((c) => c.table === "model_metrics").map((c) => c.column)).toEqual([
        ...METRICS_COLUMN_NAMES,
      ]);
      expect(byDataform.filter((c) => c.table === "fact_predictions_churn")).toHaveLength(6);
      expect(await columnsOf(hopFirst)).toEqual(byDataform);
    } finally {
      await dataformFirst.close();
      await hopFirst.close();
    }
  });

  it("are declared alike in BigQuery, partitioned by batch_date, with a description on every column", async () => {
    const graph = compileDataform({ projectDir, vars: { batch_date: "2026-11-03" } });
    const statements: string[] = [];
    await ensurePredictionTables(recordingBigQuery(statements));
    for (const table of HOP_TABLES) {
      const operation = graph.operations?.find((o) => o.target.name === table);
      const ddl = operation?.queries?.join("\n") ?? "";
      const hopDdl = statements.find((s) => s.includes(`winter_days_warehouse.${table}\``)) ?? "";
      expect(bigQueryColumns(ddl).length, table).toBeGreaterThan(5);
      expect(bigQueryColumns(ddl), table).toEqual(bigQueryColumns(hopDdl));
      expect(ddl, table).toContain("PARTITION BY batch_date");
      expect(hopDdl, table).toContain("PARTITION BY batch_date");
      const columns = bigQueryColumns(ddl).length;
      expect(ddl.match(/OPTIONS \(description = '/g)?.length, table).toBe(columns + 1);
      const described = (operation as { actionDescriptor?: { columns?: unknown[] } }).actionDescriptor
        ?.columns;
      expect(described?.length, `${table}: the catalog's column descriptions`).toBe(columns);
    }
  });
});
