import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportHop } from "../../../functions/export/handle.ts";
import { generateBatch } from "../../../functions/generate/handle.ts";
import type { BatchLanded } from "../../../lib/contracts/events.ts";
import { deliver, FAILURE_ATTRIBUTES } from "../../../lib/hop.ts";
import { cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";

const DATE = "2026-11-16";

describe("export hop", () => {
  let platform: TestPlatform;
  beforeEach(async () => {
    platform = await openTestPlatform();
  });
  afterEach(async () => {
    await platform.dispose();
  });

  const land = async (source: "sales" | "clickstream") =>
    (await generateBatch(platform.deps, { source, date: DATE, seed: 7, scale: 400 })).event;
  const exportIt = (event: BatchLanded) => deliver(exportHop, cloudEventOf(event), platform.deps);
  const readyEvents = async () =>
    (await platform.broker.pull("dataform-invoke", 50)).map(
      (m) => JSON.parse(m.data.toString()) as Record<string, unknown>,
    );

  it("exports a sales batch from the documents store to one typed Parquet file in bronze", async () => {
    const landed = await land("sales");
    expect(landed.record_count).toBeGreaterThan(100);
    const result = await exportIt(landed);
    expect(result.outcome).toBe("succeeded");
    const uri = `gs://${platform.deps.config.lakeBucket}/sales/batch_date=${DATE}/part-00000.parquet`;
    const [row] = await platform.warehouse.query<{ n: bigint; ids: bigint; sold: string; qty: string }>(
      `SELECT count(*) AS n, count(DISTINCT sale_id) AS ids, typeof(min(sold_at)) AS sold, typeof(min(quantity)) AS qty
       FROM read_parquet('${platform.localPath(uri)}')`,
    );
    expect(Number(row?.n)).toBe(landed.record_count);
    expect(Number(row?.ids)).toBe(landed.record_count);
    expect(row?.sold).toMatch(/^TIMESTAMP/);
    expect(row?.qty).toBe("INTEGER");
    const [ready] = await readyEvents();
    expect(ready).toMatchObject({
      event_type: "bronze.ready",
      source: "sales",
      record_count: landed.record_count,
      objects: [uri],
    });
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.sources.sales).toMatchObject({
      generated: landed.record_count,
      landed: landed.record_count,
      bronze: landed.record_count,
    });
  });

  it("does not rewrite the file on a repeated delivery, and announces it again", async () => {
    const landed = await land("sales");
    await exportIt(landed);
    const name = `sales/batch_date=${DATE}/part-00000.parquet`;
    const first = await platform.objects.stat(platform.deps.config.lakeBucket, name);
    await exportIt(landed);
    const second = await platform.objects.stat(platform.deps.config.lakeBucket, name);
    expect(second?.generation).toBe(first?.generation);
    expect(await readyEvents()).toHaveLength(2);
  });

  it("dead-letters a batch whose announced count does not match, leaving no file behind", async () => {
    const landed = await land("sales");
    const result = await exportIt({ ...landed, record_count: landed.record_count + 1 });
    expect(result).toMatchObject({ outcome: "dead-lettered", reason: "count-mismatch" });
    expect(await platform.objects.list(platform.deps.config.lakeBucket, "sales/")).toHaveLength(0);
    const [letter] = platform.broker.peek("export-dead-letter-keep", 5);
    expect(letter?.attributes[FAILURE_ATTRIBUTES.reason]).toBe("count-mismatch");
  });

  it("checks a JSONL batch in place and counts its records", async () => {
    const landed = await land("clickstream");
    const result = await exportIt(landed);
    expect(result).toMatchObject({ outcome: "succeeded", rowsOut: landed.record_count });
    const [ready] = await readyEvents();
    expect(ready).toMatchObject({ source: "clickstream", record_count: landed.record_count });
  });

  it("retries when the batch's objects are not there yet", async () => {
    const landed = await land("clickstream");
    await platform.objects.delete(
      platform.deps.config.lakeBucket,
      `clickstream/batch_date=${DATE}/part-00000.jsonl`,
    );
    await expect(exportIt(landed)).rejects.toThrow(/no clickstream objects/);
    expect(platform.broker.peek("export-dead-letter-keep", 5)).toHaveLength(0);
  });
});
