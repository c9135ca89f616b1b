export interface TableRef {
  dataset: string;
  table: string;
}

export type FileFormat = "PARQUET" | "NEWLINE_DELIMITED_JSON";

export type Row = Record<string, unknown>;

/**
 * The warehouse port: BigQuery semantics, DuckDB offline. `query` takes the engine's own SQL, so
 * only code that knows its dialect (the Dataform runner, reports) calls it; hops use the typed
 * operations, which are idempotent.
 */
export interface Warehouse {
  readonly dialect: "bigquery" | "duckdb";
  query<T extends Row = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Creates the dataset (schema) when missing. */
  ensureDataset(dataset: string): Promise<void>;
  /** Replaces the rows of `partitionColumn = partitionValue` with the files' rows; returns rows loaded. */
  replacePartitionFromFiles(
    table: TableRef,
    partitionColumn: string,
    partitionValue: string,
    uris: string[],
    format: FileFormat,
  ): Promise<number>;
  tableExists(table: TableRef): Promise<boolean>;
  close(): Promise<void>;
}
