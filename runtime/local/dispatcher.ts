import { messagePublishedEvent } from "../../lib/cloud-event.ts";
import type { MessagePublishedEvent } from "../../lib/hop.ts";
import type { Logger } from "../../lib/log.ts";
import type { EventBus } from "../../lib/ports/events.ts";
import type { SubscriptionSpec, Topology } from "../../lib/topology.ts";

/** A function with the functions-framework CloudEvent signature. */
export type CloudEventFunction = (cloudEvent: MessagePublishedEvent) => Promise<unknown>;

/** What the dispatcher needs beyond the port: when the next held-back message becomes due. */
export interface SchedulingBus extends EventBus {
  nextDueAt(subscription?: string): number | undefined;
}

export interface DispatcherOptions {
  bus: SchedulingBus;
  topology: Topology;
  functions: ReadonlyMap<string, CloudEventFunction>;
  project: string;
  log: Logger;
  /** Messages handled at once per subscription pull. */
  concurrency?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface DrainResult {
  delivered: number;
  acked: number;
  nacked: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Plays the part of Pub/Sub push subscriptions offline: pulls from every push subscription of the
 * topology, hands each message to its function as a messagePublished CloudEvent, acks when the
 * function returns and nacks when it throws, so retry backoff and dead-lettering stay the broker's.
 */
export class LocalDispatcher {
  readonly #options: Required<Omit<DispatcherOptions, "now" | "sleep">> & {
    now: () => number;
    sleep: (ms: number) => Promise<void>;
  };
  readonly #push: SubscriptionSpec[];

  constructor(options: DispatcherOptions) {
    this.#options = {
      concurrency: 2,
      now: Date.now,
      sleep: defaultSleep,
      ...options,
    };
    this.#push = options.topology.subscriptions.filter(
      (s) => s.kind === "push" && options.functions.has(s.function ?? ""),
    );
  }

  /** Delivers one pull's worth from each push subscription; resolves to how many messages it handled. */
  async step(result: DrainResult = { delivered: 0, acked: 0, nacked: 0 }): Promise<number> {
    const { bus, functions, project, log, concurrency } = this.#options;
    let handled = 0;
    for (const subscription of this.#push) {
      const fn = functions.get(subscription.function ?? "");
      if (!fn) continue;
      const messages = await bus.pull(subscription.name, concurrency);
      handled += messages.length;
      await Promise.all(
        messages.map(async (message) => {
          result.delivered++;
          const cloudEvent = messagePublishedEvent(message, {
            project,
            topic: subscription.topic,
            subscription: subscription.name,
          });
          try {
            await fn(cloudEvent);
            await bus.ack(subscription.name, [message.ackId]);
            result.acked++;
          } catch (error) {
            // The function already logged why; the broker applies backoff and dead-lettering.
            await bus.nack(subscription.name, [message.ackId]);
            result.nacked++;
            log.debug("delivery failed; nacked", { subscription: subscription.name, error });
          }
        }),
      );
    }
    return handled;
  }

  /**
   * Delivers until no message is available or held back for retry, or `deadlineMs` passes. Sleeps
   * exactly until the next retry is due instead of spinning.
   */
  async drain(options: { deadlineMs?: number } = {}): Promise<DrainResult> {
    const { bus, now, sleep } = this.#options;
    const result: DrainResult = { delivered: 0, acked: 0, nacked: 0 };
    const deadline = now() + (options.deadlineMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const handled = await this.step(result);
      if (handled > 0) continue;
      const due = this.#push
        .map((s) => bus.nextDueAt(s.name))
        .filter((t): t is number => t !== undefined)
        .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
      if (due === Number.POSITIVE_INFINITY) return result;
      if (due > deadline) return result;
      await sleep(Math.max(1, due - now()));
    }
  }
}
