import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DEAD_LETTER_ATTRIBUTES, type EventBus, type ReceivedMessage } from "../../lib/ports/events.ts";
import type { Topology } from "../../lib/topology.ts";

/** One event bus to run the contract against, fresh for each case. */
export interface EventBusUnderTest {
  bus: EventBus;
  /** How the bus names a logical subscription where Pub/Sub shows it (dead-letter attributes). */
  deployedSubscription(logical: string): string;
  /** Project the bus names in dead-letter attributes. */
  project: string;
  /** Closes the bus and removes what the case left behind. */
  dispose(): Promise<void>;
}

export type MakeEventBus = () => Promise<EventBusUnderTest>;

/**
 * A small topology with Pub/Sub's tightest allowed settings: the 10 s minimum ack deadline (cases
 * that need a lease to run out shrink it with modifyAckDeadline), 1–2 s backoff, and the minimum of
 * 5 delivery attempts before dead-lettering.
 */
export const contractTopology: Topology = {
  message_retention_seconds: 600,
  topics: [{ name: "orders" }, { name: "orders-dead-letter", dead_letter: true }],
  subscriptions: [
    {
      name: "orders-work",
      topic: "orders",
      kind: "push",
      function: "orders-worker",
      ack_deadline_seconds: 10,
      max_delivery_attempts: 5,
      retry: { minimum_backoff_seconds: 1, maximum_backoff_seconds: 2 },
      dead_letter_topic: "orders-dead-letter",
    },
    { name: "orders-audit", topic: "orders", kind: "keep" },
    { name: "orders-dead-letter-keep", topic: "orders-dead-letter", kind: "keep" },
  ],
  functions: [],
};

const WORK = "orders-work";
const AUDIT = "orders-audit";
const DEAD_LETTERS = "orders-dead-letter-keep";
const MAX_ATTEMPTS = 5;

/** Pulls until `count` messages arrived; fails if they do not within `timeoutMs`. */
export async function pullUntil(
  bus: EventBus,
  subscription: string,
  count: number,
  timeoutMs = 30_000,
): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count) {
    if (Date.now() > deadline) {
      throw new Error(
        `${subscription}: expected ${count} messages within ${timeoutMs} ms, got ${received.length}`,
      );
    }
    const batch = await bus.pull(subscription, count - received.length);
    received.push(...batch);
    if (batch.length === 0) await sleep(25);
  }
  return received;
}

async function pullOne(bus: EventBus, subscription: string): Promise<ReceivedMessage> {
  const [message] = await pullUntil(bus, subscription, 1);
  if (!message) throw new Error(`${subscription}: no message`);
  return message;
}

const text = (message: ReceivedMessage) => message.data.toString("utf8");

interface ContractCase {
  name: string;
  run(subject: EventBusUnderTest): Promise<void>;
}

const cases: ContractCase[] = [
  {
    name: "a published message is pulled once, with its id, data and publish time, and gone once acked",
    async run({ bus }) {
      const id = await bus.publish("orders", { data: Buffer.from("order-1") });

      const message = await pullOne(bus, WORK);
      await bus.ack(WORK, [message.ackId]);
      await bus.publish("orders", { data: Buffer.from("order-2") });
      const next = await pullOne(bus, WORK);

      expect(message.messageId).toBe(id);
      expect(text(message)).toBe("order-1");
      expect(message.deliveryAttempt).toBe(1);
      expect(Number.isNaN(message.publishTime.getTime())).toBe(false);
      expect(text(next)).toBe("order-2");
      expect(next.messageId).not.toBe(id);
    },
  },
  {
    name: "message ids are unique across publishes",
    async run({ bus }) {
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) => bus.publish("orders", { data: Buffer.from(`o-${i}`) })),
      );

      expect(new Set(ids).size).toBe(20);
    },
  },
  {
    name: "a nacked message is redelivered with a new ack id and deliveryAttempt 2, then 3",
    async run({ bus }) {
      await bus.publish("orders", { data: Buffer.from("retry-me") });

      const first = await pullOne(bus, WORK);
      await bus.nack(WORK, [first.ackId]);
      const second = await pullOne(bus, WORK);
      await bus.nack(WORK, [second.ackId]);
      const third = await pullOne(bus, WORK);

      expect([first.deliveryAttempt, second.deliveryAttempt, third.deliveryAttempt]).toEqual([1, 2, 3]);
      expect(new Set([first.ackId, second.ackId, third.ackId]).size).toBe(3);
      expect(new Set([first.messageId, second.messageId, third.messageId]).size).toBe(1);
      expect(text(third)).toBe("retry-me");
    },
  },
  {
    name: "a leased message is not delivered again until its lease runs out, then is redelivered",
    async run({ bus }) {
      await bus.publish("orders", { data: Buffer.from("slow") });

      const first = await pullOne(bus, WORK);
      const whileLeased = await bus.pull(WORK, 10);
      await bus.modifyAckDeadline(WORK, [first.ackId], 1);
      const afterExpiry = await pullOne(bus, WORK);

      expect(whileLeased).toEqual([]);
      expect(afterExpiry.messageId).toBe(first.messageId);
      expect(afterExpiry.deliveryAttempt).toBe(2);
      expect(afterExpiry.ackId).not.toBe(first.ackId);
    },
  },
  {
    name: "ack and nack with an older delivery's ack id are ignored",
    async run({ bus }) {
      await bus.publish("orders", { data: Buffer.from("stale") });
      const first = await pullOne(bus, WORK);
      await bus.nack(WORK, [first.ackId]);
      const second = await pullOne(bus, WORK);

      await bus.ack(WORK, [first.ackId]);
      await bus.nack(WORK, [first.ackId]);
      const stillLeased = await bus.pull(WORK, 10);
      await bus.nack(WORK, [second.ackId]);
      const third = await pullOne(bus, WORK);

      expect(stillLeased).toEqual([]);
      expect(third.messageId).toBe(first.messageId);
      expect(third.deliveryAttempt).toBe(3);
    },
  },
  {
    name: "a publish fans out to every subscription of the topic, each acked on its own",
    async run({ bus }) {
      const id = await bus.publish("orders", { data: Buffer.from("fan-out") });

      const work = await pullOne(bus, WORK);
      await bus.ack(WORK, [work.ackId]);
      const audit = await pullOne(bus, AUDIT);

      expect(work.messageId).toBe(id);
      expect(audit.messageId).toBe(id);
      expect(text(audit)).toBe("fan-out");
      expect(audit.deliveryAttempt).toBe(1);
    },
  },
  {
    name: "a subscription created after a publish does not receive that message",
    async run({ bus }) {
      await bus.publish("orders", { data: Buffer.from("before") });
      await bus.ensureTopology({
        ...contractTopology,
        subscriptions: [
          ...contractTopology.subscriptions,
          { name: "orders-late", topic: "orders", kind: "keep" },
        ],
      });
      await bus.publish("orders", { data: Buffer.from("after") });

      const late = await pullUntil(bus, "orders-late", 1);
      const more = await bus.pull("orders-late", 10);

      expect(late.map(text)).toEqual(["after"]);
      expect(more).toEqual([]);
    },
  },
  {
    name: "attributes arrive exactly as published",
    async run({ bus }) {
      const attributes = { event_type: "batch.landed", "batch-id": "sales-2026-11-01-0a1b2c3d", empty: "" };
      await bus.publish("orders", { data: Buffer.from("{}"), attributes });

      const message = await pullOne(bus, WORK);

      expect(message.attributes).toEqual(attributes);
    },
  },
  {
    name: "ensureTopology can be repeated without losing the backlog",
    async run({ bus }) {
      await bus.publish("orders", { data: Buffer.from("kept") });

      await bus.ensureTopology(contractTopology);
      const message = await pullOne(bus, WORK);

      expect(text(message)).toBe("kept");
    },
  },
  {
    name: "publishing to a topic that does not exist fails and names the topic",
    async run({ bus }) {
      await expect(bus.publish("no-such-topic", { data: Buffer.from("x") })).rejects.toThrow(/no-such-topic/);
    },
  },
  {
    name: "pulling from a subscription that does not exist fails and names it",
    async run({ bus }) {
      await expect(bus.pull("no-such-subscription", 1)).rejects.toThrow(/no-such-subscription/);
    },
  },
  {
    name: `after ${MAX_ATTEMPTS} failed deliveries the message goes to the dead-letter topic with Pub/Sub's attributes`,
    async run({ bus, deployedSubscription, project }) {
      const attributes = { event_type: "batch.landed", source: "sales" };
      await bus.publish("orders", { data: Buffer.from("poison"), attributes });

      const attempts: number[] = [];
      let publishTime: Date | undefined;
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const delivery = await pullOne(bus, WORK);
        attempts.push(delivery.deliveryAttempt);
        publishTime = delivery.publishTime;
        await bus.nack(WORK, [delivery.ackId]);
      }
      // Pub/Sub forwards in the background; Google's emulator (and the local broker) forward when
      // the next delivery would be due and the subscription is pulled. Pulling both covers both.
      const deliveredAfterMax: ReceivedMessage[] = [];
      let dead: ReceivedMessage | undefined;
      const deadline = Date.now() + 30_000;
      while (!dead && Date.now() < deadline) {
        deliveredAfterMax.push(...(await bus.pull(WORK, 10)));
        [dead] = await bus.pull(DEAD_LETTERS, 1);
        if (!dead) await sleep(25);
      }

      expect(attempts).toEqual([1, 2, 3, 4, 5]);
      expect(deliveredAfterMax).toEqual([]);
      expect(dead?.data.toString("utf8")).toBe("poison");
      expect(dead?.attributes).toEqual({
        ...attributes,
        [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: deployedSubscription(WORK),
        [DEAD_LETTER_ATTRIBUTES.sourceSubscriptionProject]: project,
        [DEAD_LETTER_ATTRIBUTES.sourceTopicPublishTime]: publishTime?.toISOString(),
        [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: String(MAX_ATTEMPTS),
      });
    },
  },
];

/**
 * The events port's contract, run identically against every adapter. Each case gets a fresh bus
 * with `contractTopology` in place.
 */
export function eventBusContract(name: string, makeBus: MakeEventBus): void {
  describe(`${name} keeps the events contract`, () => {
    it.for(cases)("$name", async (contractCase) => {
      const subject = await makeBus();
      try {
        await subject.bus.ensureTopology(contractTopology);
        await contractCase.run(subject);
      } finally {
        await subject.dispose();
      }
    });
  });
}
