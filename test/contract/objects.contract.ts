/**
 * The behaviour every ObjectStore adapter must share. Runs against the local stand-in in CI; the
 * same suite runs against a real Cloud Storage bucket with `objects.gcs.test.ts` when
 * WINTER_DAYS_TEST_BUCKET is set. Every case writes under its own random prefix, so a shared bucket
 * is fine, and each case deletes what it wrote.
 */
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidObjectName } from "../../lib/adapters/object-names.ts";
import { ObjectNotFound } from "../../lib/adapters/object-not-found.ts";
import type { ObjectStore } from "../../lib/ports/objects.ts";

export interface OpenedObjectStore {
  store: ObjectStore;
  /** A bucket the suite may write to. */
  bucket: string;
  dispose(): Promise<void>;
}

/** Names that must never be accepted: they escape the root, or are not valid object names. */
export const INJECTED_OBJECT_NAMES = [
  "../outside",
  "a/../../outside",
  "sales/./part",
  "/etc/passwd",
  "a//b",
  "folder/",
  "evil\u0000.txt",
  "line\nbreak",
  "..\\windows\\system32",
  "back\\slash",
  ".",
  "..",
  "",
];

/** Bucket names Cloud Storage refuses (and that could escape the root as a folder name). */
export const INJECTED_BUCKET_NAMES = [
  "..",
  "../etc",
  ".meta",
  "UPPER",
  "ab",
  "a/b",
  "bucket\u0000",
  "-leading-dash",
  "192.168.0.1",
  "googbucket",
  "my-google-bucket",
  "a".repeat(64),
];

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString();
}

export function objectStoreContract(label: string, open: () => Promise<OpenedObjectStore>): void {
  describe(`ObjectStore contract: ${label}`, () => {
    let opened: OpenedObjectStore;
    let store: ObjectStore;
    let bucket: string;
    const run = `contract-${randomUUID().slice(0, 8)}`;
    const written = new Set<string>();
    const name = (tail: string) => {
      const full = `${run}/${tail}`;
      written.add(full);
      return full;
    };

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
      bucket = opened.bucket;
    });
    afterAll(async () => {
      if (!opened) return;
      for (const full of written) await store.delete(bucket, full);
      await opened.dispose();
    });

    it.each([
      ["a Buffer", () => Buffer.from("hello, world")],
      ["a string", () => "hello, world"],
      ["a Readable", () => Readable.from([Buffer.from("hello, "), Buffer.from("world")])],
      [
        "an async iterable",
        () =>
          (async function* () {
            yield new TextEncoder().encode("hello, ");
            yield new TextEncoder().encode("world");
          })(),
      ],
    ])("writes %s and reads back the same bytes with its metadata", async (kind, body) => {
      const object = name(`bodies/${kind.replaceAll(" ", "-")}.txt`);
      const info = await store.write(bucket, object, body(), {
        contentType: "text/plain",
        metadata: { batch_id: "sales-2026-11-01-0a1b2c3d" },
      });
      expect(info).toMatchObject({ bucket, name: object, size: 12, contentType: "text/plain" });
      expect(info.metadata).toEqual({ batch_id: "sales-2026-11-01-0a1b2c3d" });
      expect((await store.read(bucket, object)).toString()).toBe("hello, world");
      expect(await text(store.readStream(bucket, object))).toBe("hello, world");
      const stat = await store.stat(bucket, object);
      expect(stat).toEqual(info);
    });

    it("gives an object without a content type application/octet-stream", async () => {
      const object = name("untyped.bin");
      const info = await store.write(bucket, object, Buffer.from([0, 1, 2, 255]));
      expect(info.contentType).toBe("application/octet-stream");
      expect([...(await store.read(bucket, object))]).toEqual([0, 1, 2, 255]);
    });

    it("replaces an object on rewrite with a newer generation", async () => {
      const object = name("rewrite.jsonl");
      const first = await store.write(bucket, object, '{"v":1}\n');
      const second = await store.write(bucket, object, '{"v":2}\n{"v":3}\n', {
        contentType: "application/x-ndjson",
      });
      expect(BigInt(second.generation)).toBeGreaterThan(BigInt(first.generation));
      expect((await store.read(bucket, object)).toString()).toBe('{"v":2}\n{"v":3}\n');
      expect(await store.stat(bucket, object)).toMatchObject({
        size: 16,
        contentType: "application/x-ndjson",
        generation: second.generation,
        metadata: {},
      });
    });

    it("streams a large object back intact", async () => {
      const object = name("large.bin");
      const block = Buffer.alloc(64 * 1024, 7);
      const blocks = (async function* () {
        for (let i = 0; i < 32; i++) yield block;
      })();
      const info = await store.write(bucket, object, blocks);
      expect(info.size).toBe(2 * 1024 * 1024);
      let size = 0;
      for await (const chunk of store.readStream(bucket, object)) size += (chunk as Buffer).length;
      expect(size).toBe(2 * 1024 * 1024);
    });

    it("says an object is missing: stat undefined, read and readStream ObjectNotFound naming the gs:// URI", async () => {
      const object = name("never-written.parquet");
      expect(await store.stat(bucket, object)).toBeUndefined();
      const read = store.read(bucket, object);
      await expect(read).rejects.toBeInstanceOf(ObjectNotFound);
      await expect(read).rejects.toThrow(`gs://${bucket}/${object}`);
      await expect(text(store.readStream(bucket, object))).rejects.toBeInstanceOf(ObjectNotFound);
    });

    it("lists by prefix in name order, across folders, and nothing else", async () => {
      const names = [
        "sales/batch_date=2026-11-02/part-00000.parquet",
        "sales/batch_date=2026-11-01/part-00001.parquet",
        "sales/batch_date=2026-11-01/part-00000.parquet",
        "sales/batch_date=2026-11-01/sub/deeper.json",
        "salesman/other.txt",
        "clickstream/batch_date=2026-11-01/part-00000.jsonl",
      ].map((tail) => name(`list/${tail}`));
      for (const object of names) await store.write(bucket, object, object);

      const day = await store.list(bucket, `${run}/list/sales/batch_date=2026-11-01/`);
      expect(day.map((o) => o.name)).toEqual([
        `${run}/list/sales/batch_date=2026-11-01/part-00000.parquet`,
        `${run}/list/sales/batch_date=2026-11-01/part-00001.parquet`,
        `${run}/list/sales/batch_date=2026-11-01/sub/deeper.json`,
      ]);
      expect(day[0]).toMatchObject({ bucket, size: Buffer.byteLength(names[2] as string) });

      const partial = await store.list(bucket, `${run}/list/sales`);
      expect(partial.map((o) => o.name.slice(run.length + 6))).toEqual([
        "sales/batch_date=2026-11-01/part-00000.parquet",
        "sales/batch_date=2026-11-01/part-00001.parquet",
        "sales/batch_date=2026-11-01/sub/deeper.json",
        "sales/batch_date=2026-11-02/part-00000.parquet",
        "salesman/other.txt",
      ]);
      const partSegment = await store.list(bucket, `${run}/list/sales/batch_date=2026-11-01/part-0000`);
      expect(partSegment).toHaveLength(2);
      expect(await store.list(bucket, `${run}/list/startups/`)).toEqual([]);
    });

    it("deletes, and deleting again or deleting a missing object is fine", async () => {
      const object = name("delete/me.txt");
      const keep = name("delete/keep.txt");
      await store.write(bucket, object, "bye");
      await store.write(bucket, keep, "stay");
      await store.delete(bucket, object);
      await store.delete(bucket, object);
      await store.delete(bucket, name("delete/never.txt"));
      expect(await store.stat(bucket, object)).toBeUndefined();
      expect((await store.list(bucket, `${run}/delete/`)).map((o) => o.name)).toEqual([keep]);
    });

    it("refuses object names that are not safe relative paths, writing nothing", async () => {
      for (const bad of INJECTED_OBJECT_NAMES) {
        await expect(store.write(bucket, bad, "x"), JSON.stringify(bad)).rejects.toBeInstanceOf(
          InvalidObjectName,
        );
        await expect(store.read(bucket, bad), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidObjectName);
        await expect(store.delete(bucket, bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
          InvalidObjectName,
        );
      }
      await expect(store.list(bucket, "../")).rejects.toBeInstanceOf(InvalidObjectName);
      await expect(store.list(bucket, "/")).rejects.toBeInstanceOf(InvalidObjectName);
    });

    it("refuses bucket names Cloud Storage refuses, naming the bucket", async () => {
      for (const bad of INJECTED_BUCKET_NAMES) {
        const write = store.write(bad, "a.txt", "x");
        await expect(write, JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidObjectName);
        await expect(write, JSON.stringify(bad)).rejects.toThrow(/bucket name/);
        await expect(store.list(bad, ""), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidObjectName);
      }
    });
  });
}
