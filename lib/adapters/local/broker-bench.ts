import { randomBytes } from "node:crypto";
import type { EventBus, ReceivedMessage } from "../../ports/events.ts";
import type { SubscriptionSpec, Topology } from "../../topology.ts";

export interface EventBusMeasurement {
  messages: number;
  /** Wall time from the first publish to the last ack. */
  seconds: number;
  perSecond: number;
  publishSeconds: number;
  consumeSeconds: number;
}

export interface MeasureOptions {
  /** Payload size; 1 KiB by default. */
  messageBytes?: number;
  /** Subscription to drain; by default the first push subscription that is alone on its topic. */
  subscription?: string;
  /** Publishes in flight at once. */
  concurrency?: number;
  /** Give up when no message of the run arrives for this long. */
  stallTimeoutMs?: number;
}

const RUN_ATTRIBUTE = "winter-days-bench-run";

function soleSubscription(topology: Topology): SubscriptionSpec {
  const perTopic = new Map<string, number>();
  for (const s of topology.subscriptions) perTopic.set(s.topic, (perTopic.get(s.topic) ?? 0) + 1);
  const alone = topology.subscriptions.filter((s) => perTopic.get(s.topic) === 1);
  const chosen = alone.find((s) => s.kind === "push") ?? alone[0];
  if (!chosen) throw new Error("measureEventBus: the topology has no topic with exactly one subscription");
  return chosen;
}

/**
 * Publishes `n` messages to one topic, then pulls and acks them all from its subscription, and
 * reports messages per second end to end. Meant for a scratch bus (a fresh broker file, an
 * emulator): messages of other runs found on the subscription are nacked, not counted.
 */
export async function measureEventBus(
  bus: EventBus,
  topology: Topology,
  n: number,
  options: MeasureOptions = {},
): Promise<EventBusMeasurement> {
  const subscription = options.subscription
    ? topology.subscriptions.find((s) => s.name === options.subscription)
    : soleSubscription(topology);
  if (!subscription)
    throw new Error(`measureEventBus: no subscription ${options.subscription} in the topology`);
  const concurrency = options.concurrency ?? 256;
  const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
  const run = randomBytes(6).toString("hex");
  const data = randomBytes(options.messageBytes ?? 1024);
  await bus.ensureTopology(topology);

  const started = performance.now();
  let next = 0;
  const publisher = async () => {
    while (next < n) {
      next += 1;
      await bus.publish(subscription.topic, { data, attributes: { [RUN_ATTRIBUTE]: run } });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, publisher));
  const published = performance.now();

  let received = 0;
  let lastProgress = performance.now();
  while (received < n) {
    const batch: ReceivedMessage[] = await bus.pull(subscription.name, 1000);
    const ours = batch.filter((m) => m.attributes[RUN_ATTRIBUTE] === run);
    const others = batch.filter((m) => m.attributes[RUN_ATTRIBUTE] !== run);
    if (ours.length > 0) {
      await bus.ack(
        subscription.name,
        ours.map((m) => m.ackId),
      );
      received += ours.length;
      lastProgress = performance.now();
    }
    if (others.length > 0) {
      await bus.nack(
        subscription.name,
        others.map((m) => m.ackId),
      );
    }
    if (performance.now() - lastProgress > stallTimeoutMs) {
      throw new Error(
        `measureEventBus: ${received} of ${n} messages arrived, then none for ${stallTimeoutMs} ms`,
      );
    }
  }
  const finished = performance.now();

  const seconds = (finished - started) / 1000;
  return {
    messages: n,
    seconds,
    perSecond: n / seconds,
    publishSeconds: (published - started) / 1000,
    consumeSeconds: (finished - published) / 1000,
  };
}
