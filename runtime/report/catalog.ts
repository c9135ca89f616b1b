import { readFileSync } from "node:fs";
import path from "node:path";
import { RECORD_SCHEMAS, SOURCES, type Source } from "../../lib/contracts/records.ts";
import { schemasDir } from "../../lib/contracts/schema-files.ts";
import type { Warehouse } from "../../lib/ports/warehouse.ts";
import type { DataformProject, ProjectAction } from "./dataform-project.ts";

/**
 * The data catalog: every table of every layer with its columns, types, descriptions and checks.
 * Bronze comes from the record schemas (the contract of what lands); silver and gold from the
 * Dataform project (descriptions, assertions, unit tests) and the warehouse (the columns and types
 * the tables really have). A column the project does not describe takes the description of the
 * same column in the nearest table it is built from, and says which: a renamed or computed column
 * has none to take and shows up as undocumented.
 */

export type Layer = "bronze" | "silver" | "gold";

export interface CatalogColumn {
  name: string;
  /** BigQuery type (what is deployed); undefined until the table exists in the warehouse. */
  type: string | undefined;
  description: string | undefined;
  /** The table the description was taken from, when it is not the table's own. */
  describedIn: string | undefined;
  tests: string[];
}

export interface CatalogTable {
  layer: Layer;
  dataset: string;
  name: string;
  /** `dataset.name`. */
  key: string;
  kind: string;
  description: string | undefined;
  tags: string[];
  /** False when the table is not in the warehouse yet, so its columns are unknown. */
  columnsKnown: boolean;
  columns: CatalogColumn[];
  /** Table-level checks: unique keys, row conditions over several columns, schema rules. */
  tests: string[];
  /** Named (custom) assertions that read this table. */
  assertions: string[];
  unitTests: string[];
  dependsOn: string[];
  /** Where it is defined: a Dataform file or a record schema. */
  definedIn: string | undefined;
}

export interface CatalogAssertion {
  name: string;
  kind: string;
  parent: string | undefined;
  description: string | undefined;
  checks: string[];
  reads: string[];
  tags: string[];
}

export interface Catalog {
  layers: Array<{ layer: Layer; title: string; summary: string; tables: CatalogTable[] }>;
  assertions: CatalogAssertion[];
  /** Declared inputs that are not data (the PII key table). */
  otherSources: Array<{ key: string; description: string | undefined }>;
}

/** One column of a warehouse table as information_schema lists it. */
export interface WarehouseColumn {
  dataset: string;
  table: string;
  column: string;
  type: string;
}

export interface CatalogOptions {
  stagingDataset: string;
  warehouseDataset: string;
  /** The dataset of the bronze declarations; the project's `bronze_dataset` var. */
  bronzeDataset?: string;
}

const LAYER_TITLES: Record<Layer, { title: string; summary: string }> = {
  bronze: {
    title: "Bronze",
    summary:
      "Raw records as the sources land them in the lake, one table per source (external tables over the lake's files). Columns and checks are the record schemas': what a batch must satisfy to be accepted.",
  },
  silver: {
    title: "Silver",
    summary:
      "Typed, deduplicated records with PII pseudonymised (keyed hash), plus the rows kept out and why. Built by Dataform from bronze, one partition per batch date.",
  },
  gold: {
    title: "Gold",
    summary:
      "Facts, dimensions and features for analysts and the churn model, and the model's predictions. Built by Dataform from silver; predictions loaded by the predictions-load hop.",
  },
};

/** DuckDB's type names as the BigQuery types the same columns have when deployed. */
export function bigQueryType(duckDbType: string): string {
  const t = duckDbType.toUpperCase();
  if (t === "VARCHAR" || t.startsWith("VARCHAR(")) return "STRING";
  if (["BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"].includes(t))
    return "INT64";
  if (t === "DOUBLE" || t === "FLOAT" || t === "REAL") return "FLOAT64";
  if (t.startsWith("DECIMAL")) return "NUMERIC";
  if (t === "BOOLEAN") return "BOOL";
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") return "TIMESTAMP";
  if (t === "TIMESTAMP") return "DATETIME";
  if (t === "BLOB") return "BYTES";
  if (t.endsWith("[]")) return `ARRAY<${bigQueryType(t.slice(0, -2))}>`;
  return t;
}

interface JsonSchemaProperty {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  description?: string;
}

interface RecordSchema {
  title?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchemaProperty>;
}

function jsonSchemaType(property: JsonSchemaProperty): string {
  if (property.const !== undefined) return typeof property.const === "number" ? "FLOAT64" : "STRING";
  if (property.enum) return property.enum.every((v) => typeof v === "string") ? "STRING" : "JSON";
  const types = Array.isArray(property.type) ? property.type : [property.type];
  const type = types.find((t) => t !== "null");
  if (type === "string") {
    if (property.format === "date") return "DATE";
    if (property.format === "date-time") return "TIMESTAMP";
    return "STRING";
  }
  if (type === "integer") return "INT64";
  if (type === "number") return "FLOAT64";
  if (type === "boolean") return "BOOL";
  if (type === "array") return "ARRAY";
  if (type === "object") return "JSON";
  return "STRING";
}

function jsonSchemaTests(name: string, property: JsonSchemaProperty, required: Set<string>): string[] {
  const tests: string[] = [];
  const nullable = Array.isArray(property.type) && property.type.includes("null");
  if (required.has(name)) tests.push(nullable ? "required (may be null)" : "required, not null");
  if (property.const !== undefined) tests.push(`= ${JSON.stringify(property.const)}`);
  if (property.enum) tests.push(`one of ${property.enum.map((v) => String(v)).join(", ")}`);
  if (property.pattern) tests.push(`matches \`${property.pattern}\``);
  if (property.format) tests.push(`format ${property.format}`);
  if (property.minimum !== undefined && property.maximum !== undefined) {
    tests.push(`between ${property.minimum} and ${property.maximum}`);
  } else if (property.minimum !== undefined) tests.push(`≥ ${property.minimum}`);
  else if (property.maximum !== undefined) tests.push(`≤ ${property.maximum}`);
  if (property.minLength !== undefined || property.maxLength !== undefined) {
    tests.push(`length ${property.minLength ?? 0}..${property.maxLength ?? "∞"}`);
  }
  return tests;
}

/** A record schema of schemas/records/, parsed. */
export function readRecordSchema(source: Source): RecordSchema {
  return JSON.parse(readFileSync(path.join(schemasDir, RECORD_SCHEMAS[source].file), "utf8")) as RecordSchema;
}

function bronzeTable(
  source: Source,
  declaration: ProjectAction | undefined,
  bronzeDataset: string,
): CatalogTable {
  const schema = readRecordSchema(source);
  const required = new Set(schema.required ?? []);
  const columns = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    type: jsonSchemaType(property),
    description: property.description || undefined,
    describedIn: undefined,
    tests: jsonSchemaTests(name, property, required),
  }));
  const dataset = declaration?.schema ?? bronzeDataset;
  const name = declaration?.name ?? source;
  return {
    layer: "bronze",
    dataset,
    name,
    key: `${dataset}.${name}`,
    kind: "records",
    description: declaration?.description ?? schema.description,
    tags: [source],
    columnsKnown: true,
    columns,
    tests: [
      "no other fields (additionalProperties: false)",
      `schema_version ${RECORD_SCHEMAS[source].version}`,
    ],
    assertions: [],
    unitTests: [],
    dependsOn: [],
    definedIn: `schemas/${RECORD_SCHEMAS[source].file}`,
  };
}

/** Column names a SQL condition mentions, among `columns`. */
function columnsIn(condition: string, columns: ReadonlySet<string>): string[] {
  const words = new Set(condition.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  return [...words].filter((w) => columns.has(w));
}

/**
 * The description of `column` in the nearest table on the same lineage path: first the tables
 * `start` is built from (breadth first, bronze record schemas included), then the tables built from
 * it. Returns the description with the table it came from.
 */
function inheritedDescription(
  column: string,
  start: ProjectAction,
  project: DataformProject,
  bronze: ReadonlyMap<string, CatalogTable>,
): { description: string; from: string } | undefined {
  const downstream = (key: string) =>
    project.actions.filter((a) => a.kind !== "assertion" && a.dependencies.includes(key)).map((a) => a.key);
  const upstream = (key: string) => project.byKey.get(key)?.dependencies ?? [];
  for (const next of [upstream, downstream]) {
    const seen = new Set<string>([start.key]);
    let frontier = next(start.key);
    while (frontier.length > 0) {
      const following: string[] = [];
      for (const key of frontier) {
        if (seen.has(key)) continue;
        seen.add(key);
        const own = project.byKey.get(key)?.columns[column];
        if (own) return { description: own, from: key };
        const record = bronze.get(key)?.columns.find((c) => c.name === column)?.description;
        if (record) return { description: record, from: key };
        following.push(...next(key));
      }
      frontier = following;
    }
  }
  return undefined;
}

function dataformTable(
  action: ProjectAction,
  layer: Layer,
  project: DataformProject,
  columnsByTable: ReadonlyMap<string, WarehouseColumn[]>,
  bronze: ReadonlyMap<string, CatalogTable>,
): CatalogTable {
  const physical = columnsByTable.get(action.key);
  const builtIn = project.actions.filter((a) => a.kind === "assertion" && a.parent === action.key);
  const names = new Set((physical ?? []).map((c) => c.column));
  const columnTests = new Map<string, string[]>();
  const tableTests: string[] = [];
  const addColumnTest = (column: string, test: string) =>
    columnTests.set(column, [...(columnTests.get(column) ?? []), test]);
  for (const assertion of builtIn) {
    for (const check of assertion.checks) {
      const notNull = /^([A-Za-z_][A-Za-z0-9_]*) IS NOT NULL$/.exec(check);
      const unique = /^unique \(([A-Za-z0-9_]+)\)$/.exec(check);
      const mentioned = columnsIn(check, names);
      if (notNull?.[1] && names.has(notNull[1])) addColumnTest(notNull[1], "not null");
      else if (unique?.[1] && names.has(unique[1])) addColumnTest(unique[1], "unique");
      else if (mentioned.length === 1 && mentioned[0]) addColumnTest(mentioned[0], check);
      else tableTests.push(check);
    }
  }
  const columns: CatalogColumn[] = (physical ?? []).map((c) => {
    const own = action.columns[c.column];
    const inherited = own ? undefined : inheritedDescription(c.column, action, project, bronze);
    return {
      name: c.column,
      type: bigQueryType(c.type),
      description: own ?? inherited?.description,
      describedIn: inherited?.from,
      tests: columnTests.get(c.column) ?? [],
    };
  });
  return {
    layer,
    dataset: action.schema,
    name: action.name,
    key: action.key,
    kind: action.kind,
    description: action.description,
    tags: action.tags,
    columnsKnown: physical !== undefined,
    columns,
    tests: tableTests,
    assertions: project.actions
      .filter((a) => a.assertionKind === "custom" && a.dependencies.includes(action.key))
      .map((a) => a.name),
    unitTests: project.actions.filter((a) => a.kind === "test" && a.tested === action.key).map((a) => a.name),
    dependsOn: action.dependencies,
    definedIn: action.fileName ? `dataform/${action.fileName}` : undefined,
  };
}

/** Builds the catalog from the compiled project and the warehouse's columns. */
export function buildCatalog(
  project: DataformProject,
  warehouseColumns: readonly WarehouseColumn[],
  options: CatalogOptions,
): Catalog {
  const bronzeDataset = options.bronzeDataset ?? "winter_days_bronze";
  const columnsByTable = new Map<string, WarehouseColumn[]>();
  for (const c of warehouseColumns) {
    const key = `${c.dataset}.${c.table}`;
    columnsByTable.set(key, [...(columnsByTable.get(key) ?? []), c]);
  }
  const declarations = project.actions.filter((a) => a.kind === "declaration");
  const bronzeTables = SOURCES.map((source) =>
    bronzeTable(
      source,
      declarations.find((d) => d.name === source),
      bronzeDataset,
    ),
  );
  const bronze = new Map(bronzeTables.map((t) => [t.key, t]));
  const built = project.actions.filter((a) => ["table", "view", "incremental", "operation"].includes(a.kind));
  const byName = (a: CatalogTable, b: CatalogTable) => a.name.localeCompare(b.name);
  const silver = built
    .filter((a) => a.schema === options.stagingDataset)
    .map((a) => dataformTable(a, "silver", project, columnsByTable, bronze))
    .sort(byName);
  const gold = built
    .filter((a) => a.schema === options.warehouseDataset)
    .map((a) => dataformTable(a, "gold", project, columnsByTable, bronze))
    .sort(byName);
  // Tables in the warehouse that no Dataform action defines (written by a hop) belong in the
  // catalog too; without a definition they have no descriptions, which the coverage check reports.
  const defined = new Set(project.actions.map((a) => a.key));
  for (const [key, columns] of columnsByTable) {
    const [dataset = "", name = ""] = key.split(".");
    const target =
      dataset === options.stagingDataset ? silver : dataset === options.warehouseDataset ? gold : undefined;
    if (!target || defined.has(key)) continue;
    target.push({
      layer: target === silver ? "silver" : "gold",
      dataset,
      name,
      key,
      kind: "table (not in Dataform)",
      description: undefined,
      tags: [],
      columnsKnown: true,
      columns: columns.map((c) => ({
        name: c.column,
        type: bigQueryType(c.type),
        description: undefined,
        describedIn: undefined,
        tests: [],
      })),
      tests: [],
      assertions: [],
      unitTests: [],
      dependsOn: [],
      definedIn: undefined,
    });
  }
  silver.sort(byName);
  gold.sort(byName);
  const layer = (l: Layer, tables: CatalogTable[]) => ({ layer: l, ...LAYER_TITLES[l], tables });
  return {
    layers: [layer("bronze", bronzeTables), layer("silver", silver), layer("gold", gold)],
    assertions: project.actions
      .filter((a) => a.kind === "assertion")
      .map((a) => ({
        name: a.name,
        kind: a.assertionKind ?? "custom",
        parent: a.parent,
        description: a.description,
        checks: a.checks,
        reads: a.dependencies,
        tags: a.tags,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    otherSources: declarations
      .filter((d) => !bronze.has(d.key))
      .map((d) => ({ key: d.key, description: d.description })),
  };
}

/** Every column without a description, as `dataset.table.column`, and tables whose columns are unknown. */
export function undocumentedColumns(catalog: Catalog): string[] {
  const missing: string[] = [];
  for (const { tables } of catalog.layers) {
    for (const table of tables) {
      if (!table.description) missing.push(`${table.key} (the table itself)`);
      for (const column of table.columns)
        if (!column.description) missing.push(`${table.key}.${column.name}`);
    }
  }
  return missing;
}

/** Tables the catalog could not read columns for (not built yet). */
export function tablesWithoutColumns(catalog: Catalog): string[] {
  return catalog.layers.flatMap((l) => l.tables.filter((t) => !t.columnsKnown).map((t) => t.key));
}

/** The columns of every table in `datasets`, in column order (DuckDB's information_schema). */
export async function readWarehouseColumns(
  warehouse: Warehouse,
  datasets: string[],
): Promise<WarehouseColumn[]> {
  if (warehouse.dialect !== "duckdb") {
    throw new Error(`the catalog reads the offline DuckDB warehouse, not ${warehouse.dialect}`);
  }
  for (const dataset of datasets) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dataset))
      throw new Error(`${JSON.stringify(dataset)} is not a dataset name`);
  }
  return await warehouse.query<{ dataset: string; table: string; column: string; type: string }>(
    `SELECT table_schema AS dataset, table_name AS "table", column_name AS "column", data_type AS type
     FROM information_schema.columns
     WHERE table_schema IN (${datasets.map((d) => `'${d}'`).join(", ")})
     ORDER BY table_schema, table_name, ordinal_position`,
  );
}
