import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { compileDataform } from "../../lib/adapters/local/dataform/compile.ts";
import {
  type CompiledGraph,
  compilationErrors,
  planActions,
} from "../../lib/adapters/local/dataform/graph.ts";
import { projectDir } from "./support.ts";

const run = promisify(execFile);
const repoRoot = path.resolve(projectDir, "..");

function sqlOf(graph: CompiledGraph, name: string): string {
  const table = graph.tables?.find((t) => t.target.name === name);
  return [table?.query, table?.incrementalQuery, ...(table?.incrementalPreOps ?? [])].join("\n");
}

describe("the Dataform project compiles", () => {
  it("with the Dataform CLI from package.json, with no graph errors", async () => {
    // The CLI installs the pinned @dataform/core into a temporary copy (npm registry), as Dataform does.
    const { stdout } = await run(
      path.join(repoRoot, "node_modules", ".bin", "dataform"),
      ["compile", projectDir, "--json", "--vars=batch_date=2026-11-03"],
      { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
    );
    const graph = JSON.parse(stdout) as CompiledGraph;
    expect(compilationErrors(graph)).toEqual([]);
    expect(graph.tables?.length).toBeGreaterThanOrEqual(14);
    expect(graph.tests?.length).toBe(3);

    // The in-process compiler the local runner uses yields the same graph.
    const inProcess = compileDataform({ projectDir, vars: { batch_date: "2026-11-03" } });
    expect(planActions(inProcess).map((a) => a.key)).toEqual(planActions(graph).map((a) => a.key));
    expect(sqlOf(inProcess, "churn_features")).toBe(sqlOf(graph, "churn_features"));
    expect(inProcess.tests?.map((t) => t.testQuery)).toEqual(graph.tests?.map((t) => t.testQuery));
  }, 120_000);

  it("to BigQuery SQL for production and DuckDB SQL offline, from the same SQLX", () => {
    const bigquery = compileDataform({ projectDir, vars: { batch_date: "2026-11-03" } });
    const duckdb = compileDataform({ projectDir, vars: { batch_date: "2026-11-03", dialect: "duckdb" } });
    const bq = sqlOf(bigquery, "stg_sales_checked");
    const dd = sqlOf(duckdb, "stg_sales_checked");
    expect(bq).toContain("SAFE_CAST(source.sold_at AS TIMESTAMP)");
    expect(bq).toContain("TO_HEX(SHA256(CONCAT(pii_key.hash_key, '|', LOWER(TRIM(source.customer_email)))))");
    expect(bq).toContain("REGEXP_CONTAINS(customer_key, r'^C-[0-9]{7}$')");
    expect(bq).toContain("* EXCEPT (invalid_reason)");
    expect(dd).toContain("TRY_CAST(source.sold_at AS TIMESTAMPTZ)");
    expect(dd).toContain("sha256(CONCAT(pii_key.hash_key, '|', LOWER(TRIM(source.customer_email))))");
    expect(dd).not.toMatch(/SAFE_CAST|TO_HEX|REGEXP_CONTAINS|EXCEPT \(/);
    expect(sqlOf(bigquery, "stg_sales")).toContain(
      "DELETE FROM `winter-days-local.winter_days_staging.stg_sales` WHERE batch_date = DATE '2026-11-03'",
    );
    const predictions = bigquery.operations
      ?.find((o) => o.target.name === "fact_predictions_churn")
      ?.queries?.join("\n");
    expect(predictions).toContain("PARTITION BY batch_date");
    expect(predictions).toContain("churn_probability FLOAT64 NOT NULL");
  });

  it("refuses a batch date that is not a date, naming the var", () => {
    const graph = compileDataform({ projectDir, vars: { batch_date: "2026-11-03' OR TRUE --" } });
    expect(compilationErrors(graph).join("\n")).toContain("var batch_date=");
  });
});
