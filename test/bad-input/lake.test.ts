/**
 * What bad input must never do to the lake: replace or delete a batch already in bronze. A
 * batch.landed that is well-formed but does not describe the batch the ledger says landed (a late
 * copy of an older batch, a count that was tampered with) is refused before export touches a file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataformInvokeHop } from "../../functions/dataform-invoke/handle.ts";
import { exportHop } from "../../functions/export/handle.ts";
import { generateBatch } from "../../functions/generate/handle.ts";
import { partName } from "../../lib/bronze.ts";
import type { BatchLanded, BronzeReady } from "../../lib/contracts/events.ts";
import { deliver } from "../../lib/hop.ts";
import type { ObjectInfo } from "../../lib/ports/objects.ts";
import { cloudEventOf } from "../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";

const DATE = "2026-10-14";

describe.each(["sales", "clickstream"] as const)("a %s batch already in bronze", (source) => {
  let platform: TestPlatform;
  let landed: BatchLanded;
  let before: ObjectInfo | undefined;
  const name = partName(source, DATE, 0, source === "sales" ? "parquet" : "jsonl");
  const bronze = () => platform.objects.stat(platform.deps.config.lakeBucket, name);

  beforeAll(async () => {
    platform = await openTestPlatform();
    ({ event: landed } = await generateBatch(platform.deps, { source, date: DATE, seed: 3, scale: 200 }));
    const exported = await deliver(exportHop, cloudEventOf(landed), platform.deps);
    expect(exported.outcome).toBe("succeeded");
    before = await bronze();
    expect(before?.size).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it("is left alone by a late copy of another batch of the same date, which is dropped", async () => {
    const older = { ...landed, batch_id: `${source}-${DATE}-0badc0de`, record_count: 17 };
    const outcome = await deliver(exportHop, cloudEventOf(older), platform.deps);
    expect(outcome).toMatchObject({ outcome: "succeeded", published: [] });
    expect((await bronze())?.generation).toBe(before?.generation);
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.sources[source]).toMatchObject({ batch_id: landed.batch_id, bronze: landed.record_count });
    expect(run?.hops.export?.[source]).toMatchObject({ batch_id: landed.batch_id, state: "succeeded" });
  });

  it("is left alone by its own event with a tampered record count, which is dead-lettered", async () => {
    const tampered = { ...landed, record_count: landed.record_count + 5 };
    const outcome = await deliver(exportHop, cloudEventOf(tampered), platform.deps);
    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: "count-mismatch" });
    if (outcome.outcome !== "succeeded") {
      expect(outcome.error).toContain(String(landed.record_count + 5));
      expect(outcome.error).toContain(String(landed.record_count));
    }
    expect((await bronze())?.generation).toBe(before?.generation);
  });

  it("is announced again, unchanged, by a repeat of its own event", async () => {
    const outcome = await deliver(exportHop, cloudEventOf(landed), platform.deps);
    expect(outcome).toMatchObject({ outcome: "succeeded", rowsOut: landed.record_count });
    expect((await bronze())?.generation).toBe(before?.generation);
  });
});

describe("a late bronze.ready of a batch that is no longer the date's current one", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await openTestPlatform();
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it("is dropped without touching the ledger entry of the current batch", async () => {
    const { event } = await generateBatch(platform.deps, {
      source: "clickstream",
      date: DATE,
      seed: 3,
      scale: 200,
    });
    expect((await deliver(exportHop, cloudEventOf(event), platform.deps)).outcome).toBe("succeeded");
    const ready = (await platform.broker.pull("dataform-invoke", 10)).map((m) =>
      JSON.parse(m.data.toString()),
    );
    expect((await deliver(dataformInvokeHop, cloudEventOf(ready[0]), platform.deps)).outcome).toBe(
      "succeeded",
    );
    const current = (await platform.deps.ledger.get(DATE))?.hops["dataform-invoke"]?.clickstream;
    expect(current?.batch_id).toBe(event.batch_id);

    const stale: BronzeReady = { ...(ready[0] as BronzeReady), batch_id: `clickstream-${DATE}-0badc0de` };
    const outcome = await deliver(dataformInvokeHop, cloudEventOf(stale), platform.deps);
    expect(outcome).toMatchObject({ outcome: "succeeded", published: [] });
    expect((await platform.deps.ledger.get(DATE))?.hops["dataform-invoke"]?.clickstream).toEqual(current);
  });
});
