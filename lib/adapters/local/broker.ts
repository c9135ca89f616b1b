import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { ConfigError, PermanentError } from "../../errors.ts";
import {
  type Attributes,
  DEAD_LETTER_ATTRIBUTES,
  type EventBus,
  type OutgoingMessage,
  type ReceivedMessage,
} from "../../ports/events.ts";
import type { Topology } from "../../topology.ts";
import { ownerIsGone, registerOpenOwner, unregisterOpenOwner } from "./broker-owners.ts";
import { prepareBrokerDatabase } from "./broker-schema.ts";

export interface LocalBrokerOptions {
  /** Milliseconds since the epoch; tests inject their own. */
  clock?: () => number;
  /**
   * Multiplies every retry backoff and ack deadline (including modifyAckDeadline), so tests and the
   * offline runtime can shrink time. Message retention is not scaled.
   */
  backoffScale?: number;
  /** Project named in dead-letter attributes, as Pub/Sub names the source subscription's project. */
  project?: string;
}

/** What one subscription holds right now. */
export interface SubscriptionStats {
  subscription: string;
  topic: string;
  /** Deliverable now. */
  available: number;
  /** Delivered and within their ack deadline. */
  leased: number;
  /** Waiting out a retry backoff after a nack or an expired lease. */
  delayed: number;
  /** Age of the oldest message not yet acknowledged; undefined when there is none. */
  oldestUnackedAgeMs: number | undefined;
}

/** A message read by `peek`, which neither leases it nor counts a delivery. */
export interface PeekedMessage {
  messageId: string;
  data: Buffer;
  attributes: Attributes;
  publishTime: Date;
  /** Deliveries made so far on this subscription. */
  deliveryAttempts: number;
}

interface SubscriptionConfig {
  name: string;
  topic: string;
  ackDeadlineMs: number;
  minimumBackoffMs: number;
  maximumBackoffMs: number;
  /** Set only when the subscription has a dead-letter topic, as in Pub/Sub's DeadLetterPolicy. */
  deadLetter: { topic: string; maxDeliveryAttempts: number } | undefined;
  retentionMs: number;
}

interface SubscriptionRow {
  name: string;
  topic: string;
  ack_deadline_seconds: number;
  minimum_backoff_seconds: number;
  maximum_backoff_seconds: number;
  max_delivery_attempts: number | null;
  dead_letter_topic: string | null;
  retention_seconds: number;
}

interface DeliveryRow {
  message_id: number;
  attempts: number;
  publish_time: number;
}

interface MessageRow {
  data: Uint8Array;
  attributes: string;
  publish_time: number;
}

type DueRow = DeliveryRow & MessageRow;

interface PendingPublish {
  topic: string;
  data: Buffer;
  attributesJson: string;
  resolve(messageId: string): void;
  reject(error: unknown): void;
}

/** Pub/Sub's defaults: 10 s ack deadline, and immediate redelivery without a retry policy. */
const DEFAULT_ACK_DEADLINE_SECONDS = 10;
/** Pub/Sub's default when a dead-letter policy leaves max_delivery_attempts unset. */
const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;
/** Pub/Sub's limit on a message (data plus attributes). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Expired messages are swept at most this often; pulls skip them in between. */
const RETENTION_SWEEP_INTERVAL_MS = 60_000;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A durable, in-process stand-in for Pub/Sub, kept in one SQLite file (WAL mode) so that several
 * processes (the runtime, the CLI) can share it and a crash loses nothing that was published.
 *
 * Semantics kept from Pub/Sub (pull subscriptions):
 * - a subscription receives only messages published after it exists; publish fans out to every
 *   subscription of the topic and resolves once the transaction has committed;
 * - pull leases messages for the ack deadline; each delivery gets a fresh ack id and a
 *   deliveryAttempt of 1, 2, 3…; ack, nack and modifyAckDeadline with an older delivery's ack id
 *   are ignored;
 * - a nack or an expired lease makes the message available again after the retry backoff,
 *   minimum_backoff · 2^(attempt−1) capped at maximum_backoff;
 * - with a dead-letter topic, once the max_delivery_attempts-th delivery has failed (nack or
 *   expiry), the delivery that would come next is not made: when it is due (after the backoff) and
 *   the subscription is pulled, the message is forwarded to the dead-letter topic with Pub/Sub's
 *   dead-letter attributes and removed from the subscription. Google's emulator forwards at the same
 *   moment; the service does it in the background, so callers poll rather than expect it at once;
 * - messages older than the retention are dropped.
 *
 * Leases of a process that died are released when the file is next opened: like a dropped
 * streaming-pull connection, whose outstanding messages Pub/Sub redelivers without waiting for
 * their ack deadlines, the crashed subscriber's messages become available at once, and the lost
 * delivery counts as an attempt.
 */
export class LocalBroker implements EventBus {
  readonly file: string;
  readonly project: string;
  readonly #clock: () => number;
  readonly #scale: number;
  readonly #ownerId = randomBytes(8).toString("hex");
  #db: DatabaseSync | undefined;
  readonly #statements: ReturnType<typeof prepareStatements>;
  readonly #subscriptions = new Map<string, SubscriptionConfig>();
  readonly #topics = new Set<string>();
  #lastRetentionSweepAt = Number.NEGATIVE_INFINITY;
  /** Publishes waiting for the commit that makes them durable. */
  readonly #publishQueue: PendingPublish[] = [];

  constructor(file: string, options: LocalBrokerOptions = {}) {
    const scale = options.backoffScale ?? 1;
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw new ConfigError(`LocalBroker backoffScale must be a positive number, got ${scale}`);
    }
    this.file = file;
    this.project = options.project ?? "winter-days-local";
    this.#clock = options.clock ?? Date.now;
    this.#scale = scale;
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
    const db = new DatabaseSync(file);
    prepareBrokerDatabase(db);
    this.#db = db;
    this.#statements = prepareStatements(db);
    registerOpenOwner(this.#ownerId);
    this.#write(() => {
      const now = this.#clock();
      this.#statements.insertOwner.run(this.#ownerId, process.pid, now);
      for (const owner of this.#statements.owners.all() as Array<{ id: string; pid: number }>) {
        if (owner.id === this.#ownerId || !ownerIsGone(owner)) continue;
        this.#statements.releaseLeasesOf.run(now, owner.id);
        this.#statements.deleteOwner.run(owner.id);
      }
    });
  }

  async ensureTopology(topology: Topology): Promise<void> {
    const s = this.#statements;
    this.#write(() => {
      const now = this.#clock();
      for (const topic of topology.topics) s.insertTopic.run(topic.name, now);
      for (const spec of topology.subscriptions) {
        const where = `subscription ${spec.name} in the topology`;
        if (!s.topicExists.get(spec.topic))
          throw new ConfigError(`${where} reads unknown topic ${spec.topic}`);
        if (spec.dead_letter_topic && !s.topicExists.get(spec.dead_letter_topic)) {
          throw new ConfigError(`${where} dead-letters to unknown topic ${spec.dead_letter_topic}`);
        }
        const existing = s.subscription.get(spec.name) as SubscriptionRow | undefined;
        if (existing && existing.topic !== spec.topic) {
          throw new ConfigError(
            `${where} reads ${spec.topic}, but the broker's subscription of that name reads ${existing.topic}; a subscription cannot change topic`,
          );
        }
        // Settings follow the topology (as terraform would apply them); the backlog is kept.
        s.upsertSubscription.run({
          name: spec.name,
          topic: spec.topic,
          ack: spec.ack_deadline_seconds ?? DEFAULT_ACK_DEADLINE_SECONDS,
          min: spec.retry?.minimum_backoff_seconds ?? 0,
          max: spec.retry?.maximum_backoff_seconds ?? 0,
          attempts: spec.dead_letter_topic
            ? (spec.max_delivery_attempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS)
            : null,
          dlq: spec.dead_letter_topic ?? null,
          retention: topology.message_retention_seconds,
          now,
        });
      }
    });
    this.#subscriptions.clear();
    this.#topics.clear();
  }

  async publish(topic: string, message: OutgoingMessage): Promise<string> {
    this.#requireTopic(topic);
    const attributes = message.attributes ?? {};
    const attributesJson = JSON.stringify(attributes);
    if (message.data.length === 0 && Object.keys(attributes).length === 0) {
      throw new PermanentError(
        "malformed-message",
        `message to topic ${topic} has neither data nor attributes`,
      );
    }
    if (message.data.length + attributesJson.length > MAX_MESSAGE_BYTES) {
      throw new PermanentError(
        "malformed-message",
        `message to topic ${topic} exceeds Pub/Sub's 10 MB limit`,
      );
    }
    this.#open();
    return new Promise((resolve, reject) => {
      this.#publishQueue.push({ topic, data: message.data, attributesJson, resolve, reject });
      if (this.#publishQueue.length === 1) setImmediate(() => this.#commitPublishes());
    });
  }

  async pull(subscription: string, max: number): Promise<ReceivedMessage[]> {
    const config = this.#subscription(subscription);
    if (!(Number.isInteger(max) && max > 0)) {
      throw new RangeError(`pull from ${subscription}: max must be a positive integer, got ${max}`);
    }
    const s = this.#statements;
    return this.#write(() => {
      const now = this.#clock();
      this.#sweepExpired(now);
      const received: ReceivedMessage[] = [];
      // Rows dead-lettered or dropped on the way leave room for more: look again until full or empty.
      while (received.length < max) {
        const rows = s.due.all(subscription, now, max - received.length) as unknown as DueRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (row.publish_time < now - config.retentionMs) {
            this.#removeDelivery(row.message_id, subscription);
          } else if (this.#exhausted(config, row.attempts)) {
            this.#deadLetter(config, row, now);
          } else {
            received.push(this.#lease(config, row, now));
          }
        }
      }
      return received;
    });
  }

  async ack(subscription: string, ackIds: string[]): Promise<void> {
    this.#subscription(subscription);
    this.#write(() => {
      for (const ackId of ackIds) {
        const messageId = messageIdOf(ackId);
        if (messageId === undefined) continue;
        const { changes } = this.#statements.deleteLeased.run(messageId, subscription, ackId);
        if (Number(changes) > 0) this.#statements.deleteOrphanMessage.run(messageId, messageId);
      }
    });
  }

  async nack(subscription: string, ackIds: string[]): Promise<void> {
    await this.modifyAckDeadline(subscription, ackIds, 0);
  }

  async modifyAckDeadline(subscription: string, ackIds: string[], seconds: number): Promise<void> {
    const config = this.#subscription(subscription);
    if (!(Number.isFinite(seconds) && seconds >= 0 && seconds <= 600)) {
      throw new RangeError(`modifyAckDeadline on ${subscription}: seconds must be 0 to 600, got ${seconds}`);
    }
    const s = this.#statements;
    this.#write(() => {
      const now = this.#clock();
      for (const ackId of ackIds) {
        const messageId = messageIdOf(ackId);
        if (messageId === undefined) continue;
        const row = s.leased.get(messageId, subscription, ackId) as DeliveryRow | undefined;
        // An older delivery's ack id, or one already acked: Pub/Sub ignores it too.
        if (!row) continue;
        // The next delivery waits out the backoff, whether it is a redelivery or, once the
        // attempts are used up, the forward to the dead-letter topic (pull does that when due).
        const backoff = this.#backoffMs(config, row.attempts);
        if (seconds === 0) {
          s.release.run(now + backoff, messageId, subscription);
        } else {
          const leaseEnd = now + seconds * 1000 * this.#scale;
          s.extendLease.run(leaseEnd, leaseEnd + backoff, messageId, subscription);
        }
      }
    });
  }

  /**
   * When the earliest message of the subscription (or of any subscription) becomes deliverable: the
   * end of a lease plus its backoff, or of a backoff after a nack. A time at or before now means
   * messages are available already; undefined means nothing is pending at all.
   */
  nextDueAt(subscription?: string): number | undefined {
    this.#open();
    const s = this.#statements;
    const names = subscription
      ? [this.#subscription(subscription).name]
      : (s.subscriptionNames.all() as Array<{ name: string }>).map((r) => r.name);
    let earliest: number | undefined;
    for (const name of names) {
      const row = s.earliestDue.get(name) as { next_at: number | null } | undefined;
      const at = row?.next_at ?? undefined;
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Backlog of every subscription, by name. */
  stats(): SubscriptionStats[] {
    return this.#write(() => {
      const now = this.#clock();
      this.#sweepExpired(now, true);
      const rows = this.#statements.stats.all({ now }) as Array<{
        subscription: string;
        topic: string;
        available: number;
        leased: number;
        delayed: number;
        oldest: number | null;
      }>;
      return rows.map((r) => ({
        subscription: r.subscription,
        topic: r.topic,
        available: r.available,
        leased: r.leased,
        delayed: r.delayed,
        oldestUnackedAgeMs: r.oldest === null ? undefined : now - r.oldest,
      }));
    });
  }

  /** Reads up to `max` messages of the subscription, oldest first, without leasing them. */
  peek(subscription: string, max: number): PeekedMessage[] {
    this.#subscription(subscription);
    return this.#write(() => {
      this.#sweepExpired(this.#clock(), true);
      const rows = this.#statements.peek.all(subscription, max) as unknown as DueRow[];
      return rows.map((row) => ({
        messageId: String(row.message_id),
        data: asBuffer(row.data),
        attributes: JSON.parse(row.attributes) as Attributes,
        publishTime: new Date(row.publish_time),
        deliveryAttempts: row.attempts,
      }));
    });
  }

  /** Gives back this broker's leases (like a subscriber that shuts down) and closes the file. */
  async close(): Promise<void> {
    if (!this.#db) return;
    this.#commitPublishes();
    this.#write(() => {
      this.#statements.releaseLeasesOf.run(this.#clock(), this.#ownerId);
      this.#statements.deleteOwner.run(this.#ownerId);
    });
    unregisterOpenOwner(this.#ownerId);
    this.#db.close();
    this.#db = undefined;
  }

  #open(): DatabaseSync {
    if (!this.#db) throw new Error(`LocalBroker ${this.file} is closed`);
    return this.#db;
  }

  #write<T>(work: () => T): T {
    const db = this.#open();
    // IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading a read.
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  }

  /**
   * Group commit: the publishes of one event-loop turn share a transaction, and each resolves only
   * once that transaction has committed.
   */
  #commitPublishes(): void {
    const batch = this.#publishQueue.splice(0);
    if (batch.length === 0) return;
    let ids: number[];
    try {
      ids = this.#write(() => {
        const now = this.#clock();
        return batch.map((p) => this.#insertMessage(p.topic, p.data, p.attributesJson, now));
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      p.resolve(String(ids[i]));
    });
  }

  #requireTopic(topic: string): void {
    if (this.#topics.has(topic)) return;
    if (!this.#statements.topicExists.get(topic)) {
      throw new ConfigError(
        `topic ${topic} does not exist in the local broker ${this.file}: ensureTopology with a topology that declares it first`,
      );
    }
    this.#topics.add(topic);
  }

  #subscription(name: string): SubscriptionConfig {
    const cached = this.#subscriptions.get(name);
    if (cached) return cached;
    const row = this.#statements.subscription.get(name) as SubscriptionRow | undefined;
    if (!row) {
      throw new ConfigError(
        `subscription ${name} does not exist in the local broker ${this.file}: ensureTopology with a topology that declares it first`,
      );
    }
    const config: SubscriptionConfig = {
      name: row.name,
      topic: row.topic,
      ackDeadlineMs: row.ack_deadline_seconds * 1000 * this.#scale,
      minimumBackoffMs: row.minimum_backoff_seconds * 1000 * this.#scale,
      maximumBackoffMs: row.maximum_backoff_seconds * 1000 * this.#scale,
      deadLetter:
        row.dead_letter_topic && row.max_delivery_attempts
          ? { topic: row.dead_letter_topic, maxDeliveryAttempts: row.max_delivery_attempts }
          : undefined,
      retentionMs: row.retention_seconds * 1000,
    };
    this.#subscriptions.set(name, config);
    return config;
  }

  /** Backoff after the `failedAttempt`-th delivery failed. */
  #backoffMs(config: SubscriptionConfig, failedAttempt: number): number {
    const exponential = config.minimumBackoffMs * 2 ** Math.max(0, failedAttempt - 1);
    return Math.min(exponential, config.maximumBackoffMs);
  }

  /** True when `attempts` deliveries have used up the dead-letter policy's allowance. */
  #exhausted(config: SubscriptionConfig, attempts: number): boolean {
    return config.deadLetter !== undefined && attempts >= config.deadLetter.maxDeliveryAttempts;
  }

  #lease(config: SubscriptionConfig, row: DueRow, now: number): ReceivedMessage {
    const attempt = row.attempts + 1;
    const ackId = `${row.message_id}-${attempt}-${this.#ownerId}`;
    const leaseEnd = now + config.ackDeadlineMs;
    // If this lease runs out, the message is due again once the backoff after it has passed.
    const nextAt = leaseEnd + this.#backoffMs(config, attempt);
    this.#statements.lease.run(attempt, ackId, this.#ownerId, leaseEnd, nextAt, row.message_id, config.name);
    return {
      ackId,
      messageId: String(row.message_id),
      data: asBuffer(row.data),
      attributes: JSON.parse(row.attributes) as Attributes,
      publishTime: new Date(row.publish_time),
      deliveryAttempt: attempt,
    };
  }

  #deadLetter(config: SubscriptionConfig, row: DueRow, now: number): void {
    const deadLetter = config.deadLetter;
    if (!deadLetter) return;
    const attributes: Attributes = {
      ...(JSON.parse(row.attributes) as Attributes),
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: config.name,
      [DEAD_LETTER_ATTRIBUTES.sourceSubscriptionProject]: this.project,
      [DEAD_LETTER_ATTRIBUTES.sourceTopicPublishTime]: new Date(row.publish_time).toISOString(),
      [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: String(row.attempts),
    };
    this.#insertMessage(deadLetter.topic, row.data, JSON.stringify(attributes), now);
    this.#removeDelivery(row.message_id, config.name);
  }

  #insertMessage(topic: string, data: Uint8Array, attributesJson: string, now: number): number {
    const s = this.#statements;
    const id = Number(s.insertMessage.run(topic, data, attributesJson, now).lastInsertRowid);
    const { changes } = s.fanOut.run(id, now, now, topic);
    // A topic without subscriptions keeps nothing, as in Pub/Sub.
    if (Number(changes) === 0) s.deleteMessage.run(id);
    return id;
  }

  #removeDelivery(messageId: number, subscription: string): void {
    this.#statements.deleteDelivery.run(messageId, subscription);
    this.#statements.deleteOrphanMessage.run(messageId, messageId);
  }

  /** Drops deliveries older than their subscription's retention (throttled unless `force`). */
  #sweepExpired(now: number, force = false): void {
    if (!force && now - this.#lastRetentionSweepAt < RETENTION_SWEEP_INTERVAL_MS) return;
    this.#lastRetentionSweepAt = now;
    const s = this.#statements;
    for (const row of s.retentions.all() as Array<{ name: string; retention_seconds: number }>) {
      s.deleteExpiredDeliveries.run(row.name, now - row.retention_seconds * 1000);
    }
    s.deleteUnreferencedMessages.run();
  }
}

/** The message id an ack id was made for; undefined for a string no delivery ever carried. */
function messageIdOf(ackId: string): number | undefined {
  const id = Number(ackId.slice(0, ackId.indexOf("-")));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertOwner: p("INSERT INTO owners (id, pid, opened_at) VALUES (?, ?, ?)"),
    owners: p("SELECT id, pid FROM owners"),
    deleteOwner: p("DELETE FROM owners WHERE id = ?"),
    releaseLeasesOf: p(
      "UPDATE deliveries SET ack_id = NULL, lease_owner = NULL, lease_expires_at = NULL, next_at = ? WHERE lease_owner = ?",
    ),
    insertTopic: p("INSERT OR IGNORE INTO topics (name, created_at) VALUES (?, ?)"),
    topicExists: p("SELECT 1 AS found FROM topics WHERE name = ?"),
    subscription: p("SELECT * FROM subscriptions WHERE name = ?"),
    subscriptionNames: p("SELECT name FROM subscriptions ORDER BY name"),
    retentions: p("SELECT name, retention_seconds FROM subscriptions"),
    upsertSubscription: p(
      `INSERT INTO subscriptions (name, topic, ack_deadline_seconds, minimum_backoff_seconds, maximum_backoff_seconds,
         max_delivery_attempts, dead_letter_topic, retention_seconds, created_at)
       VALUES ($name, $topic, $ack, $min, $max, $attempts, $dlq, $retention, $now)
       ON CONFLICT (name) DO UPDATE SET ack_deadline_seconds = $ack, minimum_backoff_seconds = $min,
         maximum_backoff_seconds = $max, max_delivery_attempts = $attempts, dead_letter_topic = $dlq,
         retention_seconds = $retention`,
    ),
    insertMessage: p("INSERT INTO messages (topic, data, attributes, publish_time) VALUES (?, ?, ?, ?)"),
    fanOut: p(
      `INSERT INTO deliveries (message_id, subscription, publish_time, attempts, next_at)
       SELECT ?, name, ?, 0, ? FROM subscriptions WHERE topic = ?`,
    ),
    deleteMessage: p("DELETE FROM messages WHERE id = ?"),
    deleteOrphanMessage: p(
      "DELETE FROM messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = ?)",
    ),
    due: p(
      `SELECT d.message_id, d.attempts, d.publish_time, m.data, m.attributes
       FROM deliveries d JOIN messages m ON m.id = d.message_id
       WHERE d.subscription = ? AND d.next_at <= ?
       ORDER BY d.next_at, d.message_id LIMIT ?`,
    ),
    lease: p(
      `UPDATE deliveries SET attempts = ?, ack_id = ?, lease_owner = ?, lease_expires_at = ?, next_at = ?
       WHERE message_id = ? AND subscription = ?`,
    ),
    leased: p(
      "SELECT message_id, attempts, publish_time FROM deliveries WHERE message_id = ? AND subscription = ? AND ack_id = ?",
    ),
    release: p(
      `UPDATE deliveries SET ack_id = NULL, lease_owner = NULL, lease_expires_at = NULL, next_at = ?
       WHERE message_id = ? AND subscription = ?`,
    ),
    extendLease: p(
      "UPDATE deliveries SET lease_expires_at = ?, next_at = ? WHERE message_id = ? AND subscription = ?",
    ),
    deleteLeased: p("DELETE FROM deliveries WHERE message_id = ? AND subscription = ? AND ack_id = ?"),
    deleteDelivery: p("DELETE FROM deliveries WHERE message_id = ? AND subscription = ?"),
    deleteExpiredDeliveries: p("DELETE FROM deliveries WHERE subscription = ? AND publish_time < ?"),
    deleteUnreferencedMessages: p(
      "DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE message_id = messages.id)",
    ),
    earliestDue: p("SELECT MIN(next_at) AS next_at FROM deliveries WHERE subscription = ?"),
    stats: p(
      `SELECT s.name AS subscription, s.topic AS topic,
         COUNT(CASE WHEN d.next_at <= $now THEN 1 END) AS available,
         COUNT(CASE WHEN d.ack_id IS NOT NULL AND d.lease_expires_at > $now THEN 1 END) AS leased,
         COUNT(CASE WHEN d.next_at > $now AND NOT (d.ack_id IS NOT NULL AND d.lease_expires_at > $now) THEN 1 END) AS delayed,
         MIN(d.publish_time) AS oldest
       FROM subscriptions s LEFT JOIN deliveries d ON d.subscription = s.name
       GROUP BY s.name ORDER BY s.name`,
    ),
    peek: p(
      `SELECT d.message_id, d.attempts, m.publish_time, m.data, m.attributes
       FROM deliveries d JOIN messages m ON m.id = d.message_id
       WHERE d.subscription = ? ORDER BY d.message_id LIMIT ?`,
    ),
  };
}
