/**
 * The objects port on Cloud Storage with the official client. Names are checked with the same rules
 * as the local stand-in before any request, and a missing object is the same ObjectNotFound.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type File,
  type FileMetadata,
  IdempotencyStrategy,
  Storage,
  type StorageOptions,
} from "@google-cloud/storage";
import type { ObjectBody, ObjectInfo, ObjectStore, WriteOptions } from "../../ports/objects.ts";
import { checkBucketName, checkObjectName, checkObjectPrefix } from "../object-names.ts";
import { ObjectNotFound } from "../object-not-found.ts";

export interface GcsObjectStoreOptions {
  projectId: string;
  /**
   * Client options (apiEndpoint, credentials, retryOptions, ...). Unless `retryOptions` says
   * otherwise, writes are retried like reads: every writer on this platform writes deterministic
   * names with deterministic content, so repeating an upload is safe.
   */
  storageOptions?: StorageOptions;
  /** Buffers up to this size go in one request; larger ones and streams use a resumable upload. */
  singleRequestMaxBytes?: number;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
const DEFAULT_SINGLE_REQUEST_MAX_BYTES = 8 * 1024 * 1024;

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function toInfo(bucket: string, name: string, metadata: FileMetadata): ObjectInfo {
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.metadata ?? {})) {
    if (value !== null && value !== undefined) custom[key] = String(value);
  }
  return {
    bucket,
    name,
    size: Number(metadata.size ?? 0),
    contentType: metadata.contentType ?? DEFAULT_CONTENT_TYPE,
    generation: String(metadata.generation ?? ""),
    updated: new Date(metadata.updated ?? 0),
    metadata: custom,
  };
}

export class GcsObjectStore implements ObjectStore {
  readonly #storage: Storage;
  readonly #singleRequestMaxBytes: number;

  /** Creates the client; nothing goes over the network until the first call. */
  constructor(options: GcsObjectStoreOptions) {
    this.#storage = new Storage({
      retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryAlways },
      ...options.storageOptions,
      projectId: options.projectId,
    });
    this.#singleRequestMaxBytes = options.singleRequestMaxBytes ?? DEFAULT_SINGLE_REQUEST_MAX_BYTES;
  }

  async write(
    bucket: string,
    name: string,
    body: ObjectBody,
    options: WriteOptions = {},
  ): Promise<ObjectInfo> {
    const file = this.#file(bucket, name);
    const metadata = {
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      ...(options.metadata ? { metadata: { ...options.metadata } } : {}),
    };
    if (Buffer.isBuffer(body) || typeof body === "string") {
      const resumable = Buffer.byteLength(body) > this.#singleRequestMaxBytes;
      await file.save(body, { resumable, metadata });
    } else {
      const source = body instanceof Readable ? body : Readable.from(body, { objectMode: false });
      await pipeline(source, file.createWriteStream({ resumable: true, metadata }));
    }
    // The upload's response fills file.metadata: no second request for the generation.
    return toInfo(bucket, name, file.metadata);
  }

  async read(bucket: string, name: string): Promise<Buffer> {
    const file = this.#file(bucket, name);
    try {
      const [contents] = await file.download();
      return contents;
    } catch (error) {
      if (httpStatus(error) === 404) throw new ObjectNotFound(bucket, name, { cause: error });
      throw error;
    }
  }

  readStream(bucket: string, name: string): Readable {
    const file = this.#file(bucket, name);
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of file.createReadStream()) yield chunk as Buffer;
      } catch (error) {
        if (httpStatus(error) === 404) throw new ObjectNotFound(bucket, name, { cause: error });
        throw error;
      }
    }
    return Readable.from(chunks(), { objectMode: false });
  }

  async stat(bucket: string, name: string): Promise<ObjectInfo | undefined> {
    const file = this.#file(bucket, name);
    try {
      const [metadata] = await file.getMetadata();
      return toInfo(bucket, name, metadata);
    } catch (error) {
      if (httpStatus(error) === 404) return undefined;
      throw error;
    }
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    checkBucketName(bucket);
    checkObjectPrefix(bucket, prefix);
    // Cloud Storage lists in lexicographic order of name already.
    const [files] = await this.#storage.bucket(bucket).getFiles({ prefix, autoPaginate: true });
    return files
      .filter((file) => !file.name.endsWith("/"))
      .map((file) => toInfo(bucket, file.name, file.metadata));
  }

  async delete(bucket: string, name: string): Promise<void> {
    await this.#file(bucket, name).delete({ ignoreNotFound: true });
  }

  #file(bucket: string, name: string): File {
    checkBucketName(bucket);
    checkObjectName(bucket, name);
    return this.#storage.bucket(bucket).file(name);
  }
}
