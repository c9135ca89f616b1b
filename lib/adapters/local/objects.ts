/**
 * The objects port on a directory tree: object `<bucket>/<name>` is the file `<root>/<bucket>/<name>`
 * (so DuckDB can read bronze files in place), and its Cloud Storage metadata lives in a mirror tree
 * `<root>/.meta/<bucket>/<name>`. Bucket names cannot start with ".", so neither `.meta` nor the
 * `.tmp` folder of in-flight writes can be taken for a bucket, and a listing never shows them.
 *
 * Every finished write emits the CloudEvent Cloud Storage sends through Eventarc,
 * `google.cloud.storage.object.v1.finalized`, to the listeners registered with `onFinalized`.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CRC32C } from "@google-cloud/storage";
import { errorMessage } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { ObjectBody, ObjectInfo, ObjectStore, WriteOptions } from "../../ports/objects.ts";
import { checkBucketName, checkObjectName, checkObjectPrefix, InvalidObjectName } from "../object-names.ts";
import { ObjectNotFound } from "../object-not-found.ts";

export { ObjectNotFound };

export const OBJECT_FINALIZED = "google.cloud.storage.object.v1.finalized";

/** The `data` of a Cloud Storage object event (google-cloudevents StorageObjectData, JSON form). */
export interface StorageObjectData {
  kind: "storage#object";
  /** `<bucket>/<name>/<generation>` */
  id: string;
  selfLink: string;
  mediaLink: string;
  name: string;
  bucket: string;
  generation: string;
  metageneration: string;
  contentType: string;
  timeCreated: string;
  updated: string;
  storageClass: string;
  timeStorageClassUpdated: string;
  size: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  metadata?: Record<string, string>;
}

/** The CloudEvent Eventarc delivers when an object is finalized (written). */
export interface StorageObjectFinalizedEvent {
  specversion: "1.0";
  id: string;
  type: typeof OBJECT_FINALIZED;
  /** `//storage.googleapis.com/projects/_/buckets/<bucket>` */
  source: string;
  /** `objects/<name>` */
  subject: string;
  time: string;
  datacontenttype: "application/json";
  /** Extension attribute Cloud Storage events carry. */
  bucket: string;
  data: StorageObjectData;
}

export type ObjectFinalizedListener = (event: StorageObjectFinalizedEvent) => void | Promise<void>;

export interface LocalObjectStoreOptions {
  /** Where listener failures are reported; they never fail the write that triggered them. */
  logger?: Logger;
  now?: () => Date;
}

/** What the sidecar file keeps about an object. */
interface Sidecar {
  contentType: string;
  metadata: Record<string, string>;
  generation: string;
  metageneration: string;
  timeCreated: string;
  updated: string;
  size: number;
  md5Hash: string;
  crc32c: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const META_DIR = ".meta";
const TMP_DIR = ".tmp";
const STAT_CONCURRENCY = 32;

/**
 * The file of object `name` in `bucket` under the store's root. Validates both names, so the path
 * returned never leaves `<root>/<bucket>/`.
 */
export function localPathOf(root: string, bucket: string, name: string): string {
  checkBucketName(bucket);
  checkObjectName(bucket, name);
  return join(root, bucket, ...name.split("/"));
}

function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && codes.includes(code);
}

function bodyStream(body: ObjectBody): Readable {
  if (Buffer.isBuffer(body) || typeof body === "string") return Readable.from([Buffer.from(body)]);
  if (body instanceof Readable) return body;
  return Readable.from(body, { objectMode: false });
}

/** Protobuf varint, as in the bytes behind a Cloud Storage etag. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** Cloud Storage's object etag: base64 of the message {1: generation, 2: metageneration}. */
function etagOf(generation: string, metageneration: string): string {
  return Buffer.from([0x08, ...varint(Number(generation)), 0x10, ...varint(Number(metageneration))]).toString(
    "base64",
  );
}

/** A file put under the root by other means may have a name no object can have: it is not listed. */
function isValidObjectName(bucket: string, name: string): boolean {
  try {
    checkObjectName(bucket, name);
    return true;
  } catch {
    return false;
  }
}

/** Compares like Cloud Storage lists: by the UTF-8 bytes of the name. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class LocalObjectStore implements ObjectStore {
  /** The folder that holds one sub-folder per bucket. */
  readonly root: string;
  readonly #logger: Logger | undefined;
  readonly #now: () => Date;
  readonly #listeners = new Set<ObjectFinalizedListener>();
  /** Writes of one object in this process run one after the other, so data and sidecar agree. */
  readonly #writing = new Map<string, Promise<unknown>>();
  #lastGeneration = 0;

  constructor(root: string, options: LocalObjectStoreOptions = {}) {
    this.root = root;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
  }

  /** Calls `listener` after every finished write; returns a function that unregisters it. */
  onFinalized(listener: ObjectFinalizedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Writes the whole body to a temporary file on the same filesystem, then renames it into place:
   * readers see the previous object or the new one, never part of one. Resolves after the
   * finalized listeners have run.
   */
  async write(
    bucket: string,
    name: string,
    body: ObjectBody,
    options: WriteOptions = {},
  ): Promise<ObjectInfo> {
    const file = localPathOf(this.root, bucket, name);
    const key = `${bucket}/${name}`;
    const previous = this.#writing.get(key) ?? Promise.resolve();
    const current = previous
      .catch(() => undefined)
      .then(() => this.#write(bucket, name, file, body, options));
    this.#writing.set(key, current);
    try {
      const sidecar = await current;
      await this.#emit(bucket, name, sidecar);
      return this.#info(bucket, name, sidecar, sidecar.size);
    } finally {
      if (this.#writing.get(key) === current) this.#writing.delete(key);
    }
  }

  async read(bucket: string, name: string): Promise<Buffer> {
    const file = localPathOf(this.root, bucket, name);
    try {
      return await readFile(file);
    } catch (error) {
      if (isErrno(error, "ENOENT", "EISDIR", "ENOTDIR"))
        throw new ObjectNotFound(bucket, name, { cause: error });
      throw error;
    }
  }

  readStream(bucket: string, name: string): Readable {
    const file = localPathOf(this.root, bucket, name);
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of createReadStream(file)) yield chunk as Buffer;
      } catch (error) {
        if (isErrno(error, "ENOENT", "EISDIR", "ENOTDIR"))
          throw new ObjectNotFound(bucket, name, { cause: error });
        throw error;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async stat(bucket: string, name: string): Promise<ObjectInfo | undefined> {
    const file = localPathOf(this.root, bucket, name);
    let size: number;
    let modified: Date;
    try {
      const stats = await stat(file);
      if (!stats.isFile()) return undefined;
      size = stats.size;
      modified = stats.mtime;
    } catch (error) {
      if (isErrno(error, "ENOENT", "ENOTDIR")) return undefined;
      throw error;
    }
    const sidecar = (await this.#readSidecar(bucket, name)) ?? this.#sidecarOfPlainFile(modified, size);
    return this.#info(bucket, name, sidecar, size);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    checkBucketName(bucket);
    checkObjectPrefix(bucket, prefix);
    const bucketDir = join(this.root, bucket);
    // Only the folder of the prefix's complete segments can hold matches.
    const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const start = join(bucketDir, ...folder.split("/").filter(Boolean));
    let entries: Array<{ parentPath: string; name: string; isFile(): boolean }>;
    try {
      entries = await readdir(start, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isErrno(error, "ENOENT", "ENOTDIR")) return [];
      throw error;
    }
    const names = entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(bucketDir, join(entry.parentPath, entry.name)).split(sep).join("/"))
      .filter((name) => name.startsWith(prefix) && isValidObjectName(bucket, name))
      .sort(byUtf8);
    const infos: ObjectInfo[] = [];
    for (let i = 0; i < names.length; i += STAT_CONCURRENCY) {
      const batch = await Promise.all(
        names.slice(i, i + STAT_CONCURRENCY).map((name) => this.stat(bucket, name)),
      );
      for (const info of batch) if (info) infos.push(info);
    }
    return infos;
  }

  async delete(bucket: string, name: string): Promise<void> {
    const file = localPathOf(this.root, bucket, name);
    const meta = this.#metaPath(bucket, name);
    await rm(file, { force: true });
    await rm(meta, { force: true });
    await this.#pruneEmptyFolders(dirname(file), join(this.root, bucket));
    await this.#pruneEmptyFolders(dirname(meta), join(this.root, META_DIR, bucket));
  }

  #metaPath(bucket: string, name: string): string {
    return join(this.root, META_DIR, bucket, ...name.split("/"));
  }

  async #write(
    bucket: string,
    name: string,
    file: string,
    body: ObjectBody,
    options: WriteOptions,
  ): Promise<Sidecar> {
    const tmpDir = join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    const tmpData = join(tmpDir, `${randomUUID()}.data`);
    const tmpMeta = join(tmpDir, `${randomUUID()}.meta`);
    try {
      const md5 = createHash("md5");
      const crc32c = new CRC32C();
      let size = 0;
      await pipeline(
        bodyStream(body),
        async function* hash(source: AsyncIterable<Buffer | string>) {
          for await (const chunk of source) {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
            md5.update(bytes);
            crc32c.update(bytes);
            size += bytes.length;
            yield bytes;
          }
        },
        createWriteStream(tmpData),
      );
      const previous = await this.#readSidecar(bucket, name);
      const now = this.#now();
      const generation = this.#nextGeneration(now, previous);
      const sidecar: Sidecar = {
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        metadata: { ...options.metadata },
        generation,
        metageneration: "1",
        timeCreated: now.toISOString(),
        updated: now.toISOString(),
        size,
        md5Hash: md5.digest("base64"),
        crc32c: crc32c.toString(),
      };
      await writeFile(tmpMeta, JSON.stringify(sidecar));
      await this.#moveInto(tmpData, file, bucket, name);
      await this.#moveInto(tmpMeta, this.#metaPath(bucket, name), bucket, name);
      return sidecar;
    } finally {
      await rm(tmpData, { force: true });
      await rm(tmpMeta, { force: true });
    }
  }

  /** Renames into place, creating folders; retries once if a concurrent delete pruned a folder. */
  async #moveInto(from: string, to: string, bucket: string, name: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(to), { recursive: true });
        await rename(from, to);
        return;
      } catch (error) {
        if (isErrno(error, "ENOENT") && attempt < 3) continue;
        if (isErrno(error, "ENOTDIR", "EEXIST", "EISDIR")) {
          throw new InvalidObjectName(
            `cannot store gs://${bucket}/${name} locally: a folder or object on its path is in the way ` +
              `(the local stand-in keeps objects as files, so a name cannot also be a prefix of another)`,
          );
        }
        throw error;
      }
    }
  }

  /** Later than the previous generation of the object and than any this process issued. */
  #nextGeneration(now: Date, previous: Sidecar | undefined): string {
    const next = Math.max(
      now.getTime() * 1000,
      this.#lastGeneration + 1,
      Number(previous?.generation ?? 0) + 1,
    );
    this.#lastGeneration = next;
    return String(next);
  }

  async #readSidecar(bucket: string, name: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaPath(bucket, name), "utf8")) as Sidecar;
    } catch (error) {
      if (isErrno(error, "ENOENT", "ENOTDIR", "EISDIR") || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  /** A file put under the root by hand has no sidecar: describe it from the filesystem. */
  #sidecarOfPlainFile(modified: Date, size: number): Sidecar {
    return {
      contentType: DEFAULT_CONTENT_TYPE,
      metadata: {},
      generation: String(Math.floor(modified.getTime() * 1000)),
      metageneration: "1",
      timeCreated: modified.toISOString(),
      updated: modified.toISOString(),
      size,
      md5Hash: "",
      crc32c: "",
    };
  }

  #info(bucket: string, name: string, sidecar: Sidecar, size: number): ObjectInfo {
    return {
      bucket,
      name,
      size,
      contentType: sidecar.contentType,
      generation: sidecar.generation,
      updated: new Date(sidecar.updated),
      metadata: { ...sidecar.metadata },
    };
  }

  async #emit(bucket: string, name: string, sidecar: Sidecar): Promise<void> {
    if (this.#listeners.size === 0) return;
    const event = finalizedEvent(bucket, name, sidecar);
    for (const listener of [...this.#listeners]) {
      try {
        await listener(structuredClone(event));
      } catch (error) {
        this.#logger?.error("object finalized listener failed", {
          uri: `gs://${bucket}/${name}`,
          error: errorMessage(error),
        });
      }
    }
  }

  async #pruneEmptyFolders(from: string, stopAt: string): Promise<void> {
    let folder = from;
    while (folder.startsWith(stopAt) && folder !== stopAt) {
      try {
        await rmdir(folder);
      } catch {
        return; // not empty (or already gone): nothing above it is empty either
      }
      folder = dirname(folder);
    }
  }
}

/** The `google.cloud.storage.object.v1.finalized` CloudEvent for one written object. */
function finalizedEvent(bucket: string, name: string, sidecar: Sidecar): StorageObjectFinalizedEvent {
  const encoded = encodeURIComponent(name);
  const data: StorageObjectData = {
    kind: "storage#object",
    id: `${bucket}/${name}/${sidecar.generation}`,
    selfLink: `https://www.googleapis.com/storage/v1/b/${bucket}/o/${encoded}`,
    mediaLink: `https://storage.googleapis.com/download/storage/v1/b/${bucket}/o/${encoded}?generation=${sidecar.generation}&alt=media`,
    name,
    bucket,
    generation: sidecar.generation,
    metageneration: sidecar.metageneration,
    contentType: sidecar.contentType,
    timeCreated: sidecar.timeCreated,
    updated: sidecar.updated,
    storageClass: "STANDARD",
    timeStorageClassUpdated: sidecar.timeCreated,
    size: String(sidecar.size),
    md5Hash: sidecar.md5Hash,
    crc32c: sidecar.crc32c,
    etag: etagOf(sidecar.generation, sidecar.metageneration),
    ...(Object.keys(sidecar.metadata).length > 0 ? { metadata: { ...sidecar.metadata } } : {}),
  };
  return {
    specversion: "1.0",
    id: randomUUID(),
    type: OBJECT_FINALIZED,
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    subject: `objects/${name}`,
    time: sidecar.updated,
    datacontenttype: "application/json",
    bucket,
    data,
  };
}
