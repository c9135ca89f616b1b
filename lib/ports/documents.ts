/** Pseudo-field that orders or filters by document id, like Firestore's FieldPath.documentId(). */
export const DOCUMENT_ID = "__id__";

export type WhereOp = "==" | "<" | "<=" | ">" | ">=";

export interface DocumentQuery {
  where?: Array<[field: string, op: WhereOp, value: string | number | boolean]>;
  orderBy?: Array<[field: string, direction: "asc" | "desc"]>;
  /** Cursor: the orderBy values of the last document of the previous page. */
  startAfter?: Array<string | number | boolean>;
  limit?: number;
}

export interface DocumentSnapshot<T> {
  id: string;
  data: T;
}

export type DocumentData = Record<string, unknown>;

/** Reads and writes inside one transaction; reads must come before writes, as in Firestore. */
export interface DocumentTransaction {
  get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined>;
  set(collection: string, id: string, data: DocumentData, options?: { merge?: boolean }): void;
  update(collection: string, id: string, fields: DocumentData): void;
}

/**
 * The documents port: Firestore semantics. Field paths in `update` and `where` may be dotted
 * (`sources.sales.state`) and reach into maps.
 */
export interface DocumentStore {
  get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined>;
  /** Replaces the document, or with merge deep-merges maps into it. */
  set(collection: string, id: string, data: DocumentData, options?: { merge?: boolean }): Promise<void>;
  /** Creates the document; resolves false, changing nothing, when it already exists. */
  create(collection: string, id: string, data: DocumentData): Promise<boolean>;
  /** Sets the given (dotted) field paths of an existing document; throws when it does not exist. */
  update(collection: string, id: string, fields: DocumentData): Promise<void>;
  delete(collection: string, id: string): Promise<void>;
  query<T extends DocumentData>(
    collection: string,
    query: DocumentQuery,
  ): Promise<Array<DocumentSnapshot<T>>>;
  /** Writes many documents (set, replace). Idempotent: the same ids and data give the same state. */
  setMany(collection: string, docs: Array<DocumentSnapshot<DocumentData>>): Promise<void>;
  /** Runs `fn` atomically; it may be retried on contention, so it must have no other side effects. */
  transaction<T>(fn: (tx: DocumentTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
