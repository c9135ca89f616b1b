import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { RECORD_SCHEMAS, type Source } from "../../../contracts/records.ts";
import { schemasDir } from "../../../contracts/schema-files.ts";
import { quoteIdentifier, type TransactionalWarehouse } from "../warehouse.ts";

/**
 * The offline stand-in for what deployment creates around the Dataform project
 * (docs/decisions/0002-dataform-sources.md): the bronze external tables, hive-partitioned on
 * batch_date over the lake's files, and the one-row PII hash key table. In BigQuery terraform
 * creates them; here they are DuckDB views over the local lake folder and a small table.
 *
 * Column types come from the record schemas, as terraform's do: strings (dates and timestamps
 * included, so a malformed value becomes a staging reject instead of failing the read), BIGINT
 * for integers, DOUBLE for numbers. `batch_date` comes from the path, not the file.
 */

interface BronzeSource {
  source: Source;
  format: "PARQUET" | "NEWLINE_DELIMITED_JSON";
  extension: string;
}

const BRONZE_SOURCES: readonly BronzeSource[] = [
  { source: "sales", format: "PARQUET", extension: "parquet" },
  { source: "clickstream", format: "NEWLINE_DELIMITED_JSON", extension: "jsonl" },
  { source: "startups", format: "NEWLINE_DELIMITED_JSON", extension: "jsonl" },
];

interface JsonSchemaProperty {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
}

/** Bronze column name and DuckDB type of each record field except batch_date (the partition key). */
export function bronzeColumns(source: Source): Array<{ name: string; type: string }> {
  const file = path.join(schemasDir, RECORD_SCHEMAS[source].file);
  const schema = JSON.parse(readFileSync(file, "utf8")) as { properties: Record<string, JsonSchemaProperty> };
  return Object.entries(schema.properties)
    .filter(([name]) => name !== "batch_date")
    .map(([name, property]) => {
      const types = Array.isArray(property.type) ? property.type : [property.type];
      const type = types.includes("integer") ? "BIGINT" : types.includes("number") ? "DOUBLE" : "VARCHAR";
      return { name, type };
    });
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function hasFiles(sourceDir: string, extension: string): boolean {
  if (!existsSync(sourceDir)) return false;
  return readdirSync(sourceDir, { withFileTypes: true }).some(
    (partition) =>
      partition.isDirectory() &&
      partition.name.startsWith("batch_date=") &&
      readdirSync(path.join(sourceDir, partition.name)).some((name) => name.endsWith(`.${extension}`)),
  );
}

function viewSql(lakeRoot: string, source: BronzeSource): string {
  const columns = bronzeColumns(source.source);
  const sourceDir = path.join(lakeRoot, source.source);
  if (!hasFiles(sourceDir, source.extension)) {
    // Nothing landed yet (startups are weekly): an empty relation of the same shape, not a read error.
    const nulls = columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`);
    return `SELECT ${nulls.join(", ")}, CAST(NULL AS DATE) AS batch_date WHERE FALSE`;
  }
  const glob = sqlString(path.join(sourceDir, "batch_date=*", `*.${source.extension}`));
  const hive = "hive_partitioning = true, hive_types = {'batch_date': 'DATE'}";
  if (source.format === "PARQUET") {
    const casts = columns.map(
      (c) => `TRY_CAST(${quoteIdentifier(c.name)} AS ${c.type}) AS ${quoteIdentifier(c.name)}`,
    );
    return `SELECT ${casts.join(", ")}, batch_date FROM read_parquet(${glob}, ${hive}, union_by_name = true)`;
  }
  const declared = columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ");
  const names = columns.map((c) => quoteIdentifier(c.name));
  // ignore_errors: a line that is not JSON, or whose value does not fit its column, reads as NULLs
  // instead of failing the whole read, so staging rejects it with a reason and bronze = silver + rejects.
  return `SELECT ${names.join(", ")}, batch_date FROM read_json(${glob}, format = 'newline_delimited', columns = {${declared}}, ignore_errors = true, ${hive})`;
}

export interface LocalEnvironment {
  /** Local folder standing in for gs://<lake bucket> (`<dataDir>/objects/<bucket>`). */
  lakeRoot: string;
  piiHashKey: string;
  /** Dataset of the bronze external tables; defaults to the compiled var bronze_dataset. */
  bronzeDataset?: string;
  /** `dataset.table` of the PII hash key; defaults to the compiled var pii_hash_key_ref. */
  piiHashKeyRef?: string;
}

/**
 * Creates or refreshes the bronze relations and the key table; safe to repeat before every run.
 * `vars` are the compiled project's vars, which name the datasets unless the environment does.
 */
export async function prepareLocalEnvironment(
  warehouse: TransactionalWarehouse,
  environment: LocalEnvironment,
  vars: Record<string, string> = {},
): Promise<void> {
  const bronzeDataset = environment.bronzeDataset ?? vars.bronze_dataset;
  const keyRef = environment.piiHashKeyRef ?? vars.pii_hash_key_ref ?? "";
  const [keyDataset, keyTable, extra] = keyRef.split(".");
  if (!bronzeDataset)
    throw new Error("no bronze dataset: set var bronze_dataset in dataform/workflow_settings.yaml");
  if (!keyDataset || !keyTable || extra !== undefined) {
    throw new Error(`pii_hash_key_ref ${JSON.stringify(keyRef)} is not dataset.table`);
  }
  await warehouse.ensureDataset(bronzeDataset);
  await warehouse.ensureDataset(keyDataset);
  await warehouse.transaction(async (query) => {
    for (const source of BRONZE_SOURCES) {
      const view = `${quoteIdentifier(bronzeDataset)}.${quoteIdentifier(source.source)}`;
      await query(`CREATE OR REPLACE VIEW ${view} AS ${viewSql(environment.lakeRoot, source)}`);
    }
    await query(
      `CREATE OR REPLACE TABLE ${quoteIdentifier(keyDataset)}.${quoteIdentifier(keyTable)} AS SELECT CAST($key AS VARCHAR) AS hash_key`,
      { key: environment.piiHashKey },
    );
  });
}
