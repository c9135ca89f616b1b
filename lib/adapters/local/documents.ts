/**
 * The documents port on Node's built-in SQLite: one database file, one table per collection,
 * documents stored as JSON text. Queries follow Firestore's semantics (typed comparisons, ordering
 * across types, an implicit final order by document id, cursors over the order-by values).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { PermanentError, TransientError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import {
  DOCUMENT_ID,
  type DocumentData,
  type DocumentQuery,
  type DocumentSnapshot,
  type DocumentStore,
  type DocumentTransaction,
} from "../../ports/documents.ts";
import {
  applyFieldUpdates,
  checkCollection,
  checkDocumentId,
  checkUpdateFields,
  DocumentNotFound,
  mergeInto,
  parseFieldPath,
} from "../document-rules.ts";

export interface LocalDocumentStoreOptions {
  logger?: Logger;
  /** How often a transaction whose reads changed underneath it is rerun before giving up. */
  maxTransactionAttempts?: number;
}

type Scalar = string | number | boolean;
type Direction = "asc" | "desc";

interface OrderKey {
  field: string;
  direction: Direction;
}

type Write =
  | { kind: "set"; collection: string; id: string; data: DocumentData; merge: boolean }
  | { kind: "update"; collection: string; id: string; fields: DocumentData };

interface Read {
  collection: string;
  id: string;
  text: string | undefined;
}

/** Firestore orders values of different types: null < booleans < numbers < strings < arrays < maps. */
const TYPE_RANK_SQL = (path: string) =>
  `(CASE json_type(data, ${path}) WHEN 'null' THEN 0 WHEN 'false' THEN 1 WHEN 'true' THEN 1 ` +
  `WHEN 'integer' THEN 2 WHEN 'real' THEN 2 WHEN 'text' THEN 5 WHEN 'array' THEN 9 ELSE 10 END)`;

const JSON_TYPES_OF: Record<"string" | "number" | "boolean", string> = {
  string: "('text')",
  number: "('integer','real')",
  boolean: "('true','false')",
};

function rankOf(value: Scalar): number {
  if (typeof value === "boolean") return 1;
  if (typeof value === "number") return 2;
  return 5;
}

function kindOf(value: unknown, where: string): "string" | "number" | "boolean" {
  const kind = typeof value;
  if (kind === "string" || kind === "boolean" || (kind === "number" && Number.isFinite(value))) {
    return kind as "string" | "number" | "boolean";
  }
  throw new PermanentError("invalid-identifier", `${where}: unsupported value ${JSON.stringify(value)}`);
}

/** JSON booleans come out of json_extract as 0/1, so bound booleans must match that. */
function bindable(value: Scalar): SQLInputValue {
  return typeof value === "boolean" ? (value ? 1 : 0) : value;
}

/**
 * A SQL string literal with the JSON path of a dotted field path. Literal (not bound) so that an
 * expression index on the same text can serve the query.
 */
function jsonPathLiteral(field: string): string {
  const path = `$${parseFieldPath(field)
    .map((segment) => `."${segment}"`)
    .join("")}`;
  return `'${path.replaceAll("'", "''")}'`;
}

/** Table name for a collection: readable when the name is simple, hex otherwise, never colliding. */
function tableOf(collection: string): string {
  return /^[a-z0-9_]{1,64}$/.test(collection)
    ? `docs_${collection}`
    : `docsx_${Buffer.from(collection).toString("hex")}`;
}

const SET_MANY_ROWS_PER_STATEMENT = 100;

function upsertSql(table: string, rows: number): string {
  const values = Array.from({ length: rows }, () => "(?, ?)").join(", ");
  return `INSERT INTO "${table}" (id, data) VALUES ${values} ON CONFLICT(id) DO UPDATE SET data = excluded.data`;
}

const COMPARATORS = new Set(["==", "<", "<=", ">", ">="]);

function parseDocument(text: string): DocumentData {
  return JSON.parse(text) as DocumentData;
}

function serialise(collection: string, id: string, data: DocumentData): string {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new PermanentError("invalid-identifier", `${collection}/${id}: document data must be an object`);
  }
  return JSON.stringify(data);
}

class LocalTransaction implements DocumentTransaction {
  readonly reads: Read[] = [];
  readonly writes: Write[] = [];
  readonly #read: (collection: string, id: string) => string | undefined;

  constructor(read: (collection: string, id: string) => string | undefined) {
    this.#read = read;
  }

  async get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined> {
    if (this.writes.length > 0) {
      throw new Error(`transaction read of ${collection}/${id} after a write: all reads must come first`);
    }
    checkCollection(collection);
    checkDocumentId(collection, id);
    const text = this.#read(collection, id);
    this.reads.push({ collection, id, text });
    return text === undefined ? undefined : (parseDocument(text) as T);
  }

  set(collection: string, id: string, data: DocumentData, options?: { merge?: boolean }): void {
    checkCollection(collection);
    checkDocumentId(collection, id);
    // Copied now, so that the caller mutating its object before commit changes nothing.
    this.writes.push({ kind: "set", collection, id, data: structuredClone(data), merge: !!options?.merge });
  }

  update(collection: string, id: string, fields: DocumentData): void {
    checkCollection(collection);
    checkDocumentId(collection, id);
    checkUpdateFields(collection, id, fields);
    this.writes.push({ kind: "update", collection, id, fields: structuredClone(fields) });
  }
}

/** Raised inside a commit when a document read by the transaction changed since; the commit is rerun. */
class ReadConflict extends Error {
  override name = "ReadConflict";
}

export class LocalDocumentStore implements DocumentStore {
  readonly #db: DatabaseSync;
  readonly #logger: Logger | undefined;
  readonly #maxAttempts: number;
  readonly #tables = new Set<string>();
  readonly #indexes = new Set<string>();
  readonly #statements = new Map<string, StatementSync>();
  #transactionTail: Promise<unknown> = Promise.resolve();

  /** @param path the database file, normally `<dataDir>/documents.sqlite`; created when missing. */
  constructor(path: string, options: LocalDocumentStoreOptions = {}) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    // The timeout is SQLite's busy timeout: another process holding the write lock is waited for.
    this.#db = new DatabaseSync(path, { timeout: 10_000 });
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;");
    this.#logger = options.logger;
    this.#maxAttempts = options.maxTransactionAttempts ?? 10;
  }

  async get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined> {
    checkCollection(collection);
    checkDocumentId(collection, id);
    const text = this.#readText(collection, id);
    return text === undefined ? undefined : (parseDocument(text) as T);
  }

  async set(
    collection: string,
    id: string,
    data: DocumentData,
    options?: { merge?: boolean },
  ): Promise<void> {
    checkCollection(collection);
    checkDocumentId(collection, id);
    if (options?.merge) {
      this.#immediate(() => this.#applySetMerge(collection, id, data));
    } else {
      this.#upsert(collection, id, serialise(collection, id, data));
    }
  }

  async create(collection: string, id: string, data: DocumentData): Promise<boolean> {
    checkCollection(collection);
    checkDocumentId(collection, id);
    const table = this.#ensureTable(collection);
    const result = this.#statement(
      `INSERT INTO "${table}" (id, data) VALUES (?, ?) ON CONFLICT(id) DO NOTHING`,
    ).run(id, serialise(collection, id, data));
    return Number(result.changes) === 1;
  }

  async update(collection: string, id: string, fields: DocumentData): Promise<void> {
    checkCollection(collection);
    checkDocumentId(collection, id);
    checkUpdateFields(collection, id, fields);
    this.#immediate(() => this.#applyUpdate(collection, id, fields));
  }

  async delete(collection: string, id: string): Promise<void> {
    checkCollection(collection);
    checkDocumentId(collection, id);
    if (!this.#hasTable(collection)) return;
    this.#statement(`DELETE FROM "${tableOf(collection)}" WHERE id = ?`).run(id);
  }

  async query<T extends DocumentData>(
    collection: string,
    query: DocumentQuery,
  ): Promise<Array<DocumentSnapshot<T>>> {
    checkCollection(collection);
    const table = tableOf(collection);
    const conditions: string[] = [];
    const params: SQLInputValue[] = [];

    const filters = query.where ?? [];
    for (const [field, op, value] of filters) {
      if (!COMPARATORS.has(op)) throw new PermanentError("invalid-identifier", `unsupported operator ${op}`);
      const sqlOp = op === "==" ? "=" : op;
      if (field === DOCUMENT_ID) {
        if (typeof value !== "string") {
          throw new PermanentError("invalid-identifier", `a filter on the document id needs a string value`);
        }
        conditions.push(`id ${sqlOp} ?`);
        params.push(value);
        continue;
      }
      const path = jsonPathLiteral(field);
      const kind = kindOf(value, `filter on ${field}`);
      conditions.push(
        `json_extract(data, ${path}) ${sqlOp} ? AND json_type(data, ${path}) IN ${JSON_TYPES_OF[kind]}`,
      );
      params.push(bindable(value));
    }

    const order = effectiveOrder(query);
    for (const key of order) {
      // As in Firestore, ordering by a field leaves out documents that do not have it.
      if (key.field !== DOCUMENT_ID)
        conditions.push(`json_type(data, ${jsonPathLiteral(key.field)}) IS NOT NULL`);
    }
    if (query.startAfter && query.startAfter.length > 0) {
      conditions.push(cursorCondition(order, query.orderBy?.length ?? 0, query.startAfter, params));
    }

    const orderSql = order
      .map(({ field, direction }) => {
        const dir = direction === "desc" ? "DESC" : "ASC";
        if (field === DOCUMENT_ID) return `id ${dir}`;
        const path = jsonPathLiteral(field);
        return `${TYPE_RANK_SQL(path)} ${dir}, json_extract(data, ${path}) ${dir}`;
      })
      .join(", ");

    let sql = `SELECT id, data FROM "${table}"`;
    if (conditions.length > 0) sql += ` WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}`;
    sql += ` ORDER BY ${orderSql}`;
    if (query.limit !== undefined) {
      if (!Number.isInteger(query.limit) || query.limit < 0) {
        throw new PermanentError(
          "invalid-identifier",
          `limit must be a non-negative integer, got ${query.limit}`,
        );
      }
      sql += " LIMIT ?";
      params.push(query.limit);
    }

    // Checked only now, so that a malformed query fails even before its collection exists.
    if (!this.#hasTable(collection)) return [];
    this.#ensureIndexFor(collection, filters, order);
    const rows = this.#statement(sql).all(...params);
    return rows.map((row) => ({ id: row.id as string, data: parseDocument(row.data as string) as T }));
  }

  async setMany(collection: string, docs: Array<DocumentSnapshot<DocumentData>>): Promise<void> {
    checkCollection(collection);
    if (docs.length === 0) return;
    const table = this.#ensureTable(collection);
    // Many rows per statement: the per-call cost of crossing into SQLite dominates small documents.
    const chunk = this.#statement(upsertSql(table, SET_MANY_ROWS_PER_STATEMENT));
    const params: string[] = new Array(2 * SET_MANY_ROWS_PER_STATEMENT);
    this.#immediate(() => {
      let next = 0;
      for (; next + SET_MANY_ROWS_PER_STATEMENT <= docs.length; next += SET_MANY_ROWS_PER_STATEMENT) {
        for (let k = 0; k < SET_MANY_ROWS_PER_STATEMENT; k++) {
          const doc = docs[next + k] as DocumentSnapshot<DocumentData>;
          checkDocumentId(collection, doc.id);
          params[2 * k] = doc.id;
          params[2 * k + 1] = serialise(collection, doc.id, doc.data);
        }
        chunk.run(...params);
      }
      for (; next < docs.length; next++) {
        const doc = docs[next] as DocumentSnapshot<DocumentData>;
        checkDocumentId(collection, doc.id);
        this.#upsert(collection, doc.id, serialise(collection, doc.id, doc.data));
      }
    });
  }

  async transaction<T>(fn: (tx: DocumentTransaction) => Promise<T>): Promise<T> {
    // One transaction at a time in this process; another process is caught by the read check.
    const run = this.#transactionTail.then(() => this.#runTransaction(fn));
    this.#transactionTail = run.catch(() => undefined);
    return await run;
  }

  async close(): Promise<void> {
    await this.#transactionTail;
    if (this.#db.isOpen) this.#db.close();
  }

  async #runTransaction<T>(fn: (tx: DocumentTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const tx = new LocalTransaction((collection, id) => this.#readText(collection, id));
      const result = await fn(tx);
      try {
        this.#immediate(() => this.#commit(tx));
        return result;
      } catch (error) {
        if (!(error instanceof ReadConflict)) throw error;
        this.#logger?.debug("document transaction rerun after a concurrent change", { attempt });
      }
    }
    throw new TransientError(`document transaction still contended after ${this.#maxAttempts} attempts`);
  }

  #commit(tx: LocalTransaction): void {
    for (const read of tx.reads) {
      if (this.#readText(read.collection, read.id) !== read.text) {
        throw new ReadConflict(`${read.collection}/${read.id} changed during the transaction`);
      }
    }
    for (const write of tx.writes) {
      if (write.kind === "update") this.#applyUpdate(write.collection, write.id, write.fields);
      else if (write.merge) this.#applySetMerge(write.collection, write.id, write.data);
      else this.#upsert(write.collection, write.id, serialise(write.collection, write.id, write.data));
    }
  }

  #applySetMerge(collection: string, id: string, data: DocumentData): void {
    const current = this.#readText(collection, id);
    const base = current === undefined ? {} : parseDocument(current);
    this.#upsert(collection, id, JSON.stringify(mergeInto(base, structuredClone(data))));
  }

  #applyUpdate(collection: string, id: string, fields: DocumentData): void {
    const current = this.#readText(collection, id);
    if (current === undefined) throw new DocumentNotFound(collection, id);
    this.#upsert(
      collection,
      id,
      JSON.stringify(applyFieldUpdates(parseDocument(current), structuredClone(fields))),
    );
  }

  #readText(collection: string, id: string): string | undefined {
    if (!this.#hasTable(collection)) return undefined;
    const row = this.#statement(`SELECT data FROM "${tableOf(collection)}" WHERE id = ?`).get(id);
    return row === undefined ? undefined : (row.data as string);
  }

  #upsert(collection: string, id: string, text: string): void {
    const table = this.#ensureTable(collection);
    this.#statement(upsertSql(table, 1)).run(id, text);
  }

  /** Runs synchronous work in a write transaction taken up front (no lock upgrade deadlocks). */
  #immediate<T>(work: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #hasTable(collection: string): boolean {
    const table = tableOf(collection);
    if (this.#tables.has(table)) return true;
    const found = this.#statement(
      "SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = ?",
    ).get(table);
    if (found) this.#tables.add(table);
    return !!found;
  }

  #ensureTable(collection: string): string {
    const table = tableOf(collection);
    if (!this.#tables.has(table)) {
      // A rowid table with a unique index on id rather than WITHOUT ROWID: rows append, and only
      // the small id index takes random inserts when ids are not sequential (3x faster then).
      this.#db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (id TEXT NOT NULL UNIQUE, data TEXT NOT NULL)`);
      this.#tables.add(table);
    }
    return table;
  }

  /**
   * Firestore indexes every field automatically; here the first field a query filters on gets an
   * index on (field, id) the first time it is queried, so that `where x == v orderBy id` pages
   * through a large collection without scanning it.
   */
  #ensureIndexFor(collection: string, filters: NonNullable<DocumentQuery["where"]>, order: OrderKey[]): void {
    const equality = filters.find(([field, op]) => op === "==" && field !== DOCUMENT_ID)?.[0];
    const field =
      equality ??
      filters.find(([f]) => f !== DOCUMENT_ID)?.[0] ??
      order.find((k) => k.field !== DOCUMENT_ID)?.field;
    if (field === undefined) return;
    const table = tableOf(collection);
    const index = `${table}__${Buffer.from(field).toString("hex")}`;
    if (this.#indexes.has(index)) return;
    const started = Date.now();
    this.#db.exec(
      `CREATE INDEX IF NOT EXISTS "${index}" ON "${table}" (json_extract(data, ${jsonPathLiteral(field)}), id)`,
    );
    this.#indexes.add(index);
    const elapsedMs = Date.now() - started;
    if (elapsedMs > 1000) this.#logger?.info("indexed a document field", { collection, field, elapsedMs });
  }
}

/**
 * The order Firestore applies: the explicit order-bys, then inequality-filtered fields not yet
 * ordered (in field order), then the document id, all in the direction of the last explicit order.
 */
function effectiveOrder(query: DocumentQuery): OrderKey[] {
  const order: OrderKey[] = (query.orderBy ?? []).map(([field, direction]) => {
    if (direction !== "asc" && direction !== "desc") {
      throw new PermanentError("invalid-identifier", `order direction must be asc or desc, got ${direction}`);
    }
    if (field !== DOCUMENT_ID) parseFieldPath(field);
    return { field, direction };
  });
  const direction = order[order.length - 1]?.direction ?? "asc";
  const inequalities = [
    ...new Set(
      (query.where ?? []).filter(([field, op]) => op !== "==" && field !== DOCUMENT_ID).map(([f]) => f),
    ),
  ].sort();
  for (const field of inequalities) {
    if (!order.some((key) => key.field === field)) order.push({ field, direction });
  }
  if (!order.some((key) => key.field === DOCUMENT_ID)) order.push({ field: DOCUMENT_ID, direction });
  return order;
}

/** Rows strictly after the cursor: the tuple of order-by keys compares greater in each key's direction. */
function cursorCondition(
  order: OrderKey[],
  explicitKeys: number,
  cursor: Scalar[],
  params: SQLInputValue[],
): string {
  if (cursor.length > explicitKeys) {
    // As Firestore's client: the cursor covers the explicit order-bys only, never the implicit ones.
    throw new PermanentError(
      "invalid-identifier",
      `startAfter has ${cursor.length} values but the query has ${explicitKeys} orderBy clauses; ` +
        `order by ${DOCUMENT_ID} explicitly to page by document id`,
    );
  }
  const equal = (key: OrderKey, value: Scalar): string => {
    if (key.field === DOCUMENT_ID) {
      params.push(idCursor(value));
      return "id = ?";
    }
    const path = jsonPathLiteral(key.field);
    kindOf(value, `cursor on ${key.field}`);
    params.push(bindable(value));
    return `(${TYPE_RANK_SQL(path)} = ${rankOf(value)} AND json_extract(data, ${path}) = ?)`;
  };
  const after = (key: OrderKey, value: Scalar): string => {
    const op = key.direction === "desc" ? "<" : ">";
    if (key.field === DOCUMENT_ID) {
      params.push(idCursor(value));
      return `id ${op} ?`;
    }
    const path = jsonPathLiteral(key.field);
    kindOf(value, `cursor on ${key.field}`);
    const rank = TYPE_RANK_SQL(path);
    params.push(bindable(value));
    return `(${rank} ${op} ${rankOf(value)} OR (${rank} = ${rankOf(value)} AND json_extract(data, ${path}) ${op} ?))`;
  };
  const alternatives: string[] = [];
  for (let i = 0; i < cursor.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) parts.push(equal(order[j] as OrderKey, cursor[j] as Scalar));
    parts.push(after(order[i] as OrderKey, cursor[i] as Scalar));
    alternatives.push(parts.join(" AND "));
  }
  return alternatives.map((a) => `(${a})`).join(" OR ");
}

function idCursor(value: Scalar): string {
  if (typeof value !== "string") {
    throw new PermanentError("invalid-identifier", `a cursor value for the document id must be a string`);
  }
  return value;
}
