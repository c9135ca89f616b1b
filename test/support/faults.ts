/**
 * Fault injection for the offline chain: decorators of the ports (events, objects, warehouse,
 * documents) and of hops, passed in where the real ones would be. Nothing here patches a module:
 * a test builds the dependencies it wants and hands them to the dispatcher or to deliver().
 *
 * Every random choice comes from a seed, so a failing run can be repeated exactly.
 */
import { Readable } from "node:stream";
import type { EventType } from "../../lib/contracts/events.ts";
import { TransientError } from "../../lib/errors.ts";
import type { Hop } from "../../lib/hop.ts";
import type { DocumentStore } from "../../lib/ports/documents.ts";
import type { ReceivedMessage } from "../../lib/ports/events.ts";
import type { ObjectStore } from "../../lib/ports/objects.ts";
import type { Warehouse } from "../../lib/ports/warehouse.ts";
import type { SchedulingBus } from "../../runtime/local/dispatcher.ts";

/** A small seeded generator (mulberry32): plenty for choosing faults, and the same on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [0, 1) that depends only on the seed and the key: the same choice whatever the order. */
export function seededChoice(seed: number, key: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRandom(h)();
}

/** Fisher-Yates with a seeded generator. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * When a dependency is down: a range of calls (`fromCall` counts from 0), or a time window that
 * opens at the first call (or at `start()`) and lasts `ms`.
 */
export type OutagePlan = { calls: number; fromCall?: number } | { ms: number };

/**
 * A dependency's availability. Every call through a decorator asks `check`, which throws a
 * TransientError while the outage lasts; afterwards the dependency works again.
 */
export class Outage {
  readonly what: string;
  readonly #plan: OutagePlan;
  readonly #clock: () => number;
  #startedAt: number | undefined;
  /** Calls made through the decorators, refused or not. */
  calls = 0;
  /** Calls refused because of the outage. */
  refused = 0;
  /** The operations refused, in order (for failure messages). */
  readonly refusedOperations: string[] = [];

  constructor(what: string, plan: OutagePlan, clock: () => number = Date.now) {
    this.what = what;
    this.#plan = plan;
    this.#clock = clock;
  }

  /** Starts a time-window outage now instead of at the first call. */
  start(): void {
    this.#startedAt = this.#clock();
  }

  /** Whether the outage has run its course. */
  get over(): boolean {
    if ("calls" in this.#plan) return this.calls >= (this.#plan.fromCall ?? 0) + this.#plan.calls;
    return this.#startedAt !== undefined && this.#clock() - this.#startedAt >= this.#plan.ms;
  }

  check(operation: string): void {
    const call = this.calls++;
    let down: boolean;
    if ("calls" in this.#plan) {
      const from = this.#plan.fromCall ?? 0;
      down = call >= from && call < from + this.#plan.calls;
    } else {
      this.#startedAt ??= this.#clock();
      down = this.#clock() - this.#startedAt < this.#plan.ms;
    }
    if (!down) return;
    this.refused++;
    this.refusedOperations.push(operation);
    throw new TransientError(`${this.what} unavailable (injected fault): ${operation}`);
  }
}

/** A stream that fails on first read, as a download from a store that is down would. */
function failingStream(error: unknown): Readable {
  return new Readable({
    read() {
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    },
  });
}

/** The objects port, unavailable while `outage` says so. */
export function unavailableObjects(inner: ObjectStore, outage: Outage): ObjectStore {
  const uri = (bucket: string, name: string) => `gs://${bucket}/${name}`;
  return {
    async write(bucket, name, body, options) {
      outage.check(`write ${uri(bucket, name)}`);
      return await inner.write(bucket, name, body, options);
    },
    async read(bucket, name) {
      outage.check(`read ${uri(bucket, name)}`);
      return await inner.read(bucket, name);
    },
    readStream(bucket, name) {
      try {
        outage.check(`readStream ${uri(bucket, name)}`);
      } catch (error) {
        return failingStream(error);
      }
      return inner.readStream(bucket, name);
    },
    async stat(bucket, name) {
      outage.check(`stat ${uri(bucket, name)}`);
      return await inner.stat(bucket, name);
    },
    async list(bucket, prefix) {
      outage.check(`list ${uri(bucket, prefix)}`);
      return await inner.list(bucket, prefix);
    },
    async delete(bucket, name) {
      outage.check(`delete ${uri(bucket, name)}`);
      await inner.delete(bucket, name);
    },
  };
}

/** The warehouse port, unavailable while `outage` says so. */
export function unavailableWarehouse(inner: Warehouse, outage: Outage): Warehouse {
  return {
    dialect: inner.dialect,
    async query(sql, params) {
      outage.check(`query ${sql.slice(0, 60)}`);
      return await inner.query(sql, params);
    },
    async ensureDataset(dataset) {
      outage.check(`ensureDataset ${dataset}`);
      await inner.ensureDataset(dataset);
    },
    async replacePartitionFromFiles(table, column, value, uris, format) {
      outage.check(`replacePartitionFromFiles ${table.dataset}.${table.table}`);
      return await inner.replacePartitionFromFiles(table, column, value, uris, format);
    },
    async tableExists(table) {
      outage.check(`tableExists ${table.dataset}.${table.table}`);
      return await inner.tableExists(table);
    },
    // The platform owns the connection; a hop never closes it.
    async close() {},
  };
}

/** The documents port (sales source and run ledger), unavailable while `outage` says so. */
export function unavailableDocuments(inner: DocumentStore, outage: Outage): DocumentStore {
  const at = (collection: string, id?: string) => (id === undefined ? collection : `${collection}/${id}`);
  return {
    async get(collection, id) {
      outage.check(`get ${at(collection, id)}`);
      return await inner.get(collection, id);
    },
    async set(collection, id, data, options) {
      outage.check(`set ${at(collection, id)}`);
      await inner.set(collection, id, data, options);
    },
    async create(collection, id, data) {
      outage.check(`create ${at(collection, id)}`);
      return await inner.create(collection, id, data);
    },
    async update(collection, id, fields) {
      outage.check(`update ${at(collection, id)}`);
      await inner.update(collection, id, fields);
    },
    async delete(collection, id) {
      outage.check(`delete ${at(collection, id)}`);
      await inner.delete(collection, id);
    },
    async query(collection, query) {
      outage.check(`query ${at(collection)}`);
      return await inner.query(collection, query);
    },
    async setMany(collection, docs) {
      outage.check(`setMany ${at(collection)}`);
      await inner.setMany(collection, docs);
    },
    async transaction(fn) {
      outage.check("transaction");
      return await inner.transaction(fn);
    },
    async close() {},
  };
}

/** Passes every call of the bus through, so the decorators below only override what they change. */
function forwarding(inner: SchedulingBus): SchedulingBus {
  return {
    ensureTopology: (topology) => inner.ensureTopology(topology),
    publish: (topic, message) => inner.publish(topic, message),
    pull: (subscription, max) => inner.pull(subscription, max),
    ack: (subscription, ackIds) => inner.ack(subscription, ackIds),
    nack: (subscription, ackIds) => inner.nack(subscription, ackIds),
    modifyAckDeadline: (subscription, ackIds, seconds) =>
      inner.modifyAckDeadline(subscription, ackIds, seconds),
    nextDueAt: (subscription) => inner.nextDueAt(subscription),
    close: async () => {},
  };
}

export interface DuplicationLog {
  /** Copies handed out together with the original (handled concurrently with it). */
  concurrent: number;
  /** Copies handed out again on a later pull, after the original was settled. */
  sequential: number;
}

/**
 * Every pulled message is handed out twice: for a seeded half, the copy comes in the same pull (the
 * dispatcher runs both at once); for the other half, it comes back on the next pull of the
 * subscription, after the original was acknowledged, as Pub/Sub may redeliver an acknowledged
 * message. A copy keeps the original's ack id, which is stale by the time it is settled, so its ack
 * or nack changes nothing in the broker: exactly like a duplicate delivery.
 */
export function duplicatingBus(
  inner: SchedulingBus,
  seed: number,
): SchedulingBus & { duplicated: DuplicationLog } {
  const later = new Map<string, ReceivedMessage[]>();
  const duplicated: DuplicationLog = { concurrent: 0, sequential: 0 };
  return {
    ...forwarding(inner),
    duplicated,
    async pull(subscription, max) {
      const pending = later.get(subscription) ?? [];
      later.set(subscription, []);
      const fresh = await inner.pull(subscription, max);
      const out: ReceivedMessage[] = [...pending];
      for (const message of fresh) {
        out.push(message);
        const copy = { ...message, attributes: { ...message.attributes } };
        if (seededChoice(seed, `${subscription}/${message.messageId}/${message.deliveryAttempt}`) < 0.5) {
          out.push(copy);
          duplicated.concurrent++;
        } else {
          later.get(subscription)?.push(copy);
          duplicated.sequential++;
        }
      }
      return out;
    },
    nextDueAt(subscription) {
      const held = subscription ? (later.get(subscription)?.length ?? 0) : 0;
      return held > 0 ? Date.now() : inner.nextDueAt(subscription);
    },
  };
}

export type Reordering = "newest-first" | "shuffled";

/**
 * Hands messages out in another order than they were published: each pull takes a window of up to
 * `window` messages and returns them newest first, or in a seeded shuffle. `delivered` records the
 * order in which messages were handed out, per subscription, for the test to check it was changed.
 */
export function reorderingBus(
  inner: SchedulingBus,
  options: { order: Reordering; seed: number; window?: number },
): SchedulingBus & { delivered: Map<string, Array<{ messageId: string; publishTime: number }>> } {
  const random = seededRandom(options.seed);
  const window = options.window ?? 16;
  const delivered = new Map<string, Array<{ messageId: string; publishTime: number }>>();
  return {
    ...forwarding(inner),
    delivered,
    async pull(subscription) {
      const messages = await inner.pull(subscription, window);
      const ordered =
        options.order === "shuffled"
          ? shuffle(messages, random)
          : [...messages].sort(
              (a, b) =>
                b.publishTime.getTime() - a.publishTime.getTime() ||
                Number(b.messageId) - Number(a.messageId),
            );
      const seen = delivered.get(subscription) ?? [];
      for (const m of ordered) seen.push({ messageId: m.messageId, publishTime: m.publishTime.getTime() });
      delivered.set(subscription, seen);
      return ordered;
    },
  };
}

/** Which deliveries a flaky hop refused, by `<hop>/<source>/<batch id>` key. */
export type FlakyLog = Map<string, number>;

/**
 * A hop whose first delivery of a seeded half of the batches fails with a TransientError before the
 * hop's own code runs, as a cold start or a dropped connection would. Later attempts run the hop.
 */
export function flakyOnFirstAttempt<T extends EventType>(
  hop: Hop<T>,
  seed: number,
  refused: FlakyLog,
  share = 0.5,
): Hop<T> {
  return {
    ...hop,
    async handle(event, ctx) {
      const key = `${hop.name}/${event.source}/${event.batch_id}`;
      if (ctx.deliveryAttempt === 1 && seededChoice(seed, key) < share) {
        refused.set(key, (refused.get(key) ?? 0) + 1);
        throw new TransientError(`${key}: first attempt refused (injected fault, seed ${seed})`);
      }
      return await hop.handle(event, ctx);
    },
  };
}
