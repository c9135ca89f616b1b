import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { messagePublishedEvent } from "../../../lib/cloud-event.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import {
  type DlqDeps,
  deadLetterTargets,
  describeDeadLetter,
  listDeadLetters,
  matchesFilters,
  parseFilters,
  REPLAY_COUNT_ATTRIBUTE,
  replayDeadLetters,
  resolveDeadLetterTarget,
  resolveSourceSubscription,
  TokenBucket,
} from "../../../lib/dlq.ts";
import { PermanentError } from "../../../lib/errors.ts";
import { deliver, type Hop } from "../../../lib/hop.ts";
import { DEAD_LETTER_ATTRIBUTES, type EventBus, type ReceivedMessage } from "../../../lib/ports/events.ts";
import { loadTopology } from "../../../lib/topology.ts";
import { batchLanded, cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";

const topology = loadTopology(new Contracts());

describe("naming dead letters", () => {
  it("finds a keep subscription of every dead-letter topic of the topology", () => {
    expect(deadLetterTargets(topology)).toEqual([
      { subscription: "export-dead-letter-keep", topic: "export-dead-letter" },
      { subscription: "dataform-invoke-dead-letter-keep", topic: "dataform-invoke-dead-letter" },
      { subscription: "dataform-poll-dead-letter-keep", topic: "dataform-poll-dead-letter" },
      { subscription: "vertex-submit-dead-letter-keep", topic: "vertex-submit-dead-letter" },
      { subscription: "vertex-poll-dead-letter-keep", topic: "vertex-poll-dead-letter" },
      { subscription: "predictions-load-dead-letter-keep", topic: "predictions-load-dead-letter" },
    ]);
  });

  it.for([
    "export-dead-letter-keep",
    "export-dead-letter",
    "winter-days-export-dead-letter-keep",
    "projects/p/subscriptions/winter-days-export-dead-letter-keep",
  ])("accepts %s for the export dead letters", (name) => {
    expect(resolveDeadLetterTarget(topology, name, "winter-days")).toEqual({
      subscription: "export-dead-letter-keep",
      topic: "export-dead-letter",
    });
  });

  it("refuses a subscription that does not keep dead letters, and lists those that do", () => {
    expect(() => resolveDeadLetterTarget(topology, "export", "winter-days")).toThrow(
      /"export" is neither a dead-letter topic nor the subscription that keeps one; known: export-dead-letter-keep, dataform-invoke-dead-letter-keep/,
    );
    expect(() => resolveDeadLetterTarget(topology, "export")).toThrow(PermanentError);
  });

  it.for([
    ["export", "export"],
    ["winter-days-export", "export"],
    ["projects/p/subscriptions/winter-days-dataform-poll", "dataform-poll"],
    ["other-prefix-export", undefined],
    ["", undefined],
  ] as const)("reads the source subscription %j as %j", ([attribute, logical]) => {
    expect(resolveSourceSubscription(topology, attribute, "winter-days")?.name).toBe(logical);
  });
});

describe("filters", () => {
  const message: ReceivedMessage = {
    ackId: "a",
    messageId: "m-17",
    data: Buffer.from(
      JSON.stringify({ batch_date: "2026-11-20", source: "sales", batch_id: "sales-2026-11-20-0a1b2c3d" }),
    ),
    attributes: { [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "export", tier: "gold" },
    publishTime: new Date("2026-11-20T07:00:00Z"),
    deliveryAttempt: 1,
  };
  const letter = describeDeadLetter(message, "export-dead-letter-keep", { topology });

  it.for([
    ["message_id=m-17", true],
    ["reason=max-delivery-attempts", true],
    ["original_topic=batch-landed", true],
    ["tier=gold", true],
    ["batch_id=sales-2026-11-20-0a1b2c3d", true],
    ["source=clickstream", false],
    ["tier=silver", false],
    ["nowhere=x", false],
  ] as const)("%s matches: %s", ([pair, expected]) => {
    expect(matchesFilters(parseFilters([pair]), letter, message)).toBe(expected);
  });

  it("needs every key to match, any of the values given for one key", () => {
    expect(
      matchesFilters(parseFilters(["source=clickstream", "source=sales", "tier=gold"]), letter, message),
    ).toBe(true);
    expect(matchesFilters(parseFilters(["source=sales", "tier=silver"]), letter, message)).toBe(false);
  });

  it.for(["source", "=sales", ""])("refuses the malformed filter %j", (pair) => {
    expect(() => parseFilters([pair])).toThrow(/a filter is key=value/);
  });
});

describe("rate limit", () => {
  it("a token bucket lets the burst through at once, then one take per 1/rate seconds", async () => {
    let now = 0;
    const bucket = new TokenBucket(
      4,
      () => now,
      async (ms) => {
        now += ms;
      },
      2,
    );
    const takenAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      takenAt.push(now);
    }
    expect(takenAt).toEqual([0, 0, 250, 500, 750]);
  });
});

/** The bus with some of its operations replaced: how a test makes Pub/Sub misbehave. */
function decorated(bus: EventBus, overrides: Partial<EventBus>): EventBus {
  return {
    ensureTopology: (topology) => bus.ensureTopology(topology),
    publish: (topic, message) => bus.publish(topic, message),
    pull: (subscription, max) => bus.pull(subscription, max),
    ack: (subscription, ackIds) => bus.ack(subscription, ackIds),
    nack: (subscription, ackIds) => bus.nack(subscription, ackIds),
    modifyAckDeadline: (subscription, ackIds, seconds) =>
      bus.modifyAckDeadline(subscription, ackIds, seconds),
    close: () => bus.close(),
    ...overrides,
  };
}

/** A hop named like the export function that refuses every event, as a schema check would. */
const refusingExport: Hop<"batch.landed"> = {
  name: "export",
  consumes: "batch.landed",
  handle: async () => {
    throw new PermanentError("count-mismatch", "announced 3 records, found 2");
  },
};

describe("dead letters of the offline platform", () => {
  let platform: TestPlatform;
  let deps: DlqDeps;
  beforeEach(async () => {
    platform = await openTestPlatform();
    deps = { events: platform.broker, topology: platform.deps.topology, prefix: platform.deps.config.prefix };
  });
  afterEach(async () => {
    await platform.dispose();
  });

  const letters = () => platform.broker.peek("export-dead-letter-keep", 100);

  /** A batch.landed for `source` on `date`, dead-lettered by the export hop. */
  async function deadLettered(source: "sales" | "clickstream", date: string): Promise<void> {
    const event = batchLanded({ source, batch_date: date, batch_id: `${source}-${date}-0a1b2c3d` });
    await deliver(
      refusingExport,
      cloudEventOf(event, { attributes: { event_type: "batch.landed", source } }),
      platform.deps,
    );
  }

  /** Takes what reached the export subscription and hands each to the refusing hop again. */
  async function failAgain(): Promise<void> {
    for (const message of await platform.broker.pull("export", 100)) {
      const cloudEvent = messagePublishedEvent(message, {
        project: platform.deps.config.project,
        topic: "batch-landed",
        subscription: "export",
      });
      await deliver(refusingExport, cloudEvent, platform.deps);
      await platform.broker.ack("export", [message.ackId]);
    }
  }

  it("lists a hop's dead letter with why, where, when and what, without consuming it", async () => {
    await deadLettered("sales", "2026-11-20");
    const later = () => new Date(Date.now() + 90_000);

    const listing = await listDeadLetters({ ...deps, now: later });

    expect(listing.subscriptions).toHaveLength(6);
    expect(listing.subscriptions.find((s) => s.subscription === "export-dead-letter-keep")?.count).toBe(1);
    const [letter] = listing.messages;
    expect(letter).toMatchObject({
      subscription: "export-dead-letter-keep",
      source_subscription: "export",
      original_topic: "batch-landed",
      delivery_attempts: 1,
      reason: "count-mismatch",
      hop: "export",
      error_class: "PermanentError",
      error_message: "announced 3 records, found 2",
      replay_count: 0,
      batch_date: "2026-11-20",
      source: "sales",
      event_type: "batch.landed",
      problem: undefined,
    });
    expect(Date.parse(letter?.first_seen ?? "")).not.toBeNaN();
    expect(letter?.age_ms).toBeGreaterThanOrEqual(90_000);
    expect(letter?.age_ms).toBeLessThan(90_000 + 60_000);
    expect(letters()).toHaveLength(1);
    expect(letters()[0]?.deliveryAttempts).toBe(1);
  });

  it("counts replays: a message that fails again after a replay shows 1, and is replayed with 2", async () => {
    await deadLettered("sales", "2026-11-20");

    await replayDeadLetters(deps, { subscription: "export-dead-letter-keep" });
    await failAgain();
    const [again] = (await listDeadLetters(deps, { subscription: "export-dead-letter-keep" })).messages;
    const second = await replayDeadLetters(deps, { subscription: "export-dead-letter-keep" });
    const [back] = await platform.broker.pull("export", 10);

    expect(again).toMatchObject({ reason: "count-mismatch", replay_count: 1, batch_date: "2026-11-20" });
    expect(second.messages).toMatchObject([{ outcome: "replayed", replay_count: 2 }]);
    expect(back?.attributes[REPLAY_COUNT_ATTRIBUTE]).toBe("2");
    expect(JSON.parse(back?.data.toString() ?? "{}")).toMatchObject({
      batch_date: "2026-11-20",
      source: "sales",
    });
  });

  it("republishes no faster than --rate, through the injected sleep", async () => {
    for (const day of ["01", "02", "03", "04", "05"]) await deadLettered("sales", `2026-11-${day}`);
    let now = 0;
    const publishedAt: number[] = [];
    const events: EventBus = decorated(platform.broker, {
      publish: async (topic: string, message: Parameters<EventBus["publish"]>[1]) => {
        publishedAt.push(now);
        return await platform.broker.publish(topic, message);
      },
    });

    const summary = await replayDeadLetters(
      {
        ...deps,
        events,
        clock: () => now,
        sleep: async (ms) => {
          now += ms;
        },
      },
      { subscription: "export-dead-letter-keep", rate: 2 },
    );

    expect(summary.replayed).toBe(5);
    expect(publishedAt).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it("leaves a message whose republish failed in place, and goes on with the others", async () => {
    await deadLettered("sales", "2026-11-20");
    await deadLettered("clickstream", "2026-11-20");
    const events: EventBus = decorated(platform.broker, {
      publish: async (topic: string, message: Parameters<EventBus["publish"]>[1]) => {
        if (JSON.parse(message.data.toString()).source === "clickstream") throw new Error("Pub/Sub said no");
        return await platform.broker.publish(topic, message);
      },
    });

    const summary = await replayDeadLetters({ ...deps, events }, { subscription: "export-dead-letter-keep" });

    expect(summary).toMatchObject({
      replayed: 1,
      failed: 1,
      by_topic: { "batch-landed": { replayed: 1, failed: 1 } },
    });
    expect(summary.messages.find((m) => m.outcome === "failed")).toMatchObject({
      source: "clickstream",
      error: "left in place: republish to batch-landed failed: Pub/Sub said no",
    });
    expect(letters().map((l) => JSON.parse(l.data.toString()).source)).toEqual(["clickstream"]);
    expect(letters()[0]?.attributes[REPLAY_COUNT_ATTRIBUTE]).toBeUndefined();
  });

  it("stops at an ack that fails after its republish, gives the rest back at once, and a second replay loses nothing", async () => {
    for (const day of ["01", "02", "03"]) await deadLettered("sales", `2026-11-${day}`);
    let acks = 0;
    const events: EventBus = decorated(platform.broker, {
      ack: async (subscription: string, ackIds: string[]) => {
        if (acks++ === 0) throw new Error("connection reset");
        await platform.broker.ack(subscription, ackIds);
      },
    });

    const first = await replayDeadLetters({ ...deps, events }, { subscription: "export-dead-letter-keep" });
    const stillThere = letters().length;
    const second = await replayDeadLetters(deps, { subscription: "export-dead-letter-keep" });
    const republished = (await platform.broker.pull("export", 10)).map(
      (m) => JSON.parse(m.data.toString()).batch_date,
    );

    expect(first).toMatchObject({ replayed: 0, failed: 1 });
    expect(first.aborted).toMatch(
      /acknowledging it on export-dead-letter-keep failed: connection reset; it stays in dead letters/,
    );
    expect(stillThere).toBe(3);
    expect(second).toMatchObject({ replayed: 3, failed: 0 });
    expect(letters()).toEqual([]);
    expect(new Set(republished)).toEqual(new Set(["2026-11-01", "2026-11-02", "2026-11-03"]));
    expect(republished).toHaveLength(4);
  });
});
