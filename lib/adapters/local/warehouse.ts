import {
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  JSDuckDBValueConverter,
} from "@duckdb/node-api";
import { PermanentError } from "../../errors.ts";
import type { FileFormat, Row, TableRef, Warehouse } from "../../ports/warehouse.ts";

/** Runs SQL inside an open transaction; the same signature as Warehouse.query. */
export type TransactionQuery = <T extends Row = Row>(
  sql: string,
  params?: Record<string, unknown>,
) => Promise<T[]>;

/** A warehouse that can run several statements atomically (the local Dataform runner needs it). */
export interface TransactionalWarehouse extends Warehouse {
  transaction<T>(work: (query: TransactionQuery) => Promise<T>): Promise<T>;
}

export interface DuckDbWarehouseOptions {
  /** Database file, `<dataDir>/warehouse.duckdb`; ":memory:" for a throwaway one. */
  path: string;
  /** Maps `gs://bucket/name` to the local file that stands in for it, so bronze files are read in place. */
  resolveObjectPath(uri: string): string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

/** A dataset, table or column name checked before it is spliced into SQL. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new PermanentError(
      "invalid-identifier",
      `${JSON.stringify(name)} is not a valid dataset, table or column name`,
    );
  }
  return `"${name}"`;
}

function tableName(table: TableRef): string {
  return `${quoteIdentifier(table.dataset)}.${quoteIdentifier(table.table)}`;
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * DuckDB values as plain JavaScript: integers as numbers while they are safe (counts come back as
 * BIGINT), DATE as `YYYY-MM-DD` (what BigQuery's client gives for a DATE), timestamps as Date,
 * DECIMAL as number.
 */
const toJs: DuckDBValueConverter<unknown> = (value, type: DuckDBType, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT: {
      const big = value as bigint;
      return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
        ? Number(big)
        : String(big);
    }
    case DuckDBTypeId.DATE:
      return value instanceof DuckDBDateValue ? value.toString() : String(value);
    default:
      return JSDuckDBValueConverter(
        value,
        type,
        converter as unknown as Parameters<typeof JSDuckDBValueConverter>[2],
      );
  }
};

function toDuckDbParams(
  params: Record<string, unknown> | undefined,
): Record<string, DuckDBValue> | undefined {
  if (!params) return undefined;
  const converted: Record<string, DuckDBValue> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) converted[key] = null;
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      converted[key] = value;
    else if (typeof value === "bigint") converted[key] = value;
    else if (value instanceof Date) converted[key] = value.toISOString();
    else converted[key] = JSON.stringify(value);
  }
  return converted;
}

/**
 * The warehouse port on an embedded DuckDB file. Datasets are schemas; BigQuery's TIMESTAMP is
 * TIMESTAMPTZ with the session in UTC, so DATE(ts) means the same day in both engines. Statements
 * run one at a time on one connection, so a transaction is never interleaved with another caller.
 * Query parameters are DuckDB's named parameters (`$name`).
 */
export class DuckDbWarehouse implements TransactionalWarehouse {
  readonly dialect = "duckdb" as const;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #resolveObjectPath: (uri: string) => string;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    options: DuckDbWarehouseOptions,
  ) {
    this.#instance = instance;
    this.#connection = connection;
    this.#resolveObjectPath = options.resolveObjectPath;
  }

  /** Opens (creating when missing) the database file. */
  static async open(options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
    const instance = await DuckDBInstance.create(options.path);
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbWarehouse(instance, connection, options);
  }

  /** Serialises work on the one connection. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("the DuckDB warehouse is closed"));
    const result = this.#tail.then(work, work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #run<T extends Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    const reader = await this.#connection.runAndReadAll(sql, toDuckDbParams(params));
    return reader.convertRowObjects(toJs) as T[];
  }

  query<T extends Row = Row>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    return this.#exclusive(() => this.#run<T>(sql, params));
  }

  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (query: TransactionQuery) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#connection.run("BEGIN TRANSACTION");
      try {
        const result = await work((sql, params) => this.#run(sql, params));
        await this.#connection.run("COMMIT");
        return result;
      } catch (error) {
        await this.#connection.run("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  }

  async ensureDataset(dataset: string): Promise<void> {
    await this.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(dataset)}`);
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const rows = await this.query<{ found: number }>(
      "SELECT COUNT(*) AS found FROM information_schema.tables WHERE table_schema = $dataset AND table_name = $table",
      { dataset: table.dataset, table: table.table },
    );
    return (rows[0]?.found ?? 0) > 0;
  }

  #reader(uris: string[], format: FileFormat): string {
    if (uris.length === 0) throw new PermanentError("missing-object", "no files to load");
    const files = `[${uris.map((uri) => sqlString(this.#resolveObjectPath(uri))).join(", ")}]`;
    return format === "PARQUET"
      ? `read_parquet(${files}, union_by_name = true)`
      : `read_json(${files}, format = 'newline_delimited', union_by_name = true)`;
  }

  /**
   * Replaces the partition with the files' rows in one transaction, like a BigQuery load with
   * WRITE_TRUNCATE on `table$YYYYMMDD`: rows belonging to another partition are refused, and files
   * without the partition column get it set to the partition's value.
   */
  async replacePartitionFromFiles(
    table: TableRef,
    partitionColumn: string,
    partitionValue: string,
    uris: string[],
    format: FileFormat,
  ): Promise<number> {
    const target = tableName(table);
    const column = quoteIdentifier(partitionColumn);
    const reader = this.#reader(uris, format);
    await this.ensureDataset(table.dataset);
    return this.transaction(async (query) => {
      const columns = await query<{ column_name: string }>(
        `SELECT column_name FROM (DESCRIBE SELECT * FROM ${reader})`,
      );
      const hasPartitionColumn = columns.some((c) => c.column_name === partitionColumn);
      const source = hasPartitionColumn
        ? `SELECT * FROM ${reader}`
        : `SELECT *, CAST($partition AS DATE) AS ${column} FROM ${reader}`;
      await query(
        `CREATE TABLE IF NOT EXISTS ${target} AS ${source} LIMIT 0`,
        hasPartitionColumn ? undefined : { partition: partitionValue },
      );
      const strays = await query<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (${source}) WHERE CAST(${column} AS VARCHAR) IS DISTINCT FROM $partition`,
        { partition: partitionValue },
      );
      const strayCount = strays[0]?.n ?? 0;
      if (strayCount > 0) {
        throw new PermanentError(
          "schema-violation",
          `${strayCount} row(s) of ${uris.join(", ")} do not belong to partition ${partitionColumn}=${partitionValue} of ${table.dataset}.${table.table}`,
        );
      }
      await query(`DELETE FROM ${target} WHERE CAST(${column} AS VARCHAR) = $partition`, {
        partition: partitionValue,
      });
      const inserted = await query<{ Count: number }>(
        `INSERT INTO ${target} BY NAME ${source}`,
        hasPartitionColumn ? undefined : { partition: partitionValue },
      );
      return inserted[0]?.Count ?? 0;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    this.#closed = true;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}
