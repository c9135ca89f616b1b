import type { BigQuery, Query } from "@google-cloud/bigquery";
import { PermanentError } from "../../errors.ts";
import type { FileFormat, Row, TableRef, Warehouse } from "../../ports/warehouse.ts";

export interface BigQueryWarehouseOptions {
  project: string;
  /** Dataset and job location, e.g. EU (config.bigqueryLocation). */
  location: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new PermanentError(
      "invalid-identifier",
      `${JSON.stringify(name)} is not a valid dataset, table or column name`,
    );
  }
  return name;
}

/** `table$YYYYMMDD`: the decorator that addresses one day partition. */
export function partitionDecorator(table: string, day: string): string {
  const match = DAY.exec(day);
  if (!match)
    throw new PermanentError(
      "invalid-identifier",
      `partition value ${JSON.stringify(day)} is not YYYY-MM-DD`,
    );
  return `${checkIdentifier(table)}$${match[1]}${match[2]}${match[3]}`;
}

/** The load-job configuration that replaces one day partition with the files' rows. */
export function partitionLoadConfiguration(
  project: string,
  table: TableRef,
  partitionColumn: string,
  partitionValue: string,
  uris: string[],
  format: FileFormat,
): Record<string, unknown> {
  if (uris.length === 0) throw new PermanentError("missing-object", "no files to load");
  for (const uri of uris) {
    if (!uri.startsWith("gs://")) throw new PermanentError("missing-object", `${uri} is not a gs:// URI`);
  }
  return {
    sourceUris: uris,
    sourceFormat: format,
    destinationTable: {
      projectId: project,
      datasetId: checkIdentifier(table.dataset),
      tableId: partitionDecorator(table.table, partitionValue),
    },
    // Truncating a decorated destination replaces that partition only, atomically.
    writeDisposition: "WRITE_TRUNCATE",
    createDisposition: "CREATE_IF_NEEDED",
    timePartitioning: { type: "DAY", field: checkIdentifier(partitionColumn) },
    ...(format === "PARQUET" ? { parquetOptions: { enableListInference: true } } : {}),
  };
}

/** BigQuery's value wrappers (BigQueryDate, BigQueryTimestamp, Big numerics) as plain values. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  const constructorName = (value as { constructor?: { name?: string } }).constructor?.name;
  if (constructorName === "BigQueryTimestamp") return new Date(String((value as { value: string }).value));
  if (
    constructorName === "BigQueryDate" ||
    constructorName === "BigQueryDatetime" ||
    constructorName === "BigQueryTime"
  ) {
    return String((value as { value: string }).value);
  }
  if (constructorName === "Big") return Number(String(value));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

/**
 * The warehouse port on BigQuery. Queries are GoogleSQL with named parameters (`@name`);
 * partition replacement is a load job with WRITE_TRUNCATE on the `table$YYYYMMDD` decorator, so
 * a retried load replaces instead of appending.
 */
export class BigQueryWarehouse implements Warehouse {
  readonly dialect = "bigquery" as const;
  readonly #client: BigQuery;
  readonly #options: BigQueryWarehouseOptions;

  constructor(client: BigQuery, options: BigQueryWarehouseOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** The query job request `query` sends; exposed so its shape is tested offline. */
  queryRequest(sql: string, params?: Record<string, unknown>): Query {
    return {
      query: sql,
      location: this.#options.location,
      useLegacySql: false,
      ...(params ? { params } : {}),
    };
  }

  async query<T extends Row = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const [rows] = await this.#client.query(this.queryRequest(sql, params));
    return (rows as unknown[]).map((row) => plain(row) as T);
  }

  async ensureDataset(dataset: string): Promise<void> {
    await this.#client
      .dataset(checkIdentifier(dataset), { location: this.#options.location })
      .get({ autoCreate: true });
  }

  async replacePartitionFromFiles(
    table: TableRef,
    partitionColumn: string,
    partitionValue: string,
    uris: string[],
    format: FileFormat,
  ): Promise<number> {
    const load = partitionLoadConfiguration(
      this.#options.project,
      table,
      partitionColumn,
      partitionValue,
      uris,
      format,
    );
    const [job] = await this.#client.createJob({
      configuration: { load },
      location: this.#options.location,
    });
    const [metadata] = await job.promise().then(() => job.getMetadata());
    const statistics = (metadata as { statistics?: { load?: { outputRows?: string | number } } }).statistics
      ?.load;
    return Number(statistics?.outputRows ?? 0);
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const [exists] = await this.#client
      .dataset(checkIdentifier(table.dataset))
      .table(checkIdentifier(table.table))
      .exists();
    return exists;
  }

  async close(): Promise<void> {}
}
