/**
 * Dead letters: list what the keep subscriptions of the dead-letter topics hold, and replay it to
 * the topics the messages came from. Written over the events port and the topology only, so the
 * offline broker and Pub/Sub behave the same.
 */
import { errorMessage, PermanentError } from "./errors.ts";
import { FAILURE_ATTRIBUTES as FAILURE } from "./hop.ts";
import type { Logger } from "./log.ts";
import {
  type Attributes,
  DEAD_LETTER_ATTRIBUTES,
  type EventBus,
  type ReceivedMessage,
} from "./ports/events.ts";
import type { SubscriptionSpec, Topology } from "./topology.ts";

/** Attribute a replay adds (or increments) on every message it republishes. */
export const REPLAY_COUNT_ATTRIBUTE = "winter_days_replay_count";

/** The reason shown for a message Pub/Sub dead-lettered itself, after the subscription's retries ran out. */
export const MAX_DELIVERY_ATTEMPTS_REASON = "max-delivery-attempts";

/** Messages per pull. Small enough that one batch is handled well within a lease. */
const PULL_BATCH = 100;
/** Seconds of work a rate-limited replay takes on in one batch: half the 10 s lease of a keep subscription. */
const LEASE_BUDGET_SECONDS = 5;

export interface DlqDeps {
  events: EventBus;
  topology: Topology;
  /**
   * Prefix of deployed names (`<prefix>-<logical name>`). Pub/Sub names the source subscription of
   * a dead letter by its deployed name; the prefix is stripped to find it in the topology.
   */
  prefix?: string;
  now?: () => Date;
  /** Milliseconds on a monotonic-enough clock, for the rate limit. */
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: Logger;
}

/** A dead-letter topic and the subscription that keeps what lands on it. */
export interface DeadLetterTarget {
  /** The keep subscription (logical name). */
  subscription: string;
  /** The dead-letter topic (logical name). */
  topic: string;
}

/** One dead-lettered message as operators see it. */
export interface DeadLetter {
  /** Id of the message on the dead-letter topic. */
  message_id: string;
  /** Keep subscription that holds it. */
  subscription: string;
  /** The subscription that gave up on it (logical name when known, else the attribute as is). */
  source_subscription: string | undefined;
  /** Where a replay sends it; undefined when the source subscription is unknown. */
  original_topic: string | undefined;
  /** Deliveries made before it was dead-lettered (CloudPubSubDeadLetterSourceDeliveryCount). */
  delivery_attempts: number | undefined;
  reason: string;
  hop: string | undefined;
  error_class: string | undefined;
  error_message: string | undefined;
  first_seen: string | undefined;
  /** When it landed on the dead-letter topic. */
  dead_lettered_at: string;
  /** Time since it landed on the dead-letter topic (retention counts from then). */
  age_ms: number;
  replay_count: number;
  batch_date: string | undefined;
  source: string | undefined;
  event_type: string | undefined;
  /** Why it cannot be replayed, when it cannot. */
  problem: string | undefined;
}

export interface DeadLetterListing {
  /** Every keep subscription looked at, with how many messages it holds. */
  subscriptions: Array<DeadLetterTarget & { count: number }>;
  messages: DeadLetter[];
}

/** `key=value`: matches a listing field, an attribute or a top-level event field of that name. */
export interface ReplayFilter {
  key: string;
  value: string;
}

export interface ReplayOptions {
  /** Keep subscription or dead-letter topic. */
  subscription: string;
  /** All keys must match; several values of one key match any of them. */
  filters?: ReplayFilter[];
  /** At most this many matching messages are handled. */
  max?: number;
  /** Messages republished per second. */
  rate?: number;
  /** Report what would be replayed and give every message back untouched. */
  dryRun?: boolean;
}

export type ReplayOutcome = "replayed" | "would-replay" | "failed";

export interface ReplayedMessage {
  message_id: string;
  outcome: ReplayOutcome;
  original_topic: string | undefined;
  /** Id of the republished message. */
  republished_id?: string;
  replay_count: number;
  reason: string;
  batch_date: string | undefined;
  source: string | undefined;
  event_type: string | undefined;
  error?: string;
}

export interface TopicTally {
  replayed: number;
  would_replay: number;
  failed: number;
}

export interface ReplaySummary {
  subscription: string;
  dead_letter_topic: string;
  dry_run: boolean;
  replayed: number;
  /** Dry run: how many would have been replayed. */
  would_replay: number;
  /** Did not match the filters, or were beyond --max: given back untouched. */
  skipped: number;
  /** Left in place: unknown origin, or the republish failed. */
  failed: number;
  /** Per original topic; messages of unknown origin are not counted here. */
  by_topic: Record<string, TopicTally>;
  /** Every message that matched, in the order handled. */
  messages: ReplayedMessage[];
  /** Set when the run stopped early: a republished message could not be acknowledged. */
  aborted?: string;
}

/** The keep subscriptions of the dead-letter topics, in topology order. */
export function deadLetterTargets(topology: Topology): DeadLetterTarget[] {
  const deadLetterTopics = new Set(topology.topics.filter((t) => t.dead_letter).map((t) => t.name));
  const targets: DeadLetterTarget[] = [];
  const covered = new Set<string>();
  for (const s of topology.subscriptions) {
    if (s.kind !== "keep" || !deadLetterTopics.has(s.topic) || covered.has(s.topic)) continue;
    covered.add(s.topic);
    targets.push({ subscription: s.name, topic: s.topic });
  }
  return targets;
}

/** Strips a resource path (`projects/p/subscriptions/x`) and a deployed `<prefix>-`, as far as needed to match. */
function logicalCandidates(name: string, prefix: string | undefined): string[] {
  const short = name.slice(name.lastIndexOf("/") + 1);
  const candidates = [short];
  if (prefix && short.startsWith(`${prefix}-`)) candidates.push(short.slice(prefix.length + 1));
  return candidates;
}

/**
 * The keep subscription named by `name`: the keep subscription itself or its dead-letter topic,
 * logical or deployed. Throws PermanentError("invalid-identifier") listing the valid names.
 */
export function resolveDeadLetterTarget(topology: Topology, name: string, prefix?: string): DeadLetterTarget {
  const targets = deadLetterTargets(topology);
  for (const candidate of logicalCandidates(name, prefix)) {
    const target = targets.find((t) => t.subscription === candidate || t.topic === candidate);
    if (target) return target;
  }
  throw new PermanentError(
    "invalid-identifier",
    `${JSON.stringify(name)} is neither a dead-letter topic nor the subscription that keeps one; known: ${targets
      .map((t) => t.subscription)
      .join(", ")}`,
  );
}

/** The subscription a dead letter came from, by the name in CloudPubSubDeadLetterSourceSubscription. */
export function resolveSourceSubscription(
  topology: Topology,
  name: string,
  prefix?: string,
): SubscriptionSpec | undefined {
  for (const candidate of logicalCandidates(name, prefix)) {
    const found = topology.subscriptions.find((s) => s.name === candidate);
    if (found) return found;
  }
  return undefined;
}

function optionalInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Top-level fields of the message data when it is a JSON object; empty otherwise. */
function dataFields(data: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data.toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** Where a dead letter came from and where a replay would send it. */
function origin(
  attributes: Attributes,
  deps: Pick<DlqDeps, "topology" | "prefix">,
): {
  source: string | undefined;
  topic: string | undefined;
  problem: string | undefined;
  hop: string | undefined;
} {
  const raw = attributes[DEAD_LETTER_ATTRIBUTES.sourceSubscription];
  if (raw === undefined || raw === "") {
    return {
      source: undefined,
      topic: undefined,
      hop: undefined,
      problem: `it has no ${DEAD_LETTER_ATTRIBUTES.sourceSubscription} attribute, so its original topic is unknown`,
    };
  }
  const spec = resolveSourceSubscription(deps.topology, raw, deps.prefix);
  if (!spec) {
    return {
      source: raw,
      topic: undefined,
      hop: undefined,
      problem: `its source subscription ${JSON.stringify(raw)} is not in the topology${
        deps.prefix ? ` (with or without the prefix ${deps.prefix}-)` : ""
      }, so its original topic is unknown`,
    };
  }
  if (deps.topology.topics.find((t) => t.name === spec.topic)?.dead_letter) {
    return {
      source: spec.name,
      topic: undefined,
      hop: spec.function,
      problem: `its source subscription ${spec.name} reads the dead-letter topic ${spec.topic}; replaying there would only dead-letter it again`,
    };
  }
  return { source: spec.name, topic: spec.topic, hop: spec.function, problem: undefined };
}

/** Reads one leased message of a keep subscription as a dead letter. */
export function describeDeadLetter(
  message: Pick<ReceivedMessage, "messageId" | "data" | "attributes" | "publishTime">,
  subscription: string,
  deps: Pick<DlqDeps, "topology" | "prefix" | "now">,
): DeadLetter {
  const a = message.attributes;
  const fields = dataFields(message.data);
  const from = origin(a, deps);
  const now = (deps.now ?? (() => new Date()))();
  return {
    message_id: message.messageId,
    subscription,
    source_subscription: from.source,
    original_topic: from.topic,
    delivery_attempts: optionalInteger(a[DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]),
    // Only our hops set a failure reason; a dead letter without one is Pub/Sub's own, after retries.
    reason: a[FAILURE.reason] || MAX_DELIVERY_ATTEMPTS_REASON,
    hop: a[FAILURE.hop] || from.hop,
    error_class: a[FAILURE.errorClass] || undefined,
    error_message: a[FAILURE.message] || undefined,
    first_seen: a[FAILURE.firstSeen] || undefined,
    dead_lettered_at: message.publishTime.toISOString(),
    age_ms: Math.max(0, now.getTime() - message.publishTime.getTime()),
    replay_count: optionalInteger(a[REPLAY_COUNT_ATTRIBUTE]) ?? 0,
    batch_date: scalarText(fields.batch_date),
    source: scalarText(fields.source),
    event_type: scalarText(fields.event_type),
    problem: from.problem,
  };
}

/** Parses `key=value` filters; throws PermanentError("schema-violation") on a malformed one. */
export function parseFilters(pairs: readonly string[]): ReplayFilter[] {
  return pairs.map((pair) => {
    const at = pair.indexOf("=");
    if (at < 1) {
      throw new PermanentError("schema-violation", `a filter is key=value, got ${JSON.stringify(pair)}`);
    }
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

/** True when every filter key has one of its values in the listing, the attributes or the event data. */
export function matchesFilters(
  filters: readonly ReplayFilter[],
  letter: DeadLetter,
  message: Pick<ReceivedMessage, "data" | "attributes">,
): boolean {
  if (filters.length === 0) return true;
  const data = dataFields(message.data);
  const listed = letter as unknown as Record<string, unknown>;
  const byKey = new Map<string, Set<string>>();
  for (const f of filters) byKey.set(f.key, (byKey.get(f.key) ?? new Set()).add(f.value));
  for (const [key, values] of byKey) {
    const seen = [
      Object.hasOwn(listed, key) ? scalarText(listed[key]) : undefined,
      Object.hasOwn(message.attributes, key) ? message.attributes[key] : undefined,
      Object.hasOwn(data, key) ? scalarText(data[key]) : undefined,
    ];
    if (!seen.some((v) => v !== undefined && values.has(v))) return false;
  }
  return true;
}

/** The attributes of a replayed message: all of the dead letter's, with the replay count incremented. */
export function replayAttributes(attributes: Attributes): Attributes {
  const count = optionalInteger(attributes[REPLAY_COUNT_ATTRIBUTE]) ?? 0;
  return { ...attributes, [REPLAY_COUNT_ATTRIBUTE]: String(count + 1) };
}

/**
 * A token bucket of `burst` tokens refilled at `ratePerSecond`: `take` waits (through the injected
 * sleep) until a token is there, so no more than `burst + rate·t` takes happen in any t seconds.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #tokens: number;
  #at: number;

  constructor(ratePerSecond: number, clock: () => number, sleep: (ms: number) => Promise<void>, burst = 1) {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`rate must be a positive number of messages per second, got ${ratePerSecond}`);
    }
    this.#rate = ratePerSecond;
    this.#burst = Math.max(1, burst);
    this.#clock = clock;
    this.#sleep = sleep;
    this.#tokens = this.#burst;
    this.#at = clock();
  }

  async take(): Promise<void> {
    this.#refill();
    while (this.#tokens < 1) {
      await this.#sleep(Math.ceil(((1 - this.#tokens) / this.#rate) * 1000));
      this.#refill();
    }
    this.#tokens -= 1;
  }

  #refill(): void {
    const now = this.#clock();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
  }
}

/**
 * Leases every message of one keep subscription once and gives back, at the end, whatever was not
 * acknowledged.
 *
 * Pulling and releasing (modifyAckDeadline 0) does not consume a message, and it is safe on a keep
 * subscription because it has no dead-letter policy: each pull counts a delivery attempt, which on
 * a subscription with a dead-letter policy would bring the message closer to being dead-lettered
 * again, but here attempts lead nowhere; and without a retry policy a released message is
 * deliverable again at once. Leases are held until the sweep ends, so a message is not pulled
 * twice while the sweep runs; one that is (its lease ran out) is recognised by its message id.
 */
class Sweep {
  readonly #events: EventBus;
  readonly #subscription: string;
  readonly #seen = new Set<string>();
  readonly #held: string[] = [];

  constructor(events: EventBus, subscription: string) {
    this.#events = events;
    this.#subscription = subscription;
  }

  /** Messages not seen before in this sweep; none means the subscription has been gone through. */
  async next(max: number): Promise<ReceivedMessage[]> {
    const fresh: ReceivedMessage[] = [];
    for (const message of await this.#events.pull(this.#subscription, max)) {
      if (this.#seen.has(message.messageId)) {
        this.#held.push(message.ackId);
      } else {
        this.#seen.add(message.messageId);
        fresh.push(message);
      }
    }
    return fresh;
  }

  /** Keeps the message leased until `release`. */
  hold(message: ReceivedMessage): void {
    this.#held.push(message.ackId);
  }

  /**
   * Gives every held message back. Best effort: a lease that is not released runs out after the
   * subscription's ack deadline anyway, and the message is delivered again then.
   */
  async release(log: Logger | undefined): Promise<void> {
    const ackIds = this.#held.splice(0);
    if (ackIds.length === 0) return;
    try {
      await this.#events.modifyAckDeadline(this.#subscription, ackIds, 0);
    } catch (error) {
      log?.warn("could not release dead letters; they return when their leases run out", {
        subscription: this.#subscription,
        messages: ackIds.length,
        error,
      });
    }
  }
}

/** Lists the dead letters of every keep subscription of a dead-letter topic, or of `subscription` only. */
export async function listDeadLetters(
  deps: DlqDeps,
  options: { subscription?: string } = {},
): Promise<DeadLetterListing> {
  const targets = options.subscription
    ? [resolveDeadLetterTarget(deps.topology, options.subscription, deps.prefix)]
    : deadLetterTargets(deps.topology);
  const listing: DeadLetterListing = { subscriptions: [], messages: [] };
  for (const target of targets) {
    const sweep = new Sweep(deps.events, target.subscription);
    let count = 0;
    try {
      for (;;) {
        const batch = await sweep.next(PULL_BATCH);
        if (batch.length === 0) break;
        for (const message of batch) {
          sweep.hold(message);
          listing.messages.push(describeDeadLetter(message, target.subscription, deps));
          count++;
        }
      }
    } finally {
      await sweep.release(deps.log);
    }
    listing.subscriptions.push({ ...target, count });
  }
  return listing;
}

function checkReplayOptions(options: ReplayOptions): void {
  if (options.max !== undefined && !(Number.isSafeInteger(options.max) && options.max > 0)) {
    throw new PermanentError("schema-violation", `max must be a positive integer, got ${options.max}`);
  }
  if (options.rate !== undefined && !(Number.isFinite(options.rate) && options.rate > 0)) {
    throw new PermanentError(
      "schema-violation",
      `rate must be a positive number of messages per second, got ${options.rate}`,
    );
  }
}

function tally(summary: ReplaySummary, topic: string | undefined, outcome: ReplayOutcome): void {
  if (outcome === "replayed") summary.replayed++;
  else if (outcome === "would-replay") summary.would_replay++;
  else summary.failed++;
  if (topic === undefined) return;
  const counts = summary.by_topic[topic] ?? { replayed: 0, would_replay: 0, failed: 0 };
  if (outcome === "replayed") counts.replayed++;
  else if (outcome === "would-replay") counts.would_replay++;
  else counts.failed++;
  summary.by_topic[topic] = counts;
}

/**
 * Republishes the dead letters of one keep subscription to their original topics, with data and
 * attributes intact plus an incremented replay count, and acknowledges each only once its
 * republish has succeeded. A crash between the two leaves the message in dead letters, so a later
 * replay republishes it again: at most that message is duplicated (the hops are idempotent), and
 * nothing is lost. Messages that do not match, are beyond `max`, or cannot be replayed are given
 * back untouched.
 */
export async function replayDeadLetters(deps: DlqDeps, options: ReplayOptions): Promise<ReplaySummary> {
  checkReplayOptions(options);
  const target = resolveDeadLetterTarget(deps.topology, options.subscription, deps.prefix);
  const filters = options.filters ?? [];
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const dryRun = options.dryRun === true;
  const bucket =
    options.rate === undefined || dryRun
      ? undefined
      : new TokenBucket(
          options.rate,
          deps.clock ?? Date.now,
          deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        );
  // A rate-limited batch must be done before its leases run out.
  const batchSize =
    options.rate === undefined || dryRun
      ? PULL_BATCH
      : Math.max(1, Math.min(PULL_BATCH, Math.floor(options.rate * LEASE_BUDGET_SECONDS)));
  const summary: ReplaySummary = {
    subscription: target.subscription,
    dead_letter_topic: target.topic,
    dry_run: dryRun,
    replayed: 0,
    would_replay: 0,
    skipped: 0,
    failed: 0,
    by_topic: {},
    messages: [],
  };
  const record = (letter: DeadLetter, outcome: ReplayOutcome, extra: Partial<ReplayedMessage> = {}) => {
    tally(summary, letter.original_topic, outcome);
    summary.messages.push({
      message_id: letter.message_id,
      outcome,
      original_topic: letter.original_topic,
      replay_count: letter.replay_count,
      reason: letter.reason,
      batch_date: letter.batch_date,
      source: letter.source,
      event_type: letter.event_type,
      ...extra,
    });
  };
  const sweep = new Sweep(deps.events, target.subscription);
  let handled = 0;
  try {
    // Past `max` there is nothing left to do: what was not pulled stays where it is anyway.
    while (summary.aborted === undefined && handled < max) {
      const batch = await sweep.next(batchSize);
      if (batch.length === 0) break;
      for (const message of batch) {
        if (summary.aborted !== undefined) {
          sweep.hold(message);
          continue;
        }
        const letter = describeDeadLetter(message, target.subscription, deps);
        if (handled >= max || !matchesFilters(filters, letter, message)) {
          summary.skipped++;
          sweep.hold(message);
          continue;
        }
        handled++;
        if (letter.original_topic === undefined) {
          record(letter, "failed", { error: `left in place: ${letter.problem}` });
          sweep.hold(message);
          continue;
        }
        if (dryRun) {
          record(letter, "would-replay");
          sweep.hold(message);
          continue;
        }
        await bucket?.take();
        let republishedId: string;
        try {
          republishedId = await deps.events.publish(letter.original_topic, {
            data: message.data,
            attributes: replayAttributes(message.attributes),
          });
        } catch (error) {
          record(letter, "failed", {
            error: `left in place: republish to ${letter.original_topic} failed: ${errorMessage(error)}`,
          });
          sweep.hold(message);
          continue;
        }
        try {
          await deps.events.ack(target.subscription, [message.ackId]);
        } catch (error) {
          sweep.hold(message);
          const problem = `republished to ${letter.original_topic} as ${republishedId}, but acknowledging it on ${target.subscription} failed: ${errorMessage(error)}; it stays in dead letters, and replaying again republishes it once more (the hops are idempotent)`;
          record(letter, "failed", { republished_id: republishedId, error: problem });
          // Every further message could end the same way, each one a duplicate: stop here.
          summary.aborted = `stopped after message ${letter.message_id}: ${problem}`;
          continue;
        }
        record(letter, "replayed", { republished_id: republishedId, replay_count: letter.replay_count + 1 });
      }
    }
  } finally {
    await sweep.release(deps.log);
  }
  deps.log?.info("dead letters replayed", {
    subscription: target.subscription,
    dry_run: dryRun,
    replayed: summary.replayed,
    would_replay: summary.would_replay,
    skipped: summary.skipped,
    failed: summary.failed,
    ...(summary.aborted ? { aborted: summary.aborted } : {}),
  });
  return summary;
}
