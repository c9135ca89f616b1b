/**
 * The offline chain end to end, as `npm start` runs it: history into bronze, today's batches
 * generated and landed, every hop driven by events to the predictions in gold.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunSummary, runChain } from "../../runtime/chain.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";

const DATE = "2026-11-23"; // a Monday: startups are due too
const SCALE = 300;
/** A short label window keeps the history the model needs (2 windows + 1 day) small. */
const ENV = { WINTER_DAYS_CHURN_LABEL_DAYS: "3" };
const HISTORY = 7;
const root = path.join(import.meta.dirname, "..", "..");

describe("the offline chain, end to end", () => {
  let platform: TestPlatform;
  let first: RunSummary;

  beforeAll(async () => {
    platform = await openTestPlatform({ env: ENV });
    first = await runChain(platform, { date: DATE, seed: 11, scale: SCALE, historyDays: HISTORY });
  }, 240_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("reconciles every source from generation to gold, with nothing dead-lettered", () => {
    expect(first.problems).toEqual([]);
    expect(first.reconciled).toBe(true);
    expect(Object.keys(first.sources).sort()).toEqual(["clickstream", "sales", "startups"]);
    const sales = first.sources.sales;
    expect(sales?.generated).toBeGreaterThan(0);
    expect(sales?.gold).toBe(sales?.generated);
    expect(Object.values(first.dead_letters).every((depth) => depth === 0)).toBe(true);
  });

  it("shows the rows written to every silver and gold table, and the model's holdout metrics", () => {
    const tables = new Map(first.tables.map((t) => [t.target, t.rows]));
    for (const target of [
      "winter_days_staging.stg_sales",
      "winter_days_warehouse.fct_sales",
      "winter_days_warehouse.dim_customer",
      "winter_days_warehouse.churn_features",
    ]) {
      expect(tables.get(target), target).toBeGreaterThan(0);
    }
    expect(first.model).toMatchObject({ roc_auc: expect.any(Number), oracle_auc: expect.any(Number) });
  });

  it("passes every Dataform assertion", () => {
    expect(first.assertions.length).toBeGreaterThan(10);
    expect(first.assertions.filter((a) => a.state !== "SUCCEEDED")).toEqual([]);
  });

  it("scores customers into fact_predictions_churn, one row per customer", async () => {
    expect(first.predicted).toBeGreaterThan(0);
    const [row] = await platform.warehouse.query<{ n: bigint; customers: bigint }>(
      `SELECT count(*) AS n, count(DISTINCT customer_key) AS customers
       FROM winter_days_warehouse.fact_predictions_churn WHERE batch_date = DATE '${DATE}'`,
    );
    expect(Number(row?.n)).toBe(first.predicted);
    expect(Number(row?.customers)).toBe(first.predicted);
  });

  it("keeps raw e-mails and names out of every silver and gold table", async () => {
    const docs = await platform.deps.documents.query<{ customer_email: string; customer_name: string }>(
      platform.deps.config.salesCollection,
      { limit: 20 },
    );
    const needles = docs.flatMap((d) => [d.data.customer_email, d.data.customer_name]);
    const columns = await platform.warehouse.query<{
      schema_name: string;
      table_name: string;
      column_name: string;
    }>(
      `SELECT schema_name, table_name, column_name FROM duckdb_columns()
       WHERE schema_name IN ('winter_days_staging', 'winter_days_warehouse') AND data_type = 'VARCHAR'`,
    );
    expect(columns.length).toBeGreaterThan(10);
    for (const c of columns) {
      const list = needles.map((n) => `'${n.replaceAll("'", "''")}'`).join(", ");
      const [hit] = await platform.warehouse.query<{ n: bigint }>(
        `SELECT count(*) AS n FROM ${c.schema_name}.${c.table_name} WHERE "${c.column_name}" IN (${list})`,
      );
      expect(Number(hit?.n), `${c.schema_name}.${c.table_name}.${c.column_name}`).toBe(0);
    }
  });

  it("changes nothing when the same date runs again", async () => {
    const again = await runChain(platform, { date: DATE, seed: 11, scale: SCALE, historyDays: HISTORY });
    expect(again.deliveries.delivered).toBe(0);
    expect(again.sources).toEqual(first.sources);
    expect(again.predicted).toBe(first.predicted);
  });
});

/** Runs the CLI in a child process; resolves with its output once it exits or is killed. */
function cli(args: string[], env: Record<string, string>, killWhen?: (stderr: string) => boolean) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, "runtime", "cli.ts"), ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      if (killWhen?.(stderr)) child.kill("SIGKILL");
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("a run killed mid-way", () => {
  it("resumes where it stopped, without loss or double effects", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "winter-days-crash-"));
    const env = { ...ENV, WINTER_DAYS_DATA_DIR: dir, WINTER_DAYS_TIME_SCALE: "0.001" };
    const args = [
      "run",
      "--date",
      DATE,
      "--seed",
      "5",
      "--scale",
      String(SCALE),
      "--history-days",
      "7",
      "--json",
    ];
    try {
      // Killed while the events of today's batches are moving through the hops.
      const killed = await cli(args, env, (stderr) => stderr.includes("delivering events"));
      expect(killed.code).toBeNull();
      const resumed = await cli(args, env);
      expect(resumed.code, resumed.stderr).toBe(0);
      const summary = JSON.parse(resumed.stdout) as RunSummary;
      expect(summary.problems).toEqual([]);
      expect(summary.sources.sales?.gold).toBe(summary.sources.sales?.generated);
      expect(summary.predicted).toBeGreaterThan(0);
      expect(Object.values(summary.dead_letters).every((depth) => depth === 0)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
