/**
 * Malformed records, where they enter the platform:
 * - a sales document in the documents store that breaks its schema makes export refuse the batch
 *   (schema-violation naming the document and the field) and leave no file in bronze;
 * - malformed lines in a JSONL batch in bronze (not JSON, wrong types, missing fields, duplicated
 *   ids, unicode edge cases) become staging rejects with a reason, and the counts still reconcile:
 *   bronze = silver + rejects.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportHop } from "../../functions/export/handle.ts";
import { generateBatch, sourcesDue } from "../../functions/generate/handle.ts";
import { partName } from "../../lib/bronze.ts";
import type { BatchLanded } from "../../lib/contracts/events.ts";
import type { SalesRecord } from "../../lib/contracts/records.ts";
import { deliver, FAILURE_ATTRIBUTES, toMessage } from "../../lib/hop.ts";
import { loadHistory, type RunSummary } from "../../runtime/chain.ts";
import {
  DATE,
  deadLetterReasons,
  deliverAll,
  HISTORY_DAYS,
  openFaultPlatform,
  SCALE,
  summary,
} from "../faults/chain-harness.ts";
import { cloudEventOf } from "../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";

const SALES_DATE = "2026-10-13";

/** A corruption of one sales document, and what the error must name besides the document. */
interface Corruption {
  name: string;
  corrupt: (record: Record<string, unknown>) => Record<string, unknown>;
  mentions: string;
}

const set = (field: string, value: unknown) => (r: Record<string, unknown>) => ({ ...r, [field]: value });
const drop = (field: string) => (r: Record<string, unknown>) => {
  const { [field]: _gone, ...rest } = r;
  return rest;
};

const CORRUPTIONS: Corruption[] = [
  { name: "quantity as a string", corrupt: set("quantity", "3"), mentions: "/quantity" },
  { name: "quantity zero", corrupt: set("quantity", 0), mentions: "/quantity" },
  { name: "quantity fractional", corrupt: set("quantity", 2.5), mentions: "/quantity" },
  { name: "unit price negative", corrupt: set("unit_price", -1), mentions: "/unit_price" },
  { name: "unit price as an object", corrupt: set("unit_price", { amount: 3 }), mentions: "/unit_price" },
  { name: "discount above 1", corrupt: set("discount", 1.5), mentions: "/discount" },
  {
    name: "customer id missing",
    corrupt: drop("customer_id"),
    mentions: 'missing required property "customer_id"',
  },
  { name: "sale id missing", corrupt: drop("sale_id"), mentions: 'missing required property "sale_id"' },
  { name: "sold_at not a time", corrupt: set("sold_at", "yesterday"), mentions: "/sold_at" },
  {
    name: "batch date that does not exist",
    corrupt: set("batch_date", "2026-02-30"),
    mentions: "/batch_date",
  },
  {
    name: "e-mail that is not one",
    corrupt: set("customer_email", "not-an-email"),
    mentions: "/customer_email",
  },
  { name: "empty customer name", corrupt: set("customer_name", ""), mentions: "/customer_name" },
  {
    name: "customer name of 10,000 characters",
    corrupt: set("customer_name", "n".repeat(10_000)),
    mentions: "/customer_name",
  },
  { name: "currency not EUR", corrupt: set("currency", "USD"), mentions: "/currency" },
  {
    name: "region with SQL",
    corrupt: set("region", "North'; DROP TABLE winter_sales; --"),
    mentions: "/region",
  },
  { name: "sale id with a path", corrupt: set("sale_id", "../../etc/passwd"), mentions: "/sale_id" },
  { name: "product id with a NUL", corrupt: set("product_id", "P-00001\u0000"), mentions: "/product_id" },
  { name: "channel null", corrupt: set("channel", null), mentions: "/channel" },
  {
    name: "an extra field",
    corrupt: set("notes", "<script>alert(1)</script>"),
    mentions: 'unexpected property "notes"',
  },
  { name: "another schema version", corrupt: set("schema_version", "3.0.0"), mentions: "/schema_version" },
  {
    name: "10,000-element array as payment method",
    corrupt: set("payment_method", Array(10_000).fill("card")),
    mentions: "/payment_method",
  },
];

describe("malformed sales documents in the documents store", () => {
  let platform: TestPlatform;
  let landed: BatchLanded;
  let victim: { id: string; data: SalesRecord };

  beforeAll(async () => {
    platform = await openTestPlatform();
    ({ event: landed } = await generateBatch(platform.deps, {
      source: "sales",
      date: SALES_DATE,
      seed: 5,
      scale: 200,
    }));
    const docs = await platform.deps.documents.query<SalesRecord & Record<string, unknown>>(
      platform.deps.config.salesCollection,
      { where: [["batch_id", "==", landed.batch_id]], limit: 1000 },
    );
    // One in the middle of the batch, so export has written part of the file when it meets it.
    victim = docs[Math.floor(docs.length / 2)] as { id: string; data: SalesRecord };
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  const collection = () => platform.deps.config.salesCollection;

  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))(
    "%s: export dead-letters the batch",
    async (_n, c) => {
      await platform.deps.documents.set(collection(), victim.id, c.corrupt({ ...victim.data }));
      try {
        const outcome = await deliver(exportHop, cloudEventOf(landed), platform.deps);
        expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: "schema-violation" });
        const error = outcome.outcome === "succeeded" ? "" : outcome.error;
        expect(error).toContain(`${collection()}/${victim.id}`);
        expect(error).toContain(c.mentions);
        const letters = await platform.broker.pull("export-dead-letter-keep", 10);
        await platform.broker.ack(
          "export-dead-letter-keep",
          letters.map((l) => l.ackId),
        );
        expect(letters.map((l) => l.attributes[FAILURE_ATTRIBUTES.reason])).toEqual(["schema-violation"]);
        // Nothing of the refused batch is left in bronze, not even half a file.
        expect(await platform.objects.list(platform.deps.config.lakeBucket, "sales/")).toEqual([]);
        expect(await readdir(path.join(platform.dir, "objects", ".tmp")).catch(() => [])).toEqual([]);
      } finally {
        await platform.deps.documents.set(collection(), victim.id, { ...victim.data });
      }
    },
  );

  it("exports the batch once the document is repaired", async () => {
    const outcome = await deliver(exportHop, cloudEventOf(landed), platform.deps);
    expect(outcome).toMatchObject({ outcome: "succeeded", rowsOut: landed.record_count });
    const run = await platform.deps.ledger.get(SALES_DATE);
    expect(run?.hops.export?.sales?.state).toBe("succeeded");
  });
});

/** Malformed JSONL lines, each with the staging reason it must be rejected for. */
const CLICKSTREAM_LINES: Array<[line: string, reason: string]> = [
  ["this is not JSON", "invalid_event_id"],
  ['{"event_id": "E-20261123-deadbeef-0000001", "event_time": ', "invalid_event_id"],
  ["[1, 2, 3]", "invalid_event_id"],
  ["null", "invalid_event_id"],
  ['"just a string"', "invalid_event_id"],
  [
    '{"event_id": 12345, "event_time": "2026-11-23T10:00:00Z", "session_id": "SE-0000000000000001"}',
    "invalid_event_id",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000002", "event_time": "yesterday", "session_id": "SE-0000000000000001", "event_type": "page_view"}',
    "invalid_event_time",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000003", "event_time": "2026-11-23T10:00:00Z", "event_type": "page_view"}',
    "missing_session_id",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000004", "event_time": "2026-11-23T10:00:00Z", "session_id": "SE-0000000000000001", "customer_id": "C-12", "event_type": "page_view"}',
    "invalid_customer_id",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000005", "event_time": "2026-11-23T10:00:00Z", "session_id": "SE-0000000000000001", "event_type": "\'; DROP TABLE stg_clickstream; --"}',
    "invalid_event_type",
  ],
  [
    '{"event_id": "../../etc/passwd", "event_time": "2026-11-23T10:00:00Z", "session_id": "SE-0000000000000001", "event_type": "page_view"}',
    "invalid_event_id",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000006\\u202e", "event_time": "2026-11-23T10:00:00Z", "session_id": "S", "event_type": "page_view"}',
    "invalid_event_id",
  ],
  ['{"event_id": "\\ud800", "event_time": "2026-11-23T10:00:00Z"}', "invalid_event_id"],
  ['{"event_id": {"nested": true}, "event_time": "2026-11-23T10:00:00Z"}', "invalid_event_id"],
  // A duplicated key: the reader keeps the first value (JSON.parse would keep the last); the line
  // has no session either way.
  [
    '{"event_id": "E-20261123-deadbeef-0000007", "event_id": "E-🎄", "event_time": "2026-11-23T10:00:00Z"}',
    "missing_session_id",
  ],
  // Two copies of one valid event: the later (by time) is kept, the other rejected as superseded.
  [
    '{"event_id": "E-20261123-deadbeef-0000008", "event_time": "2026-11-23T10:00:00Z", "session_id": "SE-0000000000000001", "event_type": "page_view"}',
    "duplicate_superseded",
  ],
  [
    '{"event_id": "E-20261123-deadbeef-0000008", "event_time": "2026-11-23T11:00:00Z", "session_id": "SE-0000000000000001", "event_type": "page_view"}',
    "kept",
  ],
];

const STARTUP_LINES: Array<[line: string, reason: string]> = [
  ["{not json", "invalid_startup_id"],
  [
    '{"startup_id": "SU-999001", "name": "Acme", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": "a lot", "employees": 10, "status": "active"}',
    "invalid_total_funding",
  ],
  [
    '{"startup_id": "SU-999002", "name": "Acme", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1000, "employees": "many", "status": "active"}',
    "invalid_employees",
  ],
  [
    '{"startup_id": "SU-999003", "name": "Acme", "founded_on": "2020-02-30", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1000, "employees": 3, "status": "active"}',
    "invalid_founded_on",
  ],
  [
    '{"startup_id": "SU-999004", "name": "   ", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1000, "employees": 3, "status": "active"}',
    "missing_name",
  ],
  [
    '{"startup_id": "SU-999005", "name": "Acme", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1e400, "employees": 3, "status": "active"}',
    "invalid_total_funding",
  ],
  [
    '{"startup_id": "SU-999006", "name": "Acme", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1000, "employees": 99999999999999999999999, "status": "active"}',
    "invalid_employees",
  ],
  [
    '{"startup_id": "SU-999007", "name": "Acme", "founded_on": "2020-01-01", "updated_at": "2026-11-23T00:00:00Z", "total_funding_usd": 1000, "employees": 3, "status": "bankrupt\\u0000"}',
    "invalid_status",
  ],
];

/** Appends lines to a landed JSONL part, keeping its batch metadata, as a faulty producer would. */
async function appendLines(platform: TestPlatform, source: "clickstream" | "startups", lines: string[]) {
  const bucket = platform.deps.config.lakeBucket;
  const name = partName(source, DATE, 0, "jsonl");
  const info = await platform.objects.stat(bucket, name);
  const body = (await platform.objects.read(bucket, name)).toString("utf8");
  await platform.objects.write(bucket, name, `${body}${lines.join("\n")}\n`, {
    contentType: info?.contentType ?? "application/x-ndjson",
    metadata: info?.metadata ?? {},
  });
}

describe("malformed lines in JSONL batches in bronze", () => {
  let platform: TestPlatform;
  let result: RunSummary;

  beforeAll(async () => {
    platform = await openFaultPlatform();
    const seed = 9;
    await loadHistory(platform, { date: DATE, seed, scale: SCALE, historyDays: HISTORY_DAYS });
    for (const source of sourcesDue(DATE)) {
      const { event } = await generateBatch(platform.deps, {
        source,
        date: DATE,
        seed,
        scale: SCALE,
        publish: false,
      });
      const extra = source === "clickstream" ? CLICKSTREAM_LINES : source === "startups" ? STARTUP_LINES : [];
      if (source !== "sales")
        await appendLines(
          platform,
          source,
          extra.map(([line]) => line),
        );
      // The producer counted what it landed, malformed lines included.
      const count = event.record_count + extra.length;
      await platform.deps.ledger.recordSource(DATE, source, {
        batch_id: event.batch_id,
        generated: count,
        landed: count,
      });
      await platform.broker.publish("batch-landed", toMessage({ ...event, record_count: count }));
    }
    result = await summary(platform, seed, await deliverAll(platform));
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("completes the chain, with nothing dead-lettered", () => {
    expect(deadLetterReasons(platform)).toEqual({});
    expect(result.predicted).toBeGreaterThan(0);
  });

  it("reconciles: bronze = silver + rejects for every source", () => {
    expect(result.problems).toEqual([]);
    for (const source of ["clickstream", "startups"] as const) {
      const counts = result.sources[source];
      expect((counts?.silver ?? 0) + (counts?.rejected ?? 0), source).toBe(counts?.bronze);
    }
  });

  it.each([
    ["clickstream", CLICKSTREAM_LINES, "stg_clickstream_rejects"],
    ["startups", STARTUP_LINES, "stg_startups_rejects"],
  ] as const)("keeps every malformed %s line as a reject with its reason", async (_source, lines, table) => {
    const rows = await platform.warehouse.query<{ reject_reason: string; n: number }>(
      `SELECT reject_reason, COUNT(*) AS n FROM winter_days_staging.${table}
       WHERE batch_date = DATE '${DATE}' GROUP BY reject_reason`,
    );
    const found = Object.fromEntries(rows.map((r) => [r.reject_reason, Number(r.n)]));
    const expected: Record<string, number> = {};
    for (const [, reason] of lines) if (reason !== "kept") expected[reason] = (expected[reason] ?? 0) + 1;
    // The generated lines are clean: every reject is one of the malformed lines.
    expect(found).toEqual(expected);
  });
});
