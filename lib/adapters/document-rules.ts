/**
 * Rules both document adapters share, so that the local store and Firestore accept and refuse the
 * same things: identifiers, dotted field paths, and the error for updating a missing document.
 */
import { PermanentError } from "../errors.ts";
import type { DocumentData } from "../ports/documents.ts";

/** `update` was called on a document that does not exist (Firestore's NOT_FOUND). */
export class DocumentNotFound extends Error {
  override name = "DocumentNotFound";
  readonly collection: string;
  readonly id: string;
  constructor(collection: string, id: string, options?: ErrorOptions) {
    super(`cannot update ${collection}/${id}: the document does not exist`, options);
    this.collection = collection;
    this.id = id;
  }
}

const MAX_ID_BYTES = 1500;

/** Called once per document by bulk writes, so the common case costs a few comparisons. */
function checkSegment(value: string, kind: () => string): void {
  const fine =
    typeof value === "string" &&
    value !== "" &&
    value !== "." &&
    value !== ".." &&
    !value.includes("/") &&
    !(value.length >= 4 && value.startsWith("__") && value.endsWith("__")) &&
    (value.length * 3 <= MAX_ID_BYTES || Buffer.byteLength(value) <= MAX_ID_BYTES);
  if (!fine) {
    throw new PermanentError(
      "invalid-identifier",
      `${kind()} ${JSON.stringify(value)} is invalid: it must be a non-empty string of at most ${MAX_ID_BYTES} ` +
        `bytes, without "/", not "." or "..", and not of the reserved form __...__`,
    );
  }
}

/** Throws PermanentError("invalid-identifier") unless `name` is a valid top-level collection id. */
export function checkCollection(name: string): void {
  checkSegment(name, () => "collection name");
}

/** Throws PermanentError("invalid-identifier") unless `id` is a valid document id. */
export function checkDocumentId(collection: string, id: string): void {
  checkSegment(id, () => `document id in ${collection}`);
}

/**
 * Splits a dotted field path (`sources.sales.state`) into its segments. Backtick-quoted segments
 * are not supported: field names here are plain identifiers.
 */
export function parseFieldPath(path: string): string[] {
  if (typeof path !== "string" || path === "") {
    throw new PermanentError("invalid-identifier", `field path must be a non-empty string`);
  }
  const segments = path.split(".");
  if (segments.some((segment) => segment === "")) {
    throw new PermanentError("invalid-identifier", `field path ${JSON.stringify(path)} has an empty segment`);
  }
  if (segments.some((segment) => /["`\\]/.test(segment))) {
    throw new PermanentError(
      "invalid-identifier",
      `field path ${JSON.stringify(path)} contains a quote or backslash, which is not supported`,
    );
  }
  return segments;
}

/** Firestore refuses an update without fields; each key must be a valid field path. */
export function checkUpdateFields(collection: string, id: string, fields: DocumentData): void {
  const paths = isMap(fields) ? Object.keys(fields) : [];
  if (paths.length === 0) {
    throw new PermanentError("invalid-identifier", `update of ${collection}/${id} needs at least one field`);
  }
  for (const path of paths) parseFieldPath(path);
}

export function isMap(value: unknown): value is DocumentData {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * Firestore's `set(..., { merge: true })`: maps merge recursively, every other value (arrays
 * included) replaces. An empty map is a leaf: it replaces whatever was there.
 */
export function mergeInto(target: DocumentData, source: DocumentData): DocumentData {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isMap(value) && Object.keys(value).length > 0 && isMap(current)) {
      target[key] = mergeInto(current, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}

/**
 * Firestore's `update`: each key is a dotted field path; its value replaces what is at that path,
 * creating (or overwriting non-map) intermediate maps on the way.
 */
export function applyFieldUpdates(target: DocumentData, fields: DocumentData): DocumentData {
  for (const [path, value] of Object.entries(fields)) {
    const segments = parseFieldPath(path);
    let node = target;
    for (const segment of segments.slice(0, -1)) {
      const next = node[segment];
      if (isMap(next)) {
        node = next;
      } else {
        const created: DocumentData = {};
        node[segment] = created;
        node = created;
      }
    }
    node[segments[segments.length - 1] as string] = value;
  }
  return target;
}
