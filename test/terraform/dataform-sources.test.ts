// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the expected values are terraform expressions, not JS templates.
/**
 * What the Dataform project reads and deployment creates (docs/decisions/0002-dataform-sources.md):
 * the bronze external tables over the lake and the PII hash key table, under the names the project
 * declares, with the record schemas' columns, readable by the Dataform execution account.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { SALES_PARQUET_COLUMNS } from "../../functions/export/sales-parquet.ts";
import { bronzeColumns } from "../../lib/adapters/local/dataform/bronze.ts";
import { SOURCES } from "../../lib/contracts/records.ts";
import type { ParquetKind } from "../../lib/parquet.ts";
import {
  type BigQueryField,
  BRONZE_FORMATS,
  bronzeTableSchema,
  renderSchema,
  schemaFile,
} from "../../terraform/bronze/schemas.ts";
import {
  type Body,
  block,
  blocks,
  loadModule,
  repoRoot,
  resource,
  strings,
  type TerraformModule,
  terraformDir,
} from "./config.ts";

let root: TerraformModule;

beforeAll(async () => {
  root = await loadModule(terraformDir);
});

/** The vars of dataform/workflow_settings.yaml: the names the project reads its sources under. */
function dataformVars(): Record<string, string> {
  const settings = parseYaml(readFileSync(join(repoRoot, "dataform", "workflow_settings.yaml"), "utf8")) as {
    vars: Record<string, string>;
  };
  return settings.vars;
}

/** The DuckDB types of the offline bronze views, as the BigQuery types the external tables use. */
const FROM_DUCKDB: Record<string, BigQueryField["type"]> = {
  VARCHAR: "STRING",
  BIGINT: "INT64",
  DOUBLE: "FLOAT64",
};

/** The Parquet column kinds the export hop writes, as BigQuery reads them. */
const FROM_PARQUET: Record<ParquetKind, BigQueryField["type"]> = {
  string: "STRING",
  int32: "INT64",
  double: "FLOAT64",
  timestamp: "TIMESTAMP",
  date: "DATE",
};

describe("the bronze external tables", () => {
  it("live in the dataset the Dataform project declares them in", () => {
    expect(root.locals.bronze_dataset).toBe(dataformVars().bronze_dataset);
    expect(resource(root, "google_bigquery_dataset", "bronze").dataset_id).toBe("${local.bronze_dataset}");
    for (const source of SOURCES) {
      const declaration = readFileSync(
        join(repoRoot, "dataform", "definitions", "sources", `${source}.js`),
        "utf8",
      );
      expect(declaration).toContain("schema: dataform.projectConfig.vars.bronze_dataset");
      expect(declaration).toContain(`name: "${source}"`);
    }
  });

  it("are one per source, over its files in the lake, hive-partitioned on batch_date", () => {
    const tables = root.locals.bronze_tables as Record<string, Body>;
    expect(Object.keys(tables).sort()).toEqual([...SOURCES].sort());
    for (const source of SOURCES) {
      expect(tables[source]?.format, source).toBe(BRONZE_FORMATS[source]);
      expect(tables[source]?.extension, source).toBe(
        BRONZE_FORMATS[source] === "PARQUET" ? "parquet" : "jsonl",
      );
      expect(String(tables[source]?.description), source).toContain(`schemas/records/`);
    }
    const table = resource(root, "google_bigquery_table", "bronze");
    expect(table.for_each).toBe("${local.bronze_tables}");
    expect(table.dataset_id).toBe("${google_bigquery_dataset.bronze.dataset_id}");
    expect(table.table_id).toBe("${each.key}");
    const external = block(table, "external_data_configuration");
    expect(external).toMatchObject({
      source_format: "${each.value.format}",
      autodetect: false,
      schema: '${file("${path.module}/bronze/${each.key}.schema.json")}',
      source_uris: ["gs://${google_storage_bucket.lake.name}/${each.key}/*.${each.value.extension}"],
      ignore_unknown_values: '${each.value.format == "NEWLINE_DELIMITED_JSON"}',
    });
    expect(block(external, "hive_partitioning_options")).toMatchObject({
      mode: "CUSTOM",
      source_uri_prefix: "gs://${google_storage_bucket.lake.name}/${each.key}/{batch_date:DATE}",
      // Incremental staging tables read all of bronze on their first run.
      require_partition_filter: false,
    });
  });

  it("have the record schemas' columns, checked in as generated (node terraform/bronze/schemas.ts)", () => {
    for (const source of SOURCES) {
      expect(
        readFileSync(schemaFile(source), "utf8"),
        `terraform/bronze/${source}.schema.json is stale`,
      ).toBe(renderSchema(source));
      const fields = bronzeTableSchema(source);
      expect(fields.map((f) => f.name)).not.toContain("batch_date");
      expect(fields.every((f) => f.mode === "NULLABLE" && (f.description ?? "").length > 0)).toBe(true);
      // The same columns as the offline views the local runner reads.
      expect(
        fields.map((f) => f.name),
        source,
      ).toEqual(bronzeColumns(source).map((c) => c.name));
    }
  });

  it("read JSONL values as the offline views do, and Parquet as the export hop types it", () => {
    for (const source of SOURCES.filter((s) => BRONZE_FORMATS[s] === "NEWLINE_DELIMITED_JSON")) {
      expect(
        bronzeTableSchema(source).map((f) => `${f.name} ${f.type}`),
        source,
      ).toEqual(bronzeColumns(source).map((c) => `${c.name} ${FROM_DUCKDB[c.type]}`));
    }
    expect(BRONZE_FORMATS.sales).toBe("PARQUET");
    expect(bronzeTableSchema("sales").map((f) => `${f.name} ${f.type}`)).toEqual(
      SALES_PARQUET_COLUMNS.map((c) => `${c.name} ${FROM_PARQUET[c.kind]}`),
    );
    expect(bronzeTableSchema("sales").find((f) => f.name === "sold_at")?.type).toBe("TIMESTAMP");
  });

  it("are read by the Dataform execution account, which cannot change them", () => {
    const grant = resource(root, "google_bigquery_dataset_iam_member", "dataform_bronze");
    expect(grant).toMatchObject({
      dataset_id: "${google_bigquery_dataset.bronze.dataset_id}",
      role: "roles/bigquery.dataViewer",
      member: "${google_service_account.dataform.member}",
    });
    expect(resource(root, "google_storage_bucket_iam_member", "dataform_lake")).toMatchObject({
      role: "roles/storage.objectViewer",
      member: "${google_service_account.dataform.member}",
    });
    const onBronze = Object.entries(root.resources.google_bigquery_dataset_iam_member ?? {}).filter(
      ([, body]) => String(body.dataset_id).includes("google_bigquery_dataset.bronze"),
    );
    expect(onBronze.map(([name]) => name)).toEqual(["dataform_bronze"]);
  });
});

describe("the PII hash key table", () => {
  it("is the table the Dataform project reads the key from: dataset.table of var pii_hash_key_ref, column hash_key", () => {
    const table = resource(root, "google_bigquery_table", "pii_hash_key");
    expect(`${root.locals.secure_dataset}.${table.table_id}`).toBe(dataformVars().pii_hash_key_ref);
    expect(table.dataset_id).toBe("${google_bigquery_dataset.secure.dataset_id}");
    expect(resource(root, "google_bigquery_dataset", "secure").dataset_id).toBe("${local.secure_dataset}");
    const schema = String(table.schema);
    expect([...schema.matchAll(/name\s*=\s*"(\w+)"/g)].map((m) => m[1])).toEqual(["hash_key"]);
    expect(schema).toMatch(/type\s*=\s*"STRING"/);
    expect(schema).toMatch(/mode\s*=\s*"REQUIRED"/);
    expect(readFileSync(join(repoRoot, "dataform", "includes", "pii.js"), "utf8")).toContain(
      "pii_key.hash_key",
    );
  });

  it("is readable by the Dataform execution account alone: the dataset's access list replaces BigQuery's defaults", () => {
    const dataset = resource(root, "google_bigquery_dataset", "secure");
    expect(blocks(dataset, "access")).toEqual([
      { role: "OWNER", special_group: "projectOwners" },
      { role: "READER", user_by_email: "${google_service_account.dataform.email}" },
    ]);
    // IAM members on the dataset or table would bypass (and fight) the authoritative access list.
    const iam = Object.entries(root.resources).filter(
      ([type]) =>
        type.startsWith("google_bigquery_dataset_iam") || type.startsWith("google_bigquery_table_iam"),
    );
    const touching = iam.flatMap(([type, named]) =>
      Object.entries(named)
        .filter(([, body]) =>
          strings(body).some((s) => /google_bigquery_(dataset\.secure|table\.pii_hash_key)/.test(s)),
        )
        .map(([name]) => `${type}.${name}`),
    );
    expect(touching).toEqual([]);
  });

  it("is never filled by terraform, which would keep the key in its state", () => {
    const everything =
      JSON.stringify(root.resources) + JSON.stringify(root.data) + JSON.stringify(root.locals);
    expect(everything).not.toMatch(/google_secret_manager_secret_version|google_bigquery_job/);
    expect(root.outputs.pii_hash_key_table?.value).toBe(
      "${google_bigquery_table.pii_hash_key.dataset_id}.${google_bigquery_table.pii_hash_key.table_id}",
    );
  });
});
