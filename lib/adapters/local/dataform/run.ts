import { performance } from "node:perf_hooks";
import { errorMessage } from "../../../errors.ts";
import type { Row } from "../../../ports/warehouse.ts";
import type { TransactionalWarehouse, TransactionQuery } from "../warehouse.ts";
import { type LocalEnvironment, prepareLocalEnvironment } from "./bronze.ts";
import { compileDataform } from "./compile.ts";
import { rewriteIdentifiers } from "./duckdb-sql.ts";
import {
  type ActionType,
  type CompiledGraph,
  type CompiledTable,
  compilationErrors,
  type PlannedAction,
  planActions,
  type Target,
} from "./graph.ts";
import { compareRows } from "./unit-test.ts";

export type ActionState = "SUCCEEDED" | "FAILED" | "SKIPPED" | "PLANNED";

/** What happened to one action; `sql` is every statement it ran (or, in a dry run, would run). */
export interface ActionResult {
  target: string;
  type: ActionType;
  state: ActionState;
  rowsAffected?: number;
  durationMs: number;
  sql: string[];
  failureReason?: string;
}

export interface RunResult {
  state: "SUCCEEDED" | "FAILED";
  actions: ActionResult[];
}

export interface RunDataformOptions {
  warehouse: TransactionalWarehouse;
  projectDir: string;
  /** Compile vars (batch_date, …); `dialect` is forced to duckdb. */
  vars?: Record<string, string>;
  tags?: string[];
  actions?: string[];
  /** Rebuild incremental tables from their full query (protected tables excepted), as Dataform's full refresh. */
  fullRefresh?: boolean;
  /** Plan and print the SQL without running anything. */
  dryRun?: boolean;
  /** Unit tests run with the other actions unless false. */
  includeTests?: boolean;
  /** Bronze relations and PII key to create first; without it they must already exist. */
  environment?: LocalEnvironment;
  /** An already compiled graph (compiled for DuckDB); skips compiling. */
  graph?: CompiledGraph;
  /** Called after each action, in order, for progress reporting and persistence. */
  onAction?: (result: ActionResult) => void | Promise<void>;
}

/** Compiles the project for the DuckDB dialect; throws when the graph has compilation errors. */
export function compileForDuckDb(projectDir: string, vars: Record<string, string> = {}): CompiledGraph {
  const graph = compileDataform({ projectDir, vars: { ...vars, dialect: "duckdb" } });
  const errors = compilationErrors(graph);
  if (errors.length > 0) throw new Error(`Dataform compilation failed:\n${errors.join("\n")}`);
  return graph;
}

function relation(target: Target): string {
  return `"${target.schema}"."${target.name}"`;
}

function isBlank(sql: string): boolean {
  return sql.replace(/--[^\n]*/g, "").trim() === "";
}

type RelationKind = "BASE TABLE" | "VIEW" | undefined;

async function relationKind(warehouse: TransactionalWarehouse, target: Target): Promise<RelationKind> {
  const rows = await warehouse.query<{ table_type: string }>(
    "SELECT table_type FROM information_schema.tables WHERE table_schema = $schema AND table_name = $name",
    { schema: target.schema, name: target.name },
  );
  return rows[0]?.table_type as RelationKind;
}

/** Statements that make `target` a table or view, dropping an object of the other kind first. */
function replaceStatement(kind: RelationKind, target: Target, as: "TABLE" | "VIEW", query: string): string[] {
  const drop =
    kind === "VIEW" && as === "TABLE"
      ? [`DROP VIEW ${relation(target)}`]
      : kind === "BASE TABLE" && as === "VIEW"
        ? [`DROP TABLE ${relation(target)}`]
        : [];
  const body = as === "TABLE" ? `SELECT * FROM (\n${query}\n)` : query;
  return [...drop, `CREATE OR REPLACE ${as} ${relation(target)} AS ${body}`];
}

function incrementalStatement(table: CompiledTable, query: string): string {
  const target = relation(table.target);
  const keys = table.uniqueKey ?? [];
  if (keys.length === 0) return `INSERT INTO ${target} BY NAME SELECT * FROM (\n${query}\n)`;
  const on = keys.map((key) => `target."${key}" = source."${key}"`).join(" AND ");
  return `MERGE INTO ${target} AS target USING (\n${query}\n) AS source ON ${on} WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`;
}

interface Prepared {
  /** Statements run in one transaction; the one at `countIndex` gives rowsAffected. */
  statements: string[];
  countIndex?: number;
}

async function prepareTable(
  warehouse: TransactionalWarehouse,
  action: Extract<PlannedAction, { table: CompiledTable }>,
  fullRefresh: boolean,
  sql: (text: string) => string,
): Promise<Prepared> {
  const table = action.table;
  const kind = await relationKind(warehouse, table.target);
  const schema = `CREATE SCHEMA IF NOT EXISTS "${table.target.schema}"`;
  const nonBlank = (statements: string[] | undefined) =>
    (statements ?? []).filter((s) => !isBlank(s)).map((s) => sql(s).trim());
  if (action.type === "view") {
    return { statements: [schema, ...replaceStatement(kind, table.target, "VIEW", sql(table.query))] };
  }
  const incremental =
    action.type === "incremental" && kind === "BASE TABLE" && (!fullRefresh || table.protected === true);
  if (incremental) {
    const pre = nonBlank(table.incrementalPreOps);
    const main = incrementalStatement(table, sql(table.incrementalQuery ?? table.query));
    return {
      statements: [schema, ...pre, main, ...nonBlank(table.incrementalPostOps)],
      countIndex: 1 + pre.length,
    };
  }
  const pre = nonBlank(table.preOps);
  const create = replaceStatement(kind, table.target, "TABLE", sql(table.query));
  return {
    statements: [schema, ...pre, ...create, ...nonBlank(table.postOps)],
    countIndex: 1 + pre.length + create.length - 1,
  };
}

function countOf(rows: Row[]): number | undefined {
  const value = rows[0]?.Count;
  return typeof value === "number" ? value : undefined;
}

/** Runs one action; resolves to its result, never throws for a failing action. */
async function runAction(
  warehouse: TransactionalWarehouse,
  action: PlannedAction,
  options: { fullRefresh: boolean; dryRun: boolean; sql: (text: string) => string },
): Promise<Omit<ActionResult, "durationMs">> {
  const base = { target: action.key, type: action.type };
  let statements: string[] = [];
  try {
    switch (action.type) {
      case "table":
      case "view":
      case "incremental": {
        const prepared = await prepareTable(warehouse, action, options.fullRefresh, options.sql);
        statements = prepared.statements;
        if (options.dryRun) return { ...base, state: "PLANNED", sql: statements };
        const rowsAffected = await warehouse.transaction(async (query) => {
          let count: number | undefined;
          for (const [index, statement] of statements.entries()) {
            const rows = await query(statement);
            if (index === prepared.countIndex) count = countOf(rows);
          }
          return count;
        });
        return {
          ...base,
          state: "SUCCEEDED",
          sql: statements,
          ...(rowsAffected === undefined ? {} : { rowsAffected }),
        };
      }
      case "operations": {
        const operation = action.operation;
        statements = (operation.queries ?? []).filter((q) => !isBlank(q)).map((q) => options.sql(q).trim());
        if (operation.hasOutput)
          statements.unshift(`CREATE SCHEMA IF NOT EXISTS "${operation.target.schema}"`);
        if (options.dryRun) return { ...base, state: "PLANNED", sql: statements };
        await warehouse.transaction(async (query) => {
          for (const statement of statements) await query(statement);
        });
        return { ...base, state: "SUCCEEDED", sql: statements };
      }
      case "assertion": {
        const target = action.assertion.target;
        const view = relation(target);
        statements = [
          `CREATE SCHEMA IF NOT EXISTS "${target.schema}"`,
          `CREATE OR REPLACE VIEW ${view} AS ${options.sql(action.assertion.query)}`,
          `SELECT COUNT(*) AS failing_rows FROM ${view}`,
          `SELECT * FROM ${view} LIMIT 3`,
        ];
        if (options.dryRun) return { ...base, state: "PLANNED", sql: statements };
        const [failing, sample] = await warehouse.transaction(async (query) => {
          const results: Row[][] = [];
          for (const statement of statements) results.push(await query(statement));
          return [Number(results[2]?.[0]?.failing_rows ?? 0), results[3] ?? []] as const;
        });
        if (failing === 0) return { ...base, state: "SUCCEEDED", sql: statements, rowsAffected: 0 };
        return {
          ...base,
          state: "FAILED",
          sql: statements,
          rowsAffected: failing,
          failureReason: `assertion ${action.key} returned ${failing} row(s), e.g. ${JSON.stringify(sample)}`,
        };
      }
      case "test": {
        const test = action.test;
        if (!test.testQuery || !test.expectedOutputQuery) {
          return {
            ...base,
            state: "FAILED",
            sql: [],
            failureReason: `test ${test.name} has no query or expected output`,
          };
        }
        statements = [options.sql(test.testQuery), options.sql(test.expectedOutputQuery)];
        if (options.dryRun) return { ...base, state: "PLANNED", sql: statements };
        const actual = await warehouse.query(statements[0] ?? "");
        const expected = await warehouse.query(statements[1] ?? "");
        const difference = compareRows(actual, expected);
        return difference
          ? {
              ...base,
              state: "FAILED",
              sql: statements,
              rowsAffected: actual.length,
              failureReason: `test ${test.name}: ${difference}`,
            }
          : { ...base, state: "SUCCEEDED", sql: statements, rowsAffected: actual.length };
      }
    }
  } catch (error) {
    return { ...base, state: "FAILED", sql: statements, failureReason: errorMessage(error) };
  }
}

/**
 * Runs a Dataform project on the DuckDB warehouse: compiles it for the duckdb dialect (unless a
 * graph is given), then runs the selected actions in dependency order, each in its own
 * transaction. A failed action skips everything that depends on it; assertions fail when they
 * return rows; unit tests compare their output with the expected rows.
 */
export async function runDataform(options: RunDataformOptions): Promise<RunResult> {
  if (options.warehouse.dialect !== "duckdb") {
    throw new Error(`the local Dataform runner executes on DuckDB, not ${options.warehouse.dialect}`);
  }
  const graph = options.graph ?? compileForDuckDb(options.projectDir, options.vars);
  if (options.environment && !options.dryRun) {
    await prepareLocalEnvironment(options.warehouse, options.environment, graph.projectConfig?.vars);
  }
  const plan = planActions(graph, {
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.actions ? { actions: options.actions } : {}),
    ...(options.includeTests === undefined ? {} : { includeTests: options.includeTests }),
  });
  const defaultProject = graph.projectConfig?.defaultDatabase;
  const sql = (text: string) => rewriteIdentifiers(text, defaultProject);
  const failed = new Set<string>();
  const results: ActionResult[] = [];
  for (const action of plan) {
    const started = performance.now();
    const blocker = action.dependencies.find((dependency) => failed.has(dependency));
    const outcome: Omit<ActionResult, "durationMs"> = blocker
      ? {
          target: action.key,
          type: action.type,
          state: "SKIPPED",
          sql: [],
          failureReason: `dependency ${blocker} did not succeed`,
        }
      : await runAction(options.warehouse, action, {
          fullRefresh: options.fullRefresh === true,
          dryRun: options.dryRun === true,
          sql,
        });
    const result: ActionResult = { ...outcome, durationMs: Math.round(performance.now() - started) };
    if (result.state === "FAILED" || result.state === "SKIPPED") failed.add(action.key);
    results.push(result);
    await options.onAction?.(result);
  }
  return { state: results.some((r) => r.state === "FAILED") ? "FAILED" : "SUCCEEDED", actions: results };
}

/** The compiled graph's summary for `winter-days dataform compile`. */
export function describeGraph(
  graph: CompiledGraph,
): Array<{ target: string; type: ActionType; dependencies: string[] }> {
  return planActions(graph).map((action) => ({
    target: action.key,
    type: action.type,
    dependencies: action.dependencies,
  }));
}

export type { TransactionQuery };
