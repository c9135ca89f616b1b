/**
 * The BigQuery schemas of the bronze external tables (terraform/dataform_sources.tf), derived from the
 * record schemas in schemas/records/ and checked in beside this file as `<source>.schema.json`, so
 * that terraform reads plain JSON and a reviewer sees every column. test/terraform fails when a file
 * is stale; regenerate with `node terraform/bronze/schemas.ts`.
 *
 * Types follow docs/decisions/0002-dataform-sources.md and the offline views of
 * lib/adapters/local/dataform/bronze.ts: INT64 for integers, FLOAT64 for numbers, STRING for the rest
 * of a JSONL record (dates and timestamps included, so a malformed value becomes a staging reject
 * instead of a failed read). Parquet is typed by the export hop, which writes date-times as
 * TIMESTAMP and dates as DATE; the external table must say the same. batch_date comes from the
 * hive partition path, never from the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RECORD_SCHEMAS, SOURCES, type Source } from "../../lib/contracts/records.ts";
import { schemasDir } from "../../lib/contracts/schema-files.ts";

export type BronzeFormat = "PARQUET" | "NEWLINE_DELIMITED_JSON";

/** How each source lands in the lake. */
export const BRONZE_FORMATS: Readonly<Record<Source, BronzeFormat>> = {
  sales: "PARQUET",
  clickstream: "NEWLINE_DELIMITED_JSON",
  startups: "NEWLINE_DELIMITED_JSON",
};

/** The hive partition key in the object path (`<source>/batch_date=YYYY-MM-DD/`). */
export const PARTITION_KEY = "batch_date";

export interface BigQueryField {
  name: string;
  type: "STRING" | "INT64" | "FLOAT64" | "TIMESTAMP" | "DATE";
  mode: "NULLABLE";
  description?: string;
}

interface JsonSchemaProperty {
  type?: string | string[];
  format?: string;
  description?: string;
}

export const bronzeDir = fileURLToPath(new URL("./", import.meta.url));

/** Where the schema of `source`'s external table is checked in. */
export function schemaFile(source: Source): string {
  return path.join(bronzeDir, `${source}.schema.json`);
}

function fieldType(property: JsonSchemaProperty, format: BronzeFormat): BigQueryField["type"] {
  const types = Array.isArray(property.type) ? property.type : [property.type];
  if (types.includes("integer")) return "INT64";
  if (types.includes("number")) return "FLOAT64";
  if (format === "PARQUET" && property.format === "date-time") return "TIMESTAMP";
  if (format === "PARQUET" && property.format === "date") return "DATE";
  return "STRING";
}

/**
 * The external table's columns: every record field but the partition key, in the record schema's
 * order, all NULLABLE (a missing value is a staging reject, not a failed read).
 */
export function bronzeTableSchema(source: Source): BigQueryField[] {
  const schema = JSON.parse(readFileSync(path.join(schemasDir, RECORD_SCHEMAS[source].file), "utf8")) as {
    properties: Record<string, JsonSchemaProperty>;
  };
  return Object.entries(schema.properties)
    .filter(([name]) => name !== PARTITION_KEY)
    .map(([name, property]) => ({
      name,
      type: fieldType(property, BRONZE_FORMATS[source]),
      mode: "NULLABLE",
      ...(property.description ? { description: property.description } : {}),
    }));
}

/** The checked-in file's text for `source`. */
export function renderSchema(source: Source): string {
  return `${JSON.stringify(bronzeTableSchema(source), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const source of SOURCES) {
    writeFileSync(schemaFile(source), renderSchema(source));
    process.stdout.write(`${path.relative(process.cwd(), schemaFile(source))}\n`);
  }
}
