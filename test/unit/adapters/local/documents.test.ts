import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DocumentNotFound } from "../../../../lib/adapters/document-rules.ts";
import { LocalDocumentStore } from "../../../../lib/adapters/local/documents.ts";
import { PermanentError } from "../../../../lib/errors.ts";
import { DOCUMENT_ID } from "../../../../lib/ports/documents.ts";

describe("LocalDocumentStore", () => {
  let dir: string;
  let file: string;
  const opened: LocalDocumentStore[] = [];
  const open = () => {
    const store = new LocalDocumentStore(file);
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "wd-local-documents-"));
    file = join(dir, "nested", "documents.sqlite");
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps documents in one file across reopening, creating its folder", async () => {
    const first = open();
    await first.set("winter_days_runs", "sales-2026-11-01", { state: "landed", sources: { sales: 3 } });
    await first.close();

    const second = open();
    expect(await second.get("winter_days_runs", "sales-2026-11-01")).toEqual({
      state: "landed",
      sources: { sales: 3 },
    });
  });

  it("keeps collections with any legal name apart, whatever their case or characters", async () => {
    const store = open();
    await store.set("Sales", "a", { from: "Sales" });
    await store.set("sales", "a", { from: "sales" });
    await store.set("sales-eu.v2", "a", { from: "sales-eu.v2" });
    expect(await store.get("Sales", "a")).toEqual({ from: "Sales" });
    expect(await store.get("sales", "a")).toEqual({ from: "sales" });
    expect(await store.get("sales-eu.v2", "a")).toEqual({ from: "sales-eu.v2" });
    expect(await store.query("never_written", {})).toEqual([]);
    expect(await store.get("never_written", "a")).toBeUndefined();
  });

  it("reruns a transaction whose read was changed by another connection to the same file", async () => {
    const store = open();
    const other = open();
    await store.set("c", "counter", { n: 0 });
    let runs = 0;
    const result = await store.transaction(async (tx) => {
      runs++;
      const current = await tx.get<{ n: number }>("c", "counter");
      // Another process commits between our read and our commit, once.
      if (runs === 1) await other.set("c", "counter", { n: 100 });
      tx.set("c", "counter", { n: (current?.n ?? 0) + 1 });
      return current?.n;
    });
    expect(runs).toBe(2);
    expect(result).toBe(100);
    expect(await other.get("c", "counter")).toEqual({ n: 101 });
  });

  it("serialises transactions of one store so that many increments all land", async () => {
    const store = open();
    await store.set("c", "counter", { n: 0 });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          const current = await tx.get<{ n: number }>("c", "counter");
          await new Promise((resolve) => setTimeout(resolve, 1));
          tx.update("c", "counter", { n: (current?.n ?? 0) + 1 });
        }),
      ),
    );
    expect(await store.get("c", "counter")).toEqual({ n: 20 });
  });

  it("a transaction that throws writes nothing and the next one still runs", async () => {
    const store = open();
    await expect(
      store.transaction(async (tx) => {
        tx.set("c", "a", { n: 1 });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.get("c", "a")).toBeUndefined();
    await store.transaction(async (tx) => tx.set("c", "a", { n: 2 }));
    expect(await store.get("c", "a")).toEqual({ n: 2 });
  });

  it("copies transaction writes when they are made, not when they commit", async () => {
    const store = open();
    await store.transaction(async (tx) => {
      const data = { n: 1 };
      tx.set("c", "a", data);
      data.n = 2;
    });
    expect(await store.get("c", "a")).toEqual({ n: 1 });
  });

  it("names the collection and id when an update finds no document", async () => {
    const store = open();
    const failure = store.update("winter_days_runs", "sales-2026-11-01", { state: "done" });
    await expect(failure).rejects.toBeInstanceOf(DocumentNotFound);
    await expect(failure).rejects.toThrow("winter_days_runs/sales-2026-11-01");
  });

  it.each([
    ["a collection with a slash", () => open().set("a/b", "x", {})],
    ["an empty collection", () => open().get("", "x")],
    ["a field path with an empty segment", () => open().update("c", "x", { "a..b": 1 })],
    ["a field path with a quote", () => open().query("c", { where: [['a"b', "==", 1]] })],
    [
      "a cursor longer than the order",
      () => open().query("c", { orderBy: [["n", "asc"]], startAfter: [1, "a", 2] }),
    ],
    ["a non-string id cursor", () => open().query("c", { orderBy: [[DOCUMENT_ID, "asc"]], startAfter: [1] })],
  ])("refuses %s with a PermanentError that says what was wrong", async (_label, act) => {
    const store = open();
    await store.set("c", "x", { n: 1 });
    const failure = act();
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toMatchObject({ reason: "invalid-identifier" });
  });

  it("treats a field name full of SQL as a plain field name", async () => {
    const store = open();
    const field = "a') OR 1=1; DROP TABLE x; --";
    await store.set("c", "has", { [field]: 1 });
    await store.set("c", "lacks", { other: 1 });
    const ordered = await store.query("c", { orderBy: [[field, "asc"]] });
    const filtered = await store.query("c", { where: [[field, "==", 1]] });
    expect(ordered.map((d) => d.id)).toEqual(["has"]);
    expect(filtered.map((d) => d.id)).toEqual(["has"]);
    expect(await store.get("c", "lacks")).toEqual({ other: 1 });
  });

  it("pages by a field with the same result whether or not its index existed before the writes", async () => {
    const store = open();
    // The first query creates the index; documents written after it must be found through it too.
    expect(await store.query("s", { where: [["batch_id", "==", "b1"]] })).toEqual([]);
    await store.setMany(
      "s",
      Array.from({ length: 250 }, (_, i) => ({
        id: `id-${String(i).padStart(3, "0")}`,
        data: { batch_id: `b${i % 2}` },
      })),
    );
    const page = await store.query("s", {
      where: [["batch_id", "==", "b1"]],
      orderBy: [[DOCUMENT_ID, "asc"]],
      startAfter: ["id-100"],
      limit: 3,
    });
    expect(page.map((d) => d.id)).toEqual(["id-101", "id-103", "id-105"]);
  });

  it("setMany keeps the last of several writes of one id in a call", async () => {
    const store = open();
    await store.setMany(
      "s",
      Array.from({ length: 250 }, (_, i) => ({ id: `d${i % 120}`, data: { i } })),
    );
    expect(await store.query("s", {})).toHaveLength(120);
    expect(await store.get("s", "d0")).toEqual({ i: 240 });
    expect(await store.get("s", "d119")).toEqual({ i: 239 });
  });

  it("setMany writes nothing when one document of the call is invalid", async () => {
    const store = open();
    const docs = Array.from({ length: 150 }, (_, i) => ({ id: `ok-${i}`, data: { i } }));
    docs.push({ id: "bad/id", data: { i: -1 } });
    await expect(store.setMany("s", docs)).rejects.toBeInstanceOf(PermanentError);
    expect(await store.query("s", {})).toEqual([]);
  });
});
