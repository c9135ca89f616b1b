/**
 * The documents port on Cloud Firestore (native mode) with the official client. The same adapter
 * talks to Google's Firestore emulator when `settings` carry its host and `ssl: false`.
 */
import {
  type BulkWriterOptions,
  type DocumentReference,
  FieldPath,
  Firestore,
  type Query,
  type Settings,
  Timestamp,
  type Transaction,
} from "@google-cloud/firestore";
import {
  DOCUMENT_ID,
  type DocumentData,
  type DocumentQuery,
  type DocumentSnapshot,
  type DocumentStore,
  type DocumentTransaction,
} from "../../ports/documents.ts";
import {
  checkCollection,
  checkDocumentId,
  checkUpdateFields,
  DocumentNotFound,
  isMap,
  parseFieldPath,
} from "../document-rules.ts";

export interface FirestoreDocumentStoreOptions {
  projectId: string;
  /** `(default)` or a named database. */
  databaseId: string;
  /** Client settings; for the emulator `{ host: "127.0.0.1:8080", ssl: false }`. */
  settings?: Settings;
  /**
   * BulkWriter options for setMany. By default the writer ramps up from 500 writes/s as Firestore
   * recommends for new collections (the 500/50/5 rule); pass `{ throttling: false }` against the
   * emulator or when the collection is known to be warm.
   */
  bulkWriter?: BulkWriterOptions;
}

const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function fieldOf(field: string): string | FieldPath {
  if (field === DOCUMENT_ID) return FieldPath.documentId();
  return new FieldPath(...parseFieldPath(field));
}

/**
 * Documents on this port are JSON: timestamps written by other tools come back as ISO strings,
 * the way the local store returns them.
 */
function toJson(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (isMap(value)) {
    const out: DocumentData = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toJson(inner);
    return out;
  }
  return value;
}

class FirestoreTransaction implements DocumentTransaction {
  readonly #db: Firestore;
  readonly #tx: Transaction;
  /** Documents this attempt updates: one of them is missing when the commit fails with NOT_FOUND. */
  readonly updated: Array<{ collection: string; id: string }> = [];

  constructor(db: Firestore, tx: Transaction) {
    this.#db = db;
    this.#tx = tx;
  }

  async get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined> {
    const snapshot = await this.#tx.get(docRef(this.#db, collection, id));
    return snapshot.exists ? (toJson(snapshot.data()) as T) : undefined;
  }

  set(collection: string, id: string, data: DocumentData, options?: { merge?: boolean }): void {
    this.#tx.set(docRef(this.#db, collection, id), data, { merge: !!options?.merge });
  }

  update(collection: string, id: string, fields: DocumentData): void {
    const ref = docRef(this.#db, collection, id);
    checkUpdateFields(collection, id, fields);
    this.updated.push({ collection, id });
    this.#tx.update(ref, fields);
  }
}

function docRef(db: Firestore, collection: string, id: string): DocumentReference {
  checkCollection(collection);
  checkDocumentId(collection, id);
  return db.collection(collection).doc(id);
}

export class FirestoreDocumentStore implements DocumentStore {
  readonly #db: Firestore;
  readonly #bulkWriterOptions: BulkWriterOptions | undefined;

  /** Creates the client; it connects lazily, on the first call. */
  constructor(options: FirestoreDocumentStoreOptions) {
    this.#db = new Firestore({
      // Documents here are JSON, where an undefined property is an absent one (as in the local store).
      ignoreUndefinedProperties: true,
      ...options.settings,
      projectId: options.projectId,
      databaseId: options.databaseId,
    });
    this.#bulkWriterOptions = options.bulkWriter;
  }

  async get<T extends DocumentData>(collection: string, id: string): Promise<T | undefined> {
    const snapshot = await docRef(this.#db, collection, id).get();
    return snapshot.exists ? (toJson(snapshot.data()) as T) : undefined;
  }

  async set(
    collection: string,
    id: string,
    data: DocumentData,
    options?: { merge?: boolean },
  ): Promise<void> {
    await docRef(this.#db, collection, id).set(data, { merge: !!options?.merge });
  }

  async create(collection: string, id: string, data: DocumentData): Promise<boolean> {
    try {
      await docRef(this.#db, collection, id).create(data);
      return true;
    } catch (error) {
      if (grpcCode(error) === GRPC_ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async update(collection: string, id: string, fields: DocumentData): Promise<void> {
    const ref = docRef(this.#db, collection, id);
    checkUpdateFields(collection, id, fields);
    try {
      await ref.update(fields);
    } catch (error) {
      if (grpcCode(error) === GRPC_NOT_FOUND) throw new DocumentNotFound(collection, id, { cause: error });
      throw error;
    }
  }

  async delete(collection: string, id: string): Promise<void> {
    await docRef(this.#db, collection, id).delete();
  }

  async query<T extends DocumentData>(
    collection: string,
    query: DocumentQuery,
  ): Promise<Array<DocumentSnapshot<T>>> {
    checkCollection(collection);
    let q: Query = this.#db.collection(collection);
    for (const [field, op, value] of query.where ?? []) q = q.where(fieldOf(field), op, value);
    for (const [field, direction] of query.orderBy ?? []) q = q.orderBy(fieldOf(field), direction);
    if (query.startAfter && query.startAfter.length > 0) q = q.startAfter(...query.startAfter);
    if (query.limit !== undefined) q = q.limit(query.limit);
    const snapshot = await q.get();
    return snapshot.docs.map((doc) => ({ id: doc.id, data: toJson(doc.data()) as T }));
  }

  /**
   * Writes through a BulkWriter, which batches, runs in parallel and retries failed writes with
   * backoff. Not atomic across documents (Firestore cannot be, beyond 500 writes), but idempotent:
   * a failed call can simply be repeated.
   */
  async setMany(collection: string, docs: Array<DocumentSnapshot<DocumentData>>): Promise<void> {
    checkCollection(collection);
    if (docs.length === 0) return;
    const writer = this.#db.bulkWriter(this.#bulkWriterOptions);
    const failures: Array<{ id: string; error: unknown }> = [];
    for (const doc of docs) {
      writer
        .set(docRef(this.#db, collection, doc.id), doc.data)
        .catch((error: unknown) => failures.push({ id: doc.id, error }));
    }
    await writer.close();
    if (failures.length > 0) {
      const first = failures[0] as { id: string; error: unknown };
      const message =
        `${failures.length} of ${docs.length} writes to ${collection} failed after retries; ` +
        `first: ${first.id}: ${first.error instanceof Error ? first.error.message : String(first.error)}`;
      // Unclassified, hence retried: the writer already retried what Firestore calls retryable.
      throw new Error(message, { cause: first.error });
    }
  }

  async transaction<T>(fn: (tx: DocumentTransaction) => Promise<T>): Promise<T> {
    let attempt: FirestoreTransaction | undefined;
    try {
      return await this.#db.runTransaction((tx) => {
        attempt = new FirestoreTransaction(this.#db, tx);
        return fn(attempt);
      });
    } catch (error) {
      // A transactional update of a missing document fails the whole commit with NOT_FOUND.
      const target = attempt?.updated[0];
      if (grpcCode(error) === GRPC_NOT_FOUND && target) {
        throw new DocumentNotFound(target.collection, target.id, { cause: error });
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#db.terminate();
  }
}
