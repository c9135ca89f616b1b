/**
 * Every malformed event of the corpus, delivered to the hop it targets as a push subscription would
 * deliver it: a clear, specific error naming what is wrong, and exactly one dead letter that keeps
 * the data as it came, with the reason, the hop and the error in its attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOPS } from "../../functions/hops.ts";
import { loadConfig } from "../../lib/config.ts";
import type { EventType } from "../../lib/contracts/events.ts";
import { deliver, FAILURE_ATTRIBUTES, type Hop } from "../../lib/hop.ts";
import { cloudEventOf } from "../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";
import { type BadInput, badInputCorpus, CORPUS_DATE, TARGETS } from "./corpus.ts";

/** The lake of a default local deployment: the corpus's object names are built on it. */
const LAKE = loadConfig({ WINTER_DAYS_DATA_DIR: "unused" }).lakeBucket;
const CORPUS = badInputCorpus(LAKE);

/** Pub/Sub refuses an attribute value over 1024 bytes, or one that is not valid UTF-8. */
function expectPublishableAttributes(attributes: Record<string, string>, what: string): void {
  for (const [key, value] of Object.entries(attributes)) {
    expect(Buffer.byteLength(value), `${what}: attribute ${key}`).toBeLessThanOrEqual(1024);
    expect(value.isWellFormed(), `${what}: attribute ${key} is not valid UTF-8`).toBe(true);
  }
}

describe("the bad-input corpus", () => {
  it("holds at least 200 distinct malformed events, aimed at every hop", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(200);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
    for (const target of TARGETS) {
      expect(CORPUS.filter((c) => c.hop === target.hop).length, target.hop).toBeGreaterThanOrEqual(30);
    }
    const reasons = new Set(CORPUS.map((c) => c.reason));
    expect([...reasons].sort()).toEqual([
      "invalid-identifier",
      "malformed-message",
      "schema-violation",
      "unknown-event-type",
      "unknown-version",
    ]);
  });
});

describe("each malformed event, delivered to its hop", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await openTestPlatform();
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  it.each(CORPUS.map((c) => [c.name, c] as const))("%s", async (_name, c: BadInput) => {
    const hop = HOPS.find((h) => h.name === c.hop) as unknown as Hop<EventType>;
    const cloudEvent = cloudEventOf(c.data, {
      topic: c.topic,
      subscription: c.hop,
      attributes: c.attributes,
    });

    const outcome = await deliver(hop, cloudEvent, platform.deps);

    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: c.reason });
    const error = outcome.outcome === "succeeded" ? "" : outcome.error;
    for (const mention of c.mentions) expect(error).toContain(mention);
    const keep = `${c.hop}-dead-letter-keep`;
    const letters = await platform.broker.pull(keep, 50);
    try {
      const mine = letters.filter((l) => l.data.equals(c.data));
      expect(mine, "exactly one dead letter, with the data as it came").toHaveLength(1);
      expect(letters).toHaveLength(1);
      expect(mine[0]?.attributes).toMatchObject({
        ...c.attributes,
        [FAILURE_ATTRIBUTES.reason]: c.reason,
        [FAILURE_ATTRIBUTES.hop]: c.hop,
        CloudPubSubDeadLetterSourceSubscription: c.hop,
      });
      expectPublishableAttributes(mine[0]?.attributes ?? {}, c.name);
    } finally {
      await platform.broker.ack(
        keep,
        letters.map((l) => l.ackId),
      );
    }
  });

  it("records refused events whose batch date is readable in that date's ledger, never another's", async () => {
    const dates = await platform.deps.ledger.dates(100);
    expect(dates).toEqual([CORPUS_DATE]);
    const run = await platform.deps.ledger.get(CORPUS_DATE);
    for (const target of TARGETS) {
      expect(run?.hops[target.hop]?.unknown, target.hop).toMatchObject({ state: "dead-lettered" });
      // A schema violation can list thousands of paths; the ledger keeps a bounded message.
      for (const record of Object.values(run?.hops[target.hop] ?? {})) {
        expect(record.error?.message.length ?? 0, target.hop).toBeLessThanOrEqual(4200);
      }
    }
  });
});
