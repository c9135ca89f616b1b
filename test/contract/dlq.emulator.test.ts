import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorClientOptions, PubSubEventBus } from "../../lib/adapters/gcp/pubsub.ts";
import { LocalBroker } from "../../lib/adapters/local/broker.ts";
import {
  type DeadLetter,
  type DlqDeps,
  listDeadLetters,
  REPLAY_COUNT_ATTRIBUTE,
  type ReplaySummary,
  replayDeadLetters,
} from "../../lib/dlq.ts";
import { FAILURE_ATTRIBUTES } from "../../lib/hop.ts";
import {
  type Attributes,
  DEAD_LETTER_ATTRIBUTES,
  type EventBus,
  type ReceivedMessage,
} from "../../lib/ports/events.ts";
import type { Topology } from "../../lib/topology.ts";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";

// The same dead-letter scenarios, run against the offline broker and against PubSubEventBus on
// Google's Pub/Sub emulator: each case turns what happened into plain data, and both buses must
// produce exactly the expected data, so the two paths give identical results.

/** Ack deadline of the keep subscriptions: Pub/Sub's minimum and default. */
const KEEP_ACK_DEADLINE_SECONDS = 10;
const MAX_ATTEMPTS = 5;

/** The real topology's shape (hop subscriptions, dead-letter topics, keep subscriptions) with Pub/Sub's tightest timings. */
const topology: Topology = {
  message_retention_seconds: 600,
  topics: [
    { name: "batch-landed", event_type: "batch.landed" },
    { name: "bronze-ready", event_type: "bronze.ready" },
    { name: "export-dead-letter", dead_letter: true },
    { name: "dataform-invoke-dead-letter", dead_letter: true },
  ],
  subscriptions: [
    {
      name: "export",
      topic: "batch-landed",
      kind: "push",
      function: "export",
      ack_deadline_seconds: 10,
      max_delivery_attempts: MAX_ATTEMPTS,
      retry: { minimum_backoff_seconds: 1, maximum_backoff_seconds: 2 },
      dead_letter_topic: "export-dead-letter",
    },
    {
      name: "dataform-invoke",
      topic: "bronze-ready",
      kind: "push",
      function: "dataform-invoke",
      ack_deadline_seconds: 10,
      max_delivery_attempts: MAX_ATTEMPTS,
      retry: { minimum_backoff_seconds: 1, maximum_backoff_seconds: 2 },
      dead_letter_topic: "dataform-invoke-dead-letter",
    },
    {
      name: "export-dead-letter-keep",
      topic: "export-dead-letter",
      kind: "keep",
      ack_deadline_seconds: KEEP_ACK_DEADLINE_SECONDS,
    },
    {
      name: "dataform-invoke-dead-letter-keep",
      topic: "dataform-invoke-dead-letter",
      kind: "keep",
      ack_deadline_seconds: KEEP_ACK_DEADLINE_SECONDS,
    },
  ],
  functions: [],
};

interface Subject {
  /** The bus as a process sees it; replaced by `restart`. */
  bus: EventBus;
  /** What a dead-letter command on this bus gets. */
  deps(bus?: EventBus): DlqDeps;
  /** A new process after the previous one died without cleaning up: its leases are gone. */
  restart(): Promise<EventBus>;
  dispose(): Promise<void>;
}

interface Backend {
  name: string;
  open(): Promise<Subject>;
}

function dlqDeps(bus: EventBus, prefix: string): DlqDeps {
  return { events: bus, topology, prefix };
}

const local: Backend = {
  name: "LocalBroker",
  async open() {
    const dir = await mkdtemp(join(tmpdir(), "wd-dlq-contract-"));
    const file = join(dir, "broker.sqlite");
    // 1/50 of Pub/Sub's time, as in the events contract.
    const open = () => new LocalBroker(file, { backoffScale: 0.02, project: "contract-project" });
    let broker = open();
    const subject: Subject = {
      bus: broker,
      // The CLI passes the configured prefix; offline names carry none, so it must not matter.
      deps: (bus = subject.bus) => dlqDeps(bus, "winter-days"),
      async restart() {
        // The broker gives back a dead process's leases when the file is opened again; closing
        // this one first does the same for the process that stands in for the dead one.
        await broker.close();
        broker = open();
        subject.bus = broker;
        return broker;
      },
      async dispose() {
        await broker.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
    return subject;
  },
};

let emulator: RunningEmulator | undefined;

const onEmulator: Backend = {
  name: "PubSubEventBus on the Pub/Sub emulator",
  async open() {
    const running = emulator;
    if (!running) throw new Error("the Pub/Sub emulator is not running");
    const prefix = `d${randomBytes(4).toString("hex")}`;
    const connect = () =>
      new PubSubEventBus({
        projectId: running.projectId,
        prefix,
        clientOptions: emulatorClientOptions(running.host),
        pullWaitMs: 500,
      });
    const opened: PubSubEventBus[] = [connect()];
    const subject: Subject = {
      bus: opened[0] as PubSubEventBus,
      deps: (bus = subject.bus) => dlqDeps(bus, prefix),
      async restart() {
        // Nobody gives a dead subscriber's leases back: they run out after the ack deadline.
        await sleep(KEEP_ACK_DEADLINE_SECONDS * 1000 + 500);
        const bus = connect();
        opened.push(bus);
        subject.bus = bus;
        return bus;
      },
      async dispose() {
        for (const bus of opened) await bus.close();
      },
    };
    return subject;
  },
};

// ---------------------------------------------------------------------------------------------
// Making dead letters

interface EventData {
  event_type: string;
  batch_date: string;
  source: string;
}

function eventData(event_type: string, batch_date: string, source: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      event_type,
      schema_version: "1.0.0",
      batch_date,
      source,
      batch_id: `${source}-${batch_date}-0a1b2c3d`,
    }),
  );
}

function routing(data: Buffer): Attributes {
  const event = JSON.parse(data.toString()) as EventData;
  return { event_type: event.event_type, batch_date: event.batch_date, source: event.source };
}

/** The Pub/Sub-style source attributes a hop sets on what it dead-letters from the export subscription. */
const HOP_PUBSUB_ATTRIBUTES: Attributes = {
  [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "export",
  [DEAD_LETTER_ATTRIBUTES.sourceSubscriptionProject]: "contract-project",
  [DEAD_LETTER_ATTRIBUTES.sourceTopicPublishTime]: "2026-11-20T06:00:00.000Z",
  [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: "1",
};

/** What a hop publishes to its dead-letter topic on a permanent failure (lib/hop.ts). */
async function hopDeadLetter(
  bus: EventBus,
  hop: "export" | "dataform-invoke",
  data: Buffer,
  reason: string,
  extra: Attributes = {},
): Promise<void> {
  await bus.publish(`${hop}-dead-letter`, {
    data,
    attributes: {
      ...routing(data),
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: hop,
      [DEAD_LETTER_ATTRIBUTES.sourceSubscriptionProject]: "contract-project",
      [DEAD_LETTER_ATTRIBUTES.sourceTopicPublishTime]: "2026-11-20T06:00:00.000Z",
      [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: "1",
      [FAILURE_ATTRIBUTES.reason]: reason,
      [FAILURE_ATTRIBUTES.hop]: hop,
      [FAILURE_ATTRIBUTES.errorClass]: "PermanentError",
      [FAILURE_ATTRIBUTES.message]: `${reason} in ${hop}`,
      [FAILURE_ATTRIBUTES.firstSeen]: "2026-11-20T06:00:01.000Z",
      ...extra,
    },
  });
}

/** Fails a message on the export subscription until Pub/Sub itself dead-letters it. */
async function exhaust(bus: EventBus, data: Buffer): Promise<void> {
  await bus.publish("batch-landed", { data, attributes: routing(data) });
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const [delivery] = await pullUntil(bus, "export", 1);
    await bus.nack("export", [delivery?.ackId ?? ""]);
  }
  // Google's emulator and the local broker forward once the next delivery is due and the source
  // subscription is pulled; wait for it to land, then give it back.
  const deadline = Date.now() + 30_000;
  for (;;) {
    expect(await bus.pull("export", 10)).toEqual([]);
    const landed = await bus.pull("export-dead-letter-keep", 1);
    if (landed.length > 0) {
      await bus.modifyAckDeadline(
        "export-dead-letter-keep",
        landed.map((m) => m.ackId),
        0,
      );
      return;
    }
    if (Date.now() > deadline) throw new Error("the exhausted message never reached export-dead-letter-keep");
    await sleep(100);
  }
}

async function pullUntil(bus: EventBus, subscription: string, count: number): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + 30_000;
  while (received.length < count) {
    if (Date.now() > deadline)
      throw new Error(`${subscription}: expected ${count} messages, got ${received.length}`);
    const batch = await bus.pull(subscription, count - received.length);
    received.push(...batch);
    if (batch.length === 0) await sleep(25);
  }
  return received;
}

/** Takes (and acks) the `count` messages the subscription should hold, then checks there is no more. */
async function takeAll(bus: EventBus, subscription: string, count: number): Promise<ReceivedMessage[]> {
  const received = count > 0 ? await pullUntil(bus, subscription, count) : [];
  const extra = await bus.pull(subscription, 10);
  await bus.ack(
    subscription,
    [...received, ...extra].map((m) => m.ackId),
  );
  if (extra.length > 0)
    throw new Error(`${subscription}: expected ${count} messages, got ${count + extra.length}`);
  return received;
}

// ---------------------------------------------------------------------------------------------
// What a result looks like once ids, times and names only one bus knows are taken out

const PUBSUB_ADDED = new Set<string>(Object.values(DEAD_LETTER_ATTRIBUTES));

function plainLetter(l: DeadLetter) {
  return {
    subscription: l.subscription,
    source_subscription: l.source_subscription,
    original_topic: l.original_topic,
    delivery_attempts: l.delivery_attempts,
    reason: l.reason,
    hop: l.hop,
    error: l.error_message,
    replay_count: l.replay_count,
    event: `${l.batch_date} ${l.source} ${l.event_type}`,
    problem: l.problem,
  };
}

async function plainListing(deps: DlqDeps, subscription?: string) {
  const listing = await listDeadLetters(deps, subscription ? { subscription } : {});
  return {
    counts: Object.fromEntries(listing.subscriptions.map((s) => [s.subscription, s.count])),
    messages: listing.messages.map(plainLetter).sort((a, b) => a.event.localeCompare(b.event)),
  };
}

function plainSummary(summary: ReplaySummary) {
  return {
    subscription: summary.subscription,
    replayed: summary.replayed,
    would_replay: summary.would_replay,
    skipped: summary.skipped,
    failed: summary.failed,
    by_topic: summary.by_topic,
    messages: summary.messages
      .map((m) => ({
        outcome: m.outcome,
        topic: m.original_topic,
        event: `${m.batch_date} ${m.source} ${m.event_type}`,
        replay_count: m.replay_count,
        ...(m.error ? { error: m.error } : {}),
        republished: m.republished_id !== undefined,
      }))
      .sort((a, b) => a.event.localeCompare(b.event)),
    aborted: summary.aborted !== undefined,
  };
}

/**
 * A republished message: its data and attributes; those Pub/Sub added when it dead-lettered the
 * message name the bus's own project and deployed subscription, so only their presence is shown.
 */
function plainRepublished(message: ReceivedMessage, withPubSubAttributes = true) {
  const ours = Object.fromEntries(
    Object.entries(message.attributes).filter(([k]) => withPubSubAttributes || !PUBSUB_ADDED.has(k)),
  );
  const event = JSON.parse(message.data.toString()) as EventData;
  return { event: `${event.batch_date} ${event.source} ${event.event_type}`, attributes: ours };
}

const byEvent = (a: { event: string }, b: { event: string }) => a.event.localeCompare(b.event);

/** A bus that dies in the middle of a replay: the first ack never happens, and nothing works after it. */
function dyingBeforeFirstAck(bus: EventBus): EventBus {
  let dead = false;
  const alive = () => {
    if (dead) throw new Error("the process is dead");
  };
  return {
    ensureTopology: async (t) => {
      alive();
      await bus.ensureTopology(t);
    },
    publish: async (topic, message) => {
      alive();
      return await bus.publish(topic, message);
    },
    pull: async (subscription, max) => {
      alive();
      return await bus.pull(subscription, max);
    },
    ack: async () => {
      alive();
      dead = true;
      throw new Error("killed between republish and ack");
    },
    nack: async (subscription, ackIds) => {
      alive();
      await bus.nack(subscription, ackIds);
    },
    modifyAckDeadline: async (subscription, ackIds, seconds) => {
      alive();
      await bus.modifyAckDeadline(subscription, ackIds, seconds);
    },
    close: async () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// The cases

interface DlqCase {
  name: string;
  run(subject: Subject): Promise<unknown>;
  expected: unknown;
}

const sales20 = () => eventData("batch.landed", "2026-11-20", "sales");
const clicks20 = () => eventData("batch.landed", "2026-11-20", "clickstream");
const sales21 = () => eventData("batch.landed", "2026-11-21", "sales");
const clicks21 = () => eventData("batch.landed", "2026-11-21", "clickstream");
const bronze20 = () => eventData("bronze.ready", "2026-11-20", "sales");

const cases: DlqCase[] = [
  {
    name: "a message Pub/Sub dead-lettered after its retries is listed (without being consumed) and replayed to its topic",
    async run(subject) {
      await exhaust(subject.bus, clicks21());
      const first = await listDeadLetters(subject.deps(), { subscription: "export-dead-letter-keep" });
      const second = await listDeadLetters(subject.deps(), { subscription: "export-dead-letter-keep" });
      const summary = await replayDeadLetters(subject.deps(), { subscription: "export-dead-letter-keep" });
      const [back] = await takeAll(subject.bus, "export", 1);
      return {
        listed: first.messages.map(plainLetter),
        listedAgainTheSame:
          JSON.stringify(second.messages.map((m) => m.message_id)) ===
          JSON.stringify(first.messages.map((m) => m.message_id)),
        summary: plainSummary(summary),
        republished: back ? plainRepublished(back, false) : undefined,
        pubSubAttributesKept: Object.keys(back?.attributes ?? {})
          .filter((k) => PUBSUB_ADDED.has(k))
          .sort(),
        deliveryAttemptOnReturn: back?.deliveryAttempt,
        left: await plainListing(subject.deps()),
      };
    },
    expected: {
      listed: [
        {
          subscription: "export-dead-letter-keep",
          source_subscription: "export",
          original_topic: "batch-landed",
          delivery_attempts: MAX_ATTEMPTS,
          reason: "max-delivery-attempts",
          hop: "export",
          error: undefined,
          replay_count: 0,
          event: "2026-11-21 clickstream batch.landed",
          problem: undefined,
        },
      ],
      listedAgainTheSame: true,
      summary: {
        subscription: "export-dead-letter-keep",
        replayed: 1,
        would_replay: 0,
        skipped: 0,
        failed: 0,
        by_topic: { "batch-landed": { replayed: 1, would_replay: 0, failed: 0 } },
        messages: [
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-21 clickstream batch.landed",
            replay_count: 1,
            republished: true,
          },
        ],
        aborted: false,
      },
      republished: {
        event: "2026-11-21 clickstream batch.landed",
        attributes: {
          event_type: "batch.landed",
          batch_date: "2026-11-21",
          source: "clickstream",
          [REPLAY_COUNT_ATTRIBUTE]: "1",
        },
      },
      pubSubAttributesKept: Object.values(DEAD_LETTER_ATTRIBUTES).sort(),
      deliveryAttemptOnReturn: 1,
      left: { counts: { "export-dead-letter-keep": 0, "dataform-invoke-dead-letter-keep": 0 }, messages: [] },
    },
  },
  {
    name: "hop dead letters of every keep subscription are listed, and a replay by dead-letter topic name takes only its own",
    async run(subject) {
      await hopDeadLetter(subject.bus, "export", sales20(), "count-mismatch");
      await hopDeadLetter(subject.bus, "export", clicks20(), "missing-object");
      await hopDeadLetter(subject.bus, "dataform-invoke", bronze20(), "unknown-version");
      const before = await plainListing(subject.deps());
      const summary = await replayDeadLetters(subject.deps(), { subscription: "export-dead-letter" });
      const back = (await takeAll(subject.bus, "export", 2)).map((m) => plainRepublished(m)).sort(byEvent);
      return { before, summary: plainSummary(summary), back, after: await plainListing(subject.deps()) };
    },
    expected: {
      before: {
        counts: { "export-dead-letter-keep": 2, "dataform-invoke-dead-letter-keep": 1 },
        messages: [
          {
            subscription: "export-dead-letter-keep",
            source_subscription: "export",
            original_topic: "batch-landed",
            delivery_attempts: 1,
            reason: "missing-object",
            hop: "export",
            error: "missing-object in export",
            replay_count: 0,
            event: "2026-11-20 clickstream batch.landed",
            problem: undefined,
          },
          {
            subscription: "export-dead-letter-keep",
            source_subscription: "export",
            original_topic: "batch-landed",
            delivery_attempts: 1,
            reason: "count-mismatch",
            hop: "export",
            error: "count-mismatch in export",
            replay_count: 0,
            event: "2026-11-20 sales batch.landed",
            problem: undefined,
          },
          {
            subscription: "dataform-invoke-dead-letter-keep",
            source_subscription: "dataform-invoke",
            original_topic: "bronze-ready",
            delivery_attempts: 1,
            reason: "unknown-version",
            hop: "dataform-invoke",
            error: "unknown-version in dataform-invoke",
            replay_count: 0,
            event: "2026-11-20 sales bronze.ready",
            problem: undefined,
          },
        ],
      },
      summary: {
        subscription: "export-dead-letter-keep",
        replayed: 2,
        would_replay: 0,
        skipped: 0,
        failed: 0,
        by_topic: { "batch-landed": { replayed: 2, would_replay: 0, failed: 0 } },
        messages: [
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-20 clickstream batch.landed",
            replay_count: 1,
            republished: true,
          },
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-20 sales batch.landed",
            replay_count: 1,
            republished: true,
          },
        ],
        aborted: false,
      },
      back: [
        {
          event: "2026-11-20 clickstream batch.landed",
          attributes: {
            event_type: "batch.landed",
            batch_date: "2026-11-20",
            source: "clickstream",
            ...HOP_PUBSUB_ATTRIBUTES,
            [FAILURE_ATTRIBUTES.reason]: "missing-object",
            [FAILURE_ATTRIBUTES.hop]: "export",
            [FAILURE_ATTRIBUTES.errorClass]: "PermanentError",
            [FAILURE_ATTRIBUTES.message]: "missing-object in export",
            [FAILURE_ATTRIBUTES.firstSeen]: "2026-11-20T06:00:01.000Z",
            [REPLAY_COUNT_ATTRIBUTE]: "1",
          },
        },
        {
          event: "2026-11-20 sales batch.landed",
          attributes: {
            event_type: "batch.landed",
            batch_date: "2026-11-20",
            source: "sales",
            ...HOP_PUBSUB_ATTRIBUTES,
            [FAILURE_ATTRIBUTES.reason]: "count-mismatch",
            [FAILURE_ATTRIBUTES.hop]: "export",
            [FAILURE_ATTRIBUTES.errorClass]: "PermanentError",
            [FAILURE_ATTRIBUTES.message]: "count-mismatch in export",
            [FAILURE_ATTRIBUTES.firstSeen]: "2026-11-20T06:00:01.000Z",
            [REPLAY_COUNT_ATTRIBUTE]: "1",
          },
        },
      ],
      after: {
        counts: { "export-dead-letter-keep": 0, "dataform-invoke-dead-letter-keep": 1 },
        messages: [
          {
            subscription: "dataform-invoke-dead-letter-keep",
            source_subscription: "dataform-invoke",
            original_topic: "bronze-ready",
            delivery_attempts: 1,
            reason: "unknown-version",
            hop: "dataform-invoke",
            error: "unknown-version in dataform-invoke",
            replay_count: 0,
            event: "2026-11-20 sales bronze.ready",
            problem: undefined,
          },
        ],
      },
    },
  },
  {
    name: "filters on attributes and event fields replay only what matches and leave the rest untouched",
    async run(subject) {
      await hopDeadLetter(subject.bus, "export", sales20(), "count-mismatch");
      await hopDeadLetter(subject.bus, "export", clicks20(), "count-mismatch");
      await hopDeadLetter(subject.bus, "export", sales21(), "count-mismatch");
      // Data that is not JSON cannot match an event field, but still has its attributes.
      await subject.bus.publish("export-dead-letter", {
        data: Buffer.from("not json"),
        attributes: {
          [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "export",
          [FAILURE_ATTRIBUTES.reason]: "malformed-message",
        },
      });
      const summary = await replayDeadLetters(subject.deps(), {
        subscription: "export-dead-letter-keep",
        // batch_date is an attribute and a data field; winter_days_failure_reason an attribute only.
        filters: [
          { key: "batch_date", value: "2026-11-20" },
          { key: "source", value: "sales" },
          { key: "source", value: "clickstream" },
          { key: "winter_days_failure_reason", value: "count-mismatch" },
        ],
      });
      const back = (await takeAll(subject.bus, "export", 2)).map((m) => plainRepublished(m).event).sort();
      const left = await plainListing(subject.deps(), "export-dead-letter-keep");
      return {
        summary: plainSummary(summary),
        back,
        left: left.messages.map((m) => `${m.event} ${m.reason} replays=${m.replay_count}`),
      };
    },
    expected: {
      summary: {
        subscription: "export-dead-letter-keep",
        replayed: 2,
        would_replay: 0,
        skipped: 2,
        failed: 0,
        by_topic: { "batch-landed": { replayed: 2, would_replay: 0, failed: 0 } },
        messages: [
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-20 clickstream batch.landed",
            replay_count: 1,
            republished: true,
          },
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-20 sales batch.landed",
            replay_count: 1,
            republished: true,
          },
        ],
        aborted: false,
      },
      back: ["2026-11-20 clickstream batch.landed", "2026-11-20 sales batch.landed"],
      left: [
        "2026-11-21 sales batch.landed count-mismatch replays=0",
        "undefined undefined undefined malformed-message replays=0",
      ],
    },
  },
  {
    name: "--max bounds how many are replayed; a dry run replays nothing and leaves everything in place",
    async run(subject) {
      for (const data of [sales20(), clicks20(), sales21(), clicks21()]) {
        await hopDeadLetter(subject.bus, "export", data, "job-failed");
      }
      const dry = await replayDeadLetters(subject.deps(), {
        subscription: "export-dead-letter-keep",
        dryRun: true,
      });
      const afterDryRun = await takeAll(subject.bus, "export", 0);
      const bounded = await replayDeadLetters(subject.deps(), {
        subscription: "export-dead-letter-keep",
        max: 3,
      });
      const back = await takeAll(subject.bus, "export", 3);
      const left = await plainListing(subject.deps(), "export-dead-letter-keep");
      return {
        dry: { ...plainSummary(dry), messages: dry.messages.map((m) => m.outcome) },
        republishedByDryRun: afterDryRun.length,
        bounded: { replayed: bounded.replayed, skipped: bounded.skipped, failed: bounded.failed },
        back: back.length,
        left: left.counts,
      };
    },
    expected: {
      dry: {
        subscription: "export-dead-letter-keep",
        replayed: 0,
        would_replay: 4,
        skipped: 0,
        failed: 0,
        by_topic: { "batch-landed": { replayed: 0, would_replay: 4, failed: 0 } },
        messages: ["would-replay", "would-replay", "would-replay", "would-replay"],
        aborted: false,
      },
      republishedByDryRun: 0,
      bounded: { replayed: 3, skipped: 1, failed: 0 },
      back: 3,
      left: { "export-dead-letter-keep": 1 },
    },
  },
  {
    name: "a dead letter of unknown origin is left in place with a clear error while the others are replayed",
    async run(subject) {
      await hopDeadLetter(subject.bus, "export", sales20(), "schema-violation");
      await hopDeadLetter(subject.bus, "export", clicks20(), "schema-violation", {
        [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "no-such-subscription",
      });
      const summary = await replayDeadLetters(subject.deps(), { subscription: "export-dead-letter-keep" });
      const back = (await takeAll(subject.bus, "export", 1)).map((m) => plainRepublished(m).event);
      const left = await plainListing(subject.deps(), "export-dead-letter-keep");
      return { summary: plainSummary(summary), back, left: left.messages };
    },
    expected: {
      summary: {
        subscription: "export-dead-letter-keep",
        replayed: 1,
        would_replay: 0,
        skipped: 0,
        failed: 1,
        by_topic: { "batch-landed": { replayed: 1, would_replay: 0, failed: 0 } },
        messages: [
          {
            outcome: "failed",
            topic: undefined,
            event: "2026-11-20 clickstream batch.landed",
            replay_count: 0,
            error: expect.stringMatching(/^left in place: .*"no-such-subscription" is not in the topology/),
            republished: false,
          },
          {
            outcome: "replayed",
            topic: "batch-landed",
            event: "2026-11-20 sales batch.landed",
            replay_count: 1,
            republished: true,
          },
        ],
        aborted: false,
      },
      back: ["2026-11-20 sales batch.landed"],
      left: [
        {
          subscription: "export-dead-letter-keep",
          source_subscription: "no-such-subscription",
          original_topic: undefined,
          delivery_attempts: 1,
          reason: "schema-violation",
          hop: "export",
          error: "schema-violation in export",
          replay_count: 0,
          event: "2026-11-20 clickstream batch.landed",
          problem: expect.stringMatching(/no-such-subscription/),
        },
      ],
    },
  },
  {
    name: "a crash between republish and ack loses nothing and duplicates only that message on the next replay",
    async run(subject) {
      for (const data of [sales20(), clicks20(), sales21()]) {
        await hopDeadLetter(subject.bus, "export", data, "missing-object");
      }
      const crashed = await replayDeadLetters(subject.deps(dyingBeforeFirstAck(subject.bus)), {
        subscription: "export-dead-letter-keep",
      });
      const bus = await subject.restart();
      const again = await replayDeadLetters(subject.deps(bus), { subscription: "export-dead-letter-keep" });
      const back = (await takeAll(bus, "export", 4)).map((m) => plainRepublished(m).event);
      const copies = new Map<string, number>();
      for (const event of back) copies.set(event, (copies.get(event) ?? 0) + 1);
      return {
        crashed: {
          replayed: crashed.replayed,
          failed: crashed.failed,
          aborted: crashed.aborted !== undefined,
        },
        again: { replayed: again.replayed, failed: again.failed },
        distinctEventsBack: copies.size,
        copiesPerEvent: [...copies.values()].sort(),
        left: (await plainListing(subject.deps(bus))).counts,
      };
    },
    expected: {
      crashed: { replayed: 0, failed: 1, aborted: true },
      again: { replayed: 3, failed: 0 },
      distinctEventsBack: 3,
      copiesPerEvent: [1, 1, 2],
      left: { "export-dead-letter-keep": 0, "dataform-invoke-dead-letter-keep": 0 },
    },
  },
];

beforeAll(async () => {
  emulator = await startEmulator("pubsub");
});

afterAll(async () => {
  await emulator?.stop();
});

describe.each([local, onEmulator])("dead letters on $name", (backend) => {
  it.for(cases)("$name", async (dlqCase) => {
    const subject = await backend.open();
    try {
      await subject.bus.ensureTopology(topology);
      expect(await dlqCase.run(subject)).toEqual(dlqCase.expected);
    } finally {
      await subject.dispose();
    }
  });
});
