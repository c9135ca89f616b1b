import type { Row, Warehouse } from "../../lib/ports/warehouse.ts";

/**
 * Reads of the offline (DuckDB) warehouse for the report. Every read names its tables; a table
 * that does not exist yet reads as `undefined` ("not yet"), never as an error.
 */
export class WarehouseReads {
  readonly #warehouse: Warehouse;
  readonly #existing = new Map<string, boolean>();

  constructor(warehouse: Warehouse) {
    if (warehouse.dialect !== "duckdb") {
      throw new Error(`the report reads the offline DuckDB warehouse, not ${warehouse.dialect}`);
    }
    this.#warehouse = warehouse;
  }

  /** True when every `dataset.table` exists. */
  async exist(...tables: string[]): Promise<boolean> {
    for (const key of tables) {
      let known = this.#existing.get(key);
      if (known === undefined) {
        const [dataset = "", table = ""] = key.split(".");
        known = await this.#warehouse.tableExists({ dataset, table });
        this.#existing.set(key, known);
      }
      if (!known) return false;
    }
    return true;
  }

  /** Runs `sql` when every table it needs exists; `undefined` otherwise. */
  async rows<T extends Row>(
    tables: string[],
    sql: string,
    params?: Record<string, unknown>,
  ): Promise<T[] | undefined> {
    if (!(await this.exist(...tables))) return undefined;
    return await this.#warehouse.query<T>(sql, params);
  }

  /** A single count, or `undefined` when a table is missing. */
  async count(tables: string[], sql: string, params?: Record<string, unknown>): Promise<number | undefined> {
    const rows = await this.rows<{ n: number | string | null }>(tables, sql, params);
    if (!rows) return undefined;
    return Number(rows[0]?.n ?? 0);
  }
}

/** `"dataset"."table"` for SQL, from a `dataset.table` key made of plain identifiers. */
export function relation(key: string): string {
  const parts = key.split(".");
  if (parts.length !== 2 || !parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new Error(`${JSON.stringify(key)} is not a dataset.table name`);
  }
  return parts.map((p) => `"${p}"`).join(".");
}
