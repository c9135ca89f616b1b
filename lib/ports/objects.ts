import type { Readable } from "node:stream";

export interface ObjectInfo {
  bucket: string;
  name: string;
  size: number;
  contentType: string;
  /** Changes on every write of the object, like Cloud Storage's generation. */
  generation: string;
  updated: Date;
  metadata: Record<string, string>;
}

export interface WriteOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

export type ObjectBody = Buffer | string | Readable | AsyncIterable<Uint8Array>;

/**
 * The objects port: Cloud Storage semantics. A write is all or nothing: readers see the old object
 * or the whole new one, never a partial file; a finished write finalizes the object.
 */
export interface ObjectStore {
  write(bucket: string, name: string, body: ObjectBody, options?: WriteOptions): Promise<ObjectInfo>;
  read(bucket: string, name: string): Promise<Buffer>;
  readStream(bucket: string, name: string): Readable;
  /** The object's metadata, or undefined when it does not exist. */
  stat(bucket: string, name: string): Promise<ObjectInfo | undefined>;
  /** Objects whose name starts with `prefix`, in lexicographic order of name. */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(bucket: string, name: string): Promise<void>;
}

/** `gs://bucket/name` of an object. */
export function gsUri(bucket: string, name: string): string {
  return `gs://${bucket}/${name}`;
}

/** Splits a `gs://bucket/name` URI; throws on anything else. */
export function parseGsUri(uri: string): { bucket: string; name: string } {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.*)$/.exec(uri);
  if (!match?.[1] || match[2] === undefined) throw new Error(`not a gs:// URI: ${JSON.stringify(uri)}`);
  return { bucket: match[1], name: match[2] };
}
