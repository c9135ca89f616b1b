import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  LocalObjectStore,
  localPathOf,
  OBJECT_FINALIZED,
  type StorageObjectFinalizedEvent,
} from "../../../../lib/adapters/local/objects.ts";
import { InvalidObjectName } from "../../../../lib/adapters/object-names.ts";
import { memoryLogger } from "../../../../lib/log.ts";

const BUCKET = "winter-days-local-winter-days-lake";

/** Cloud Storage's etag bytes: protobuf {1: generation, 2: metageneration}. */
function expectedEtag(generation: string, metageneration: number): string {
  const varint = (value: bigint) => {
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80n) {
      bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    bytes.push(Number(rest));
    return bytes;
  };
  return Buffer.from([0x08, ...varint(BigInt(generation)), 0x10, ...varint(BigInt(metageneration))]).toString(
    "base64",
  );
}

describe("LocalObjectStore", () => {
  let dir: string;
  let root: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wd-local-objects-"));
    root = join(dir, "objects");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps each object as the plain file <root>/<bucket>/<name> that localPathOf names", async () => {
    const store = new LocalObjectStore(root);
    const name = "sales/batch_date=2026-11-01/part-00000.parquet";
    await store.write(BUCKET, name, "PAR1...");
    const path = localPathOf(root, BUCKET, name);
    expect(path).toBe(join(root, BUCKET, "sales", "batch_date=2026-11-01", "part-00000.parquet"));
    expect(await readFile(path, "utf8")).toBe("PAR1...");
  });

  it.each(["../escape", "a/../../escape", "/abs", "nul\u0000", "back\\slash"])(
    "localPathOf refuses %j",
    (name) => {
      expect(() => localPathOf(root, BUCKET, name)).toThrow(InvalidObjectName);
    },
  );

  it("keeps metadata out of the bucket's folder, even for names that look like sidecars", async () => {
    const store = new LocalObjectStore(root);
    await store.write(BUCKET, "a", "object a", { metadata: { who: "a" } });
    await store.write(BUCKET, "a.json", "object a.json", { metadata: { who: "a.json" } });
    await store.write(BUCKET, ".meta/a", "an object named .meta/a", { metadata: { who: ".meta/a" } });
    await store.write(BUCKET, "a.json.d/x", "nested");

    expect((await readdir(join(root, BUCKET))).sort()).toEqual([".meta", "a", "a.json", "a.json.d"]);
    const listed = await store.list(BUCKET, "");
    expect(listed.map((o) => [o.name, o.metadata.who])).toEqual([
      [".meta/a", ".meta/a"],
      ["a", "a"],
      ["a.json", "a.json"],
      ["a.json.d/x", undefined],
    ]);
    expect((await store.read(BUCKET, "a")).toString()).toBe("object a");
  });

  it("emits Cloud Storage's finalized CloudEvent after each write", async () => {
    const now = new Date("2026-11-01T06:00:00.123Z");
    const store = new LocalObjectStore(root, { now: () => now });
    const events: StorageObjectFinalizedEvent[] = [];
    store.onFinalized((event) => {
      events.push(event);
    });
    const name = "clickstream/batch_date=2026-11-01/part 00000.jsonl";
    const body = '{"event":"view"}\n';
    const info = await store.write(BUCKET, name, body, {
      contentType: "application/x-ndjson",
      metadata: { batch_id: "clickstream-2026-11-01-0a1b2c3d" },
    });

    expect(events).toHaveLength(1);
    const event = events[0] as StorageObjectFinalizedEvent;
    expect(event).toMatchObject({
      specversion: "1.0",
      type: OBJECT_FINALIZED,
      source: `//storage.googleapis.com/projects/_/buckets/${BUCKET}`,
      subject: `objects/${name}`,
      time: "2026-11-01T06:00:00.123Z",
      bucket: BUCKET,
    });
    expect(event.id).toMatch(/\S+/);
    expect(event.data).toEqual({
      kind: "storage#object",
      id: `${BUCKET}/${name}/${info.generation}`,
      selfLink: `https://www.googleapis.com/storage/v1/b/${BUCKET}/o/clickstream%2Fbatch_date%3D2026-11-01%2Fpart%2000000.jsonl`,
      mediaLink:
        `https://storage.googleapis.com/download/storage/v1/b/${BUCKET}/o/` +
        `clickstream%2Fbatch_date%3D2026-11-01%2Fpart%2000000.jsonl?generation=${info.generation}&alt=media`,
      name,
      bucket: BUCKET,
      generation: info.generation,
      metageneration: "1",
      contentType: "application/x-ndjson",
      timeCreated: "2026-11-01T06:00:00.123Z",
      updated: "2026-11-01T06:00:00.123Z",
      storageClass: "STANDARD",
      timeStorageClassUpdated: "2026-11-01T06:00:00.123Z",
      size: String(Buffer.byteLength(body)),
      md5Hash: createHash("md5").update(body).digest("base64"),
      crc32c: expect.any(String),
      etag: expectedEtag(info.generation, 1),
      metadata: { batch_id: "clickstream-2026-11-01-0a1b2c3d" },
    });
  });

  it("computes crc32c as Cloud Storage does (Castagnoli, big-endian, base64)", async () => {
    const store = new LocalObjectStore(root);
    const events: StorageObjectFinalizedEvent[] = [];
    store.onFinalized((event) => {
      events.push(event);
    });
    await store.write(BUCKET, "check.txt", "123456789");
    // The standard CRC-32C check value of "123456789" is 0xE3069283.
    expect(events[0]?.data.crc32c).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString("base64"));
  });

  it("stops notifying a listener once it unsubscribes, and survives a failing listener", async () => {
    const logger = memoryLogger();
    const store = new LocalObjectStore(root, { logger });
    const seen: string[] = [];
    const unsubscribe = store.onFinalized((event) => {
      seen.push(event.data.name);
    });
    store.onFinalized(() => {
      throw new Error("listener broke");
    });
    await store.write(BUCKET, "one.txt", "1");
    unsubscribe();
    await store.write(BUCKET, "two.txt", "2");
    expect(seen).toEqual(["one.txt"]);
    expect((await store.read(BUCKET, "two.txt")).toString()).toBe("2");
    expect(logger.entries.filter((e) => e.severity === "ERROR")).toHaveLength(2);
    expect(logger.entries[0]).toMatchObject({ uri: `gs://${BUCKET}/one.txt`, error: "listener broke" });
  });

  it("leaves the previous object, no temporary file and no event when a write fails midway", async () => {
    const store = new LocalObjectStore(root);
    const events: unknown[] = [];
    await store.write(BUCKET, "data.jsonl", "old\n");
    store.onFinalized((event) => {
      events.push(event);
    });
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from("new partial\n");
        throw new Error("generator crashed");
      })(),
    );
    await expect(store.write(BUCKET, "data.jsonl", failing)).rejects.toThrow("generator crashed");
    expect((await store.read(BUCKET, "data.jsonl")).toString()).toBe("old\n");
    expect(await readdir(join(root, ".tmp"))).toEqual([]);
    expect(events).toEqual([]);
  });

  it("issues a new, larger generation on every write even when the clock stands still", async () => {
    const frozen = new Date("2026-11-01T00:00:00Z");
    const store = new LocalObjectStore(root, { now: () => frozen });
    const generations: bigint[] = [];
    for (let i = 0; i < 3; i++)
      generations.push(BigInt((await store.write(BUCKET, "same.txt", `v${i}`)).generation));
    const reopened = new LocalObjectStore(root, { now: () => frozen });
    generations.push(BigInt((await reopened.write(BUCKET, "same.txt", "v3")).generation));
    expect([...generations].sort((a, b) => (a < b ? -1 : 1))).toEqual(generations);
    expect(new Set(generations).size).toBe(4);
  });

  it("keeps data and metadata in agreement under concurrent writes of one object", async () => {
    const store = new LocalObjectStore(root);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        store.write(BUCKET, "race.txt", `writer ${i}`, { metadata: { i: String(i) } }),
      ),
    );
    const stat = await store.stat(BUCKET, "race.txt");
    const winner = results.find((r) => r.generation === stat?.generation);
    expect(winner).toBeDefined();
    expect((await store.read(BUCKET, "race.txt")).toString()).toBe(`writer ${winner?.metadata.i}`);
  });

  it("refuses a name whose folder is already an object, with a clear error", async () => {
    const store = new LocalObjectStore(root);
    await store.write(BUCKET, "sales", "a file");
    const blocked = store.write(BUCKET, "sales/part-0.parquet", "x");
    await expect(blocked).rejects.toBeInstanceOf(InvalidObjectName);
    await expect(blocked).rejects.toThrow(/gs:\/\/.*sales\/part-0\.parquet.*in the way/);
  });

  it("lists and stats a file put under the root by hand", async () => {
    const store = new LocalObjectStore(root);
    await mkdir(join(root, BUCKET, "startups", "batch_date=2026-11-02"), { recursive: true });
    await writeFile(join(root, BUCKET, "startups", "batch_date=2026-11-02", "part-00000.jsonl"), "{}\n");
    const listed = await store.list(BUCKET, "startups/");
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      name: "startups/batch_date=2026-11-02/part-00000.jsonl",
      size: 3,
      contentType: "application/octet-stream",
    });
    expect(listed[0]?.generation).toMatch(/^\d+$/);
  });

  it("removes folders emptied by a delete, keeping the bucket's folder", async () => {
    const store = new LocalObjectStore(root);
    await store.write(BUCKET, "sales/batch_date=2026-11-01/part-00000.parquet", "x");
    await store.write(BUCKET, "keep.txt", "y");
    await store.delete(BUCKET, "sales/batch_date=2026-11-01/part-00000.parquet");
    expect(await readdir(join(root, BUCKET))).toEqual(["keep.txt"]);
    await store.delete(BUCKET, "keep.txt");
    expect(await readdir(join(root, BUCKET))).toEqual([]);
  });
});
