/**
 * Poison messages among good ones: refused ones go to the dead-letter topic with their reason while
 * the chain goes on; one that kept failing until its attempts ran out is replayed once its cause is
 * fixed, and the chain completes with nothing left in dead letters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partName } from "../../lib/bronze.ts";
import type { BatchLanded } from "../../lib/contracts/events.ts";
import { replayDeadLetters } from "../../lib/dlq.ts";
import { FAILURE_ATTRIBUTES, toMessage } from "../../lib/hop.ts";
import { RunLedger } from "../../lib/ledger.ts";
import type { RunSummary } from "../../runtime/chain.ts";
import { Outage, unavailableDocuments } from "../support/faults.ts";
import type { TestPlatform } from "../support/local-platform.ts";
import {
  DATE,
  deadLetterReasons,
  deliverAll,
  expectChainDelivered,
  hopFunctions,
  landBatches,
  openFaultPlatform,
  suiteSeed,
  summary,
} from "./chain-harness.ts";

const seed = suiteSeed();

/** A producer on another release: the sales batch's event, with a schema version this one does not read. */
function fromTheFuture(event: BatchLanded): Buffer {
  return Buffer.from(JSON.stringify({ ...event, schema_version: "2.0.0" }));
}

describe(`poison messages among the day's batches (seed ${seed})`, () => {
  let platform: TestPlatform;
  let result: RunSummary;
  const poisons = new Map<string, Buffer>();

  beforeAll(async () => {
    platform = await openFaultPlatform();
    const landed = await landBatches(platform, seed);
    const sales = landed.find((e) => e.source === "sales") as BatchLanded;
    poisons.set("unknown-version", fromTheFuture(sales));
    poisons.set("malformed-message", Buffer.from(`{"event_type": "batch.landed", "batch_date": "${DATE}"`));
    for (const data of poisons.values()) {
      await platform.broker.publish("batch-landed", { data, attributes: { event_type: "batch.landed" } });
    }
    result = await summary(platform, seed, await deliverAll(platform));
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("completes the chain and dead-letters exactly the poison messages, with their reasons", async () => {
    await expectChainDelivered(platform, result, {
      label: `poison among good, seed ${seed}`,
      deadLetters: { "export-dead-letter-keep": ["malformed-message", "unknown-version"] },
      // The one with a readable batch date is recorded against it; its source is unknown.
      extraHops: { "export/unknown": "dead-lettered" },
    });
  });

  it("keeps each poison message's data intact, with the hop and the error in its attributes", () => {
    const letters = platform.broker.peek("export-dead-letter-keep", 10);
    for (const [reason, data] of poisons) {
      const letter = letters.find((l) => l.attributes[FAILURE_ATTRIBUTES.reason] === reason);
      expect(letter?.data.equals(data), `${reason}, seed ${seed}`).toBe(true);
      expect(letter?.attributes, `${reason}, seed ${seed}`).toMatchObject({
        [FAILURE_ATTRIBUTES.hop]: "export",
        CloudPubSubDeadLetterSourceSubscription: "export",
      });
    }
    const versioned = letters.find((l) => l.attributes[FAILURE_ATTRIBUTES.reason] === "unknown-version");
    expect(versioned?.attributes[FAILURE_ATTRIBUTES.message]).toMatch(/schema_version "2\.0\.0"/);
  });
});

describe(`a poison message while the run ledger is briefly down (seed ${seed})`, () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await openFaultPlatform();
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it("is dead-lettered exactly once, and the ledger says so once it is back", async () => {
    const outage = new Outage("documents store", { calls: 1 });
    const documents = unavailableDocuments(platform.deps.documents, outage);
    const deps = {
      ...platform.deps,
      documents,
      ledger: new RunLedger(documents, platform.deps.config.ledgerCollection, platform.deps.now),
    };
    const poison = {
      ...toMessage({
        event_type: "batch.landed",
        schema_version: "1.0.0",
        source: "clickstream",
        batch_date: DATE,
        batch_id: `clickstream-${DATE}-0a1b2c3d`,
        location: "gs://lake/clickstream/",
        record_count: 3,
        produced_at: "2026-11-23T06:00:00Z",
        producer: "generate",
        record_schema: "clickstream.v2.0.0",
      }),
    };
    const data = Buffer.from(
      JSON.stringify({ ...JSON.parse(poison.data.toString()), schema_version: "0.9.0" }),
    );
    await platform.broker.publish("batch-landed", { data, attributes: poison.attributes });
    await deliverAll(platform, { functions: hopFunctions(deps) });
    expect(outage.refused, `seed ${seed}`).toBe(1);
    expect(deadLetterReasons(platform), `seed ${seed}`).toEqual({
      "export-dead-letter-keep": ["unknown-version"],
    });
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.hops.export?.unknown?.state, `seed ${seed}`).toBe("dead-lettered");
  });
});

describe(`a batch whose files were missing, dead-lettered after its retries, then restored and replayed (seed ${seed})`, () => {
  let platform: TestPlatform;
  let stalled: RunSummary;
  let replayed: Awaited<ReturnType<typeof replayDeadLetters>>;
  let result: RunSummary;

  beforeAll(async () => {
    platform = await openFaultPlatform();
    await landBatches(platform, seed);
    const bucket = platform.deps.config.lakeBucket;
    const name = partName("clickstream", DATE, 0, "jsonl");
    const info = await platform.objects.stat(bucket, name);
    const body = await platform.objects.read(bucket, name);
    await platform.objects.delete(bucket, name);

    stalled = await summary(platform, seed, await deliverAll(platform));

    // The producer's files are put back where they belong; then the operator replays.
    await platform.objects.write(bucket, name, body, {
      contentType: info?.contentType ?? "application/x-ndjson",
      metadata: info?.metadata ?? {},
    });
    replayed = await replayDeadLetters(
      { events: platform.broker, topology: platform.deps.topology, now: platform.deps.now },
      { subscription: "export-dead-letter-keep" },
    );
    result = await summary(platform, seed, await deliverAll(platform));
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("retried the export until its attempts ran out, and dead-lettered it; the chain waited", () => {
    const exported = stalled.hops.find((h) => h.hop === "export" && h.source === "clickstream");
    expect(exported, `seed ${seed}`).toMatchObject({ state: "retrying", attempts: 10 });
    expect(exported?.error, `seed ${seed}`).toMatch(/no clickstream objects/);
    expect(stalled.dead_letters["export-dead-letter-keep"], `seed ${seed}`).toBe(1);
    expect(stalled.problems, `seed ${seed}`).toContain("clickstream: bronze not counted yet");
    // Dataform never started: the barrier waited for clickstream.
    expect(stalled.assertions, `seed ${seed}`).toEqual([]);
  });

  it("replays it to batch-landed", () => {
    expect(replayed, `seed ${seed}`).toMatchObject({
      replayed: 1,
      failed: 0,
      by_topic: { "batch-landed": { replayed: 1 } },
    });
  });

  it("then completes the chain, with nothing left in dead letters", async () => {
    await expectChainDelivered(platform, result, { label: `missing files replayed, seed ${seed}` });
  });
});
