/**
 * The behaviour every DocumentStore adapter must share, run identically against the local SQLite
 * store and against Firestore (its emulator). Each case writes to its own collection, so cases never
 * see each other's documents even when they share one database.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DocumentNotFound } from "../../lib/adapters/document-rules.ts";
import { DOCUMENT_ID, type DocumentData, type DocumentStore } from "../../lib/ports/documents.ts";

export interface OpenedDocumentStore {
  store: DocumentStore;
  /** Closes the store and frees what `open` started (files, emulator). */
  dispose(): Promise<void>;
}

const pad = (n: number) => String(n).padStart(4, "0");

/** Reads every page of a query with `startAfter`, returning the ids of each page. */
async function readAllPages(
  store: DocumentStore,
  collection: string,
  pageSize: number,
  query: Parameters<DocumentStore["query"]>[1],
  cursorOf: (doc: { id: string; data: DocumentData }) => Array<string | number | boolean>,
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: Array<string | number | boolean> | undefined;
  for (;;) {
    const page = await store.query(collection, {
      ...query,
      limit: pageSize,
      ...(cursor ? { startAfter: cursor } : {}),
    });
    if (page.length === 0) return pages;
    pages.push(page.map((doc) => doc.id));
    const last = page[page.length - 1];
    if (!last) return pages;
    cursor = cursorOf(last);
  }
}

export function documentStoreContract(label: string, open: () => Promise<OpenedDocumentStore>): void {
  describe(`DocumentStore contract: ${label}`, () => {
    let opened: OpenedDocumentStore;
    let store: DocumentStore;
    const fresh = () => `c_${randomUUID().replaceAll("-", "").slice(0, 16)}`;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it("gets what was set, replaces on set, and forgets on delete", async () => {
      const c = fresh();
      expect(await store.get(c, "a")).toBeUndefined();
      await store.set(c, "a", { name: "Ada", tags: ["x", "y"], nested: { n: 1.5, ok: true, none: null } });
      expect(await store.get(c, "a")).toEqual({
        name: "Ada",
        tags: ["x", "y"],
        nested: { n: 1.5, ok: true, none: null },
      });

      await store.set(c, "a", { other: 1 });
      expect(await store.get(c, "a")).toEqual({ other: 1 });

      await store.delete(c, "a");
      expect(await store.get(c, "a")).toBeUndefined();
      await expect(store.delete(c, "a")).resolves.toBeUndefined();
    });

    it("set with merge deep-merges maps, replaces arrays and creates a missing document", async () => {
      const c = fresh();
      await store.set(c, "d", { a: 1, m: { x: 1, y: 1, inner: { keep: true } }, arr: [1, 2] });
      await store.set(c, "d", { m: { y: 2, z: 3, inner: { add: "yes" } }, arr: [3], b: 2 }, { merge: true });
      expect(await store.get(c, "d")).toEqual({
        a: 1,
        m: { x: 1, y: 2, z: 3, inner: { keep: true, add: "yes" } },
        arr: [3],
        b: 2,
      });

      await store.set(c, "new", { only: "this" }, { merge: true });
      expect(await store.get(c, "new")).toEqual({ only: "this" });
    });

    it("create succeeds once and then resolves false without touching the document", async () => {
      const c = fresh();
      expect(await store.create(c, "run-1", { state: "started", attempt: 1 })).toBe(true);
      expect(await store.create(c, "run-1", { state: "overwritten", attempt: 2 })).toBe(false);
      expect(await store.get(c, "run-1")).toEqual({ state: "started", attempt: 1 });
    });

    it("update sets dotted paths inside maps and leaves sibling fields alone", async () => {
      const c = fresh();
      await store.set(c, "run", {
        state: "open",
        sources: { sales: { state: "pending", rows: 10 }, clickstream: { state: "ready" } },
      });
      await store.update(c, "run", {
        "sources.sales.state": "ready",
        "sources.startups.state": "pending",
        state: "waiting",
        replaced: { whole: true },
      });
      expect(await store.get(c, "run")).toEqual({
        state: "waiting",
        replaced: { whole: true },
        sources: {
          sales: { state: "ready", rows: 10 },
          clickstream: { state: "ready" },
          startups: { state: "pending" },
        },
      });
    });

    it("update of a missing document fails with DocumentNotFound and creates nothing", async () => {
      const c = fresh();
      const failure = store.update(c, "ghost", { "a.b": 1 });
      await expect(failure).rejects.toBeInstanceOf(DocumentNotFound);
      await expect(failure).rejects.toThrow(/ghost/);
      expect(await store.get(c, "ghost")).toBeUndefined();
    });

    describe("queries over 1000 documents", () => {
      const c = `q_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
      const all = Array.from({ length: 1000 }, (_, i) => ({
        id: `d-${pad(i)}`,
        data: { batch_id: i % 2 === 0 ? "b-even" : "b-odd", n: i, group: i % 10, meta: { bucket: i % 4 } },
      }));

      beforeAll(async () => {
        await store.setMany(c, all);
      });

      it("pages through an equality filter ordered by id, reading every document exactly once", async () => {
        const pages = await readAllPages(
          store,
          c,
          100,
          { where: [["batch_id", "==", "b-even"]], orderBy: [[DOCUMENT_ID, "asc"]] },
          (doc) => [doc.id],
        );
        const ids = pages.flat();
        expect(pages.map((p) => p.length)).toEqual([100, 100, 100, 100, 100]);
        expect(ids).toEqual(all.filter((d) => d.data.n % 2 === 0).map((d) => d.id));
      });

      it("pages through the whole collection by a non-unique field with the id as tie-breaker", async () => {
        const pages = await readAllPages(
          store,
          c,
          100,
          {
            orderBy: [
              ["group", "asc"],
              [DOCUMENT_ID, "asc"],
            ],
          },
          (doc) => [doc.data.group as number, doc.id],
        );
        const ids = pages.flat();
        expect(pages).toHaveLength(10);
        expect(new Set(ids).size).toBe(1000);
        const expected = [...all].sort((a, b) => a.data.group - b.data.group || a.id.localeCompare(b.id));
        expect(ids).toEqual(expected.map((d) => d.id));
      });

      it("a cursor with fewer values than order keys skips every document equal on those values", async () => {
        const page = await store.query(c, { orderBy: [["group", "asc"]], startAfter: [8], limit: 3 });
        expect(page.map((d) => d.id)).toEqual(["d-0009", "d-0019", "d-0029"]);
      });

      it("combines equality and range filters on dotted fields with an order", async () => {
        const page = await store.query<{ n: number }>(c, {
          where: [
            ["meta.bucket", "==", 1],
            ["n", ">=", 100],
            ["n", "<", 130],
          ],
          orderBy: [["n", "asc"]],
        });
        expect(page.map((d) => d.data.n)).toEqual([101, 105, 109, 113, 117, 121, 125, 129]);
      });

      it("filters on the document id", async () => {
        const page = await store.query(c, {
          where: [
            [DOCUMENT_ID, ">", "d-0995"],
            [DOCUMENT_ID, "<=", "d-0998"],
          ],
        });
        expect(page.map((d) => d.id)).toEqual(["d-0996", "d-0997", "d-0998"]);
      });

      it("orders descending, breaking ties by id in the same direction", async () => {
        const top = await store.query<{ n: number }>(c, { orderBy: [["n", "desc"]], limit: 3 });
        expect(top.map((d) => d.data.n)).toEqual([999, 998, 997]);

        const byGroup = await store.query(c, {
          where: [["group", "==", 9]],
          orderBy: [["meta.bucket", "desc"]],
          limit: 4,
        });
        // group 9 and bucket 3 are n = 19, 39, ..., 999; ties on bucket fall back to id descending.
        expect(byGroup.map((d) => d.id)).toEqual(["d-0999", "d-0979", "d-0959", "d-0939"]);
      });

      it("pages descending with a cursor", async () => {
        const pages = await readAllPages(
          store,
          c,
          100,
          { where: [["batch_id", "==", "b-odd"]], orderBy: [["n", "desc"]] },
          (doc) => [doc.data.n as number],
        );
        const ids = pages.flat();
        expect(ids).toHaveLength(500);
        expect(ids[0]).toBe("d-0999");
        expect(ids[499]).toBe("d-0001");
        expect(new Set(ids).size).toBe(500);
      });
    });

    it("orders values of different types as Firestore does and filters only within a type", async () => {
      const c = fresh();
      await store.setMany(c, [
        { id: "str", data: { v: "10" } },
        { id: "big", data: { v: 10 } },
        { id: "small", data: { v: 2 } },
        { id: "float", data: { v: 2.5 } },
        { id: "bool", data: { v: true } },
        { id: "missing", data: { other: 1 } },
      ]);
      const ordered = await store.query(c, { orderBy: [["v", "asc"]] });
      expect(ordered.map((d) => d.id)).toEqual(["bool", "small", "float", "big", "str"]);

      const numbers = await store.query(c, { where: [["v", ">", 1]] });
      expect(numbers.map((d) => d.id).sort()).toEqual(["big", "float", "small"]);
      const text = await store.query(c, { where: [["v", "==", "10"]] });
      expect(text.map((d) => d.id)).toEqual(["str"]);
      const truth = await store.query(c, { where: [["v", "==", true]] });
      expect(truth.map((d) => d.id)).toEqual(["bool"]);
    });

    it("runs concurrent transactions so that every increment lands", async () => {
      const c = fresh();
      await store.set(c, "counter", { n: 0 });
      const increment = () =>
        store.transaction(async (tx) => {
          const current = await tx.get<{ n: number }>(c, "counter");
          tx.set(c, "counter", { n: (current?.n ?? 0) + 1 });
          return current?.n;
        });
      await Promise.all([increment(), increment()]);
      expect(await store.get(c, "counter")).toEqual({ n: 2 });
    });

    it("applies all of a transaction's writes or none of them", async () => {
      const c = fresh();
      await store.set(c, "a", { n: 1 });
      const failing = store.transaction(async (tx) => {
        const a = await tx.get<{ n: number }>(c, "a");
        tx.set(c, "a", { n: (a?.n ?? 0) + 1 });
        tx.set(c, "b", { created: true });
        tx.update(c, "missing", { x: 1 });
      });
      await expect(failing).rejects.toBeInstanceOf(DocumentNotFound);
      expect(await store.get(c, "a")).toEqual({ n: 1 });
      expect(await store.get(c, "b")).toBeUndefined();

      const result = await store.transaction(async (tx) => {
        const a = await tx.get<{ n: number }>(c, "a");
        tx.update(c, "a", { n: (a?.n ?? 0) + 1, "audit.by": "tx" });
        tx.set(c, "b", { created: true }, { merge: true });
        return "done";
      });
      expect(result).toBe("done");
      expect(await store.get(c, "a")).toEqual({ n: 2, audit: { by: "tx" } });
      expect(await store.get(c, "b")).toEqual({ created: true });
    });

    it("rejects a read after a write inside a transaction and writes nothing", async () => {
      const c = fresh();
      const misordered = store.transaction(async (tx) => {
        tx.set(c, "x", { n: 1 });
        await tx.get(c, "x");
      });
      await expect(misordered).rejects.toThrow(/read/i);
      expect(await store.get(c, "x")).toBeUndefined();
    });

    it("setMany is idempotent and replaces documents", async () => {
      const c = fresh();
      const docs = Array.from({ length: 700 }, (_, i) => ({
        id: `s-${pad(i)}`,
        data: { i, batch_id: "b1" },
      }));
      await store.setMany(c, docs);
      await store.setMany(c, docs);
      const once = await store.query(c, { where: [["batch_id", "==", "b1"]] });
      expect(once).toHaveLength(700);
      expect(once[123]).toEqual({ id: "s-0123", data: { i: 123, batch_id: "b1" } });

      await store.setMany(c, [{ id: "s-0001", data: { replaced: true } }]);
      expect(await store.get(c, "s-0001")).toEqual({ replaced: true });
    });

    it("refuses an update without fields and a cursor longer than the explicit order", async () => {
      const c = fresh();
      await store.set(c, "a", { n: 1 });
      await expect(store.update(c, "a", {})).rejects.toThrow(/at least one field/);
      // Firestore's client counts only explicit orderBy clauses, not the implicit order by id.
      await expect(store.query(c, { orderBy: [["n", "asc"]], startAfter: [1, "a"] })).rejects.toThrow(
        /orderBy/,
      );
      await expect(store.query(c, { where: [["n", ">", 0]], startAfter: [1] })).rejects.toThrow(/orderBy/);
      expect(await store.get(c, "a")).toEqual({ n: 1 });
    });

    it("drops undefined properties, as JSON does", async () => {
      const c = fresh();
      await store.set(c, "a", { kept: 1, dropped: undefined });
      expect(await store.get(c, "a")).toEqual({ kept: 1 });
      expect(Object.keys((await store.get(c, "a")) ?? {})).toEqual(["kept"]);
    });

    it("refuses ids that Firestore refuses", async () => {
      const c = fresh();
      for (const id of ["", "a/b", "..", "__reserved__"]) {
        await expect(store.set(c, id, { n: 1 })).rejects.toThrow(/invalid|id/i);
      }
    });
  });
}
