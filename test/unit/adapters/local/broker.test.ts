import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalBroker, type LocalBrokerOptions } from "../../../../lib/adapters/local/broker.ts";
import { ConfigError, PermanentError } from "../../../../lib/errors.ts";
import { DEAD_LETTER_ATTRIBUTES } from "../../../../lib/ports/events.ts";
import type { Topology } from "../../../../lib/topology.ts";

const topology: Topology = {
  message_retention_seconds: 600,
  topics: [{ name: "jobs" }, { name: "jobs-dead-letter", dead_letter: true }],
  subscriptions: [
    {
      name: "jobs-run",
      topic: "jobs",
      kind: "push",
      function: "runner",
      ack_deadline_seconds: 30,
      max_delivery_attempts: 5,
      retry: { minimum_backoff_seconds: 10, maximum_backoff_seconds: 60 },
      dead_letter_topic: "jobs-dead-letter",
    },
    {
      // Retries forever: no dead-letter policy.
      name: "jobs-audit",
      topic: "jobs",
      kind: "keep",
      ack_deadline_seconds: 30,
      retry: { minimum_backoff_seconds: 10, maximum_backoff_seconds: 60 },
    },
    { name: "jobs-dead-letter-keep", topic: "jobs-dead-letter", kind: "keep" },
  ],
  functions: [],
};

const START = Date.parse("2026-11-01T06:00:00.000Z");
const brokerModule = new URL("../../../../lib/adapters/local/broker.ts", import.meta.url).href;

let dir: string;
let file: string;
const opened: LocalBroker[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wd-broker-"));
  file = join(dir, "broker.sqlite");
});

afterEach(async () => {
  for (const broker of opened.splice(0)) await broker.close();
  await rm(dir, { recursive: true, force: true });
});

async function openBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const broker = new LocalBroker(file, { project: "unit-project", ...options });
  opened.push(broker);
  await broker.ensureTopology(topology);
  return broker;
}

/** A clock the test moves by hand. */
function manualClock(start = START) {
  let now = start;
  return {
    clock: () => now,
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Runs an ES module snippet in a separate Node process that has `LocalBroker` and `file` in scope. */
function startNode(body: string): ChildProcess {
  const script = `import { LocalBroker } from ${JSON.stringify(brokerModule)};
const file = ${JSON.stringify(file)};
const topology = ${JSON.stringify(topology)};
${body}`;
  return spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  if (code !== 0 && signal === null) throw new Error(`child process failed (${code}): ${stderr}`);
  return { code, signal, stdout };
}

async function firstLine(child: ChildProcess): Promise<string> {
  let buffered = "";
  for await (const chunk of child.stdout ?? []) {
    buffered += String(chunk);
    const end = buffered.indexOf("\n");
    if (end >= 0) return buffered.slice(0, end);
  }
  throw new Error("child process closed its output before writing a line");
}

describe("LocalBroker durability", () => {
  it("keeps published messages across close and reopen", async () => {
    const first = await openBroker();
    const ids = [
      await first.publish("jobs", { data: Buffer.from("a"), attributes: { n: "1" } }),
      await first.publish("jobs", { data: Buffer.from("b") }),
    ];
    await first.close();

    const second = await openBroker();
    const received = await second.pull("jobs-run", 10);

    expect(received.map((m) => m.messageId)).toEqual(ids);
    expect(received.map((m) => m.data.toString())).toEqual(["a", "b"]);
    expect(received[0]?.attributes).toEqual({ n: "1" });
  });

  it("redelivers, in the next process, a message leased by a process that crashed", async () => {
    const crashed = startNode(`
const broker = new LocalBroker(file);
await broker.ensureTopology(topology);
await broker.publish("jobs", { data: Buffer.from("in-flight") });
const [message] = await broker.pull("jobs-run", 1);
process.stdout.write(message.messageId + "\\n", () => process.kill(process.pid, "SIGKILL"));
`);
    const { signal, stdout } = await finished(crashed);

    const next = await openBroker();
    const received = await next.pull("jobs-run", 10);

    expect(signal).toBe("SIGKILL");
    // The 30 s ack deadline has not passed: only the release on open can explain the redelivery.
    expect(received.map((m) => [m.messageId, m.data.toString(), m.deliveryAttempt])).toEqual([
      [stdout.trim(), "in-flight", 2],
    ]);
  });

  it("leaves the leases of a live process alone and releases them once it has died", async () => {
    const holder = startNode(`
const broker = new LocalBroker(file);
await broker.ensureTopology(topology);
await broker.publish("jobs", { data: Buffer.from("held") });
const [message] = await broker.pull("jobs-run", 1);
process.stdout.write(message.messageId + "\\n");
setInterval(() => {}, 1000);
`);
    const heldId = await firstLine(holder);

    const whileAlive = await (await openBroker()).pull("jobs-run", 10);
    const exit = once(holder, "exit");
    holder.kill("SIGKILL");
    await exit;
    const afterDeath = await (await openBroker()).pull("jobs-run", 10);

    expect(whileAlive).toEqual([]);
    expect(afterDeath.map((m) => m.messageId)).toEqual([heldId]);
  });

  it("loses nothing when several processes publish at once", async () => {
    const broker = await openBroker();
    const perProcess = 150;
    const children = ["p1", "p2", "p3"].map((name) =>
      startNode(`
const broker = new LocalBroker(file);
await Promise.all(Array.from({ length: ${perProcess} }, (_, i) =>
  broker.publish("jobs", { data: Buffer.from("${name}-" + i) })));
await broker.close();
`),
    );
    const local = Array.from({ length: perProcess }, (_, i) =>
      broker.publish("jobs", { data: Buffer.from(`parent-${i}`) }),
    );
    await Promise.all([...children.map(finished), ...local]);

    const received = await broker.pull("jobs-run", 10_000);
    const payloads = received.map((m) => m.data.toString());

    expect(received).toHaveLength(4 * perProcess);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(4 * perProcess);
    expect(new Set(payloads).size).toBe(4 * perProcess);
    expect(payloads).toContain(`p3-${perProcess - 1}`);
  });
});

describe("LocalBroker timing", () => {
  it("redelivers after minimum_backoff · 2^(attempt−1), capped at maximum_backoff", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock });
    await broker.publish("jobs", { data: Buffer.from("flaky") });

    const waits: number[] = [];
    const earlyPulls: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const [message] = await broker.pull("jobs-audit", 1);
      if (!message) throw new Error(`attempt ${attempt} was not delivered`);
      await broker.nack("jobs-audit", [message.ackId]);
      const due = broker.nextDueAt("jobs-audit") ?? Number.NaN;
      waits.push(due - time.clock());
      time.set(due - 1);
      earlyPulls.push((await broker.pull("jobs-audit", 1)).length);
      time.set(due);
    }

    expect(waits).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(earlyPulls).toEqual([0, 0, 0, 0, 0]);
  });

  it("shrinks every backoff and ack deadline by backoffScale", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock, backoffScale: 0.01 });
    await broker.publish("jobs", { data: Buffer.from("fast") });

    const [message] = await broker.pull("jobs-audit", 1);
    const dueAfterLease = broker.nextDueAt("jobs-audit");
    await broker.nack("jobs-audit", [message?.ackId ?? ""]);
    const dueAfterNack = broker.nextDueAt("jobs-audit");

    // 30 s ack deadline + 10 s backoff, then 10 s backoff, all at 1/100.
    expect(dueAfterLease).toBe(START + 400);
    expect(dueAfterNack).toBe(START + 100);
  });

  it("makes a message whose lease ran out available again after the backoff, and reports each state", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock });
    await broker.publish("jobs", { data: Buffer.from("slow") });
    const state = () => {
      const s = broker.stats().find((x) => x.subscription === "jobs-audit");
      return s && { available: s.available, leased: s.leased, delayed: s.delayed };
    };

    const [first] = await broker.pull("jobs-audit", 1);
    const leased = state();
    time.advance(30_000);
    const expired = state();
    const duringBackoff = await broker.pull("jobs-audit", 1);
    time.advance(10_000);
    const afterBackoff = state();
    const [second] = await broker.pull("jobs-audit", 1);

    expect(leased).toEqual({ available: 0, leased: 1, delayed: 0 });
    expect(expired).toEqual({ available: 0, leased: 0, delayed: 1 });
    expect(duringBackoff).toEqual([]);
    expect(afterBackoff).toEqual({ available: 1, leased: 0, delayed: 0 });
    expect(second?.messageId).toBe(first?.messageId);
    expect(second?.deliveryAttempt).toBe(2);
  });

  it("dead-letters a message whose last allowed lease ran out, with Pub/Sub's attributes", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock });
    await broker.publish("jobs", { data: Buffer.from("hangs"), attributes: { kind: "export" } });

    const attempts: number[] = [];
    for (;;) {
      const [message] = await broker.pull("jobs-run", 1);
      if (!message) break;
      attempts.push(message.deliveryAttempt);
      // The handler never answers: let the lease and the backoff after it run out.
      time.set(broker.nextDueAt("jobs-run") ?? Number.NaN);
    }
    const [dead] = await broker.pull("jobs-dead-letter-keep", 10);

    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(dead?.data.toString()).toBe("hangs");
    expect(dead?.attributes).toEqual({
      kind: "export",
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: "jobs-run",
      [DEAD_LETTER_ATTRIBUTES.sourceSubscriptionProject]: "unit-project",
      [DEAD_LETTER_ATTRIBUTES.sourceTopicPublishTime]: "2026-11-01T06:00:00.000Z",
      [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: "5",
    });
    expect(broker.nextDueAt("jobs-run")).toBeUndefined();
  });

  it("drops messages older than message_retention_seconds", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock });
    await broker.publish("jobs", { data: Buffer.from("old") });
    time.advance(300_000);
    await broker.publish("jobs", { data: Buffer.from("recent") });

    time.set(START + 600_001);
    const peeked = broker.peek("jobs-audit", 10);
    const pulled = await broker.pull("jobs-run", 10);
    const audit = broker.stats().find((s) => s.subscription === "jobs-audit");

    expect(peeked.map((m) => m.data.toString())).toEqual(["recent"]);
    expect(pulled.map((m) => m.data.toString())).toEqual(["recent"]);
    expect(audit?.available).toBe(1);
    expect(audit?.oldestUnackedAgeMs).toBe(300_001);
  });
});

describe("LocalBroker inspection", () => {
  it("peek reads messages without leasing them or counting a delivery", async () => {
    const broker = await openBroker();
    await broker.publish("jobs", { data: Buffer.from("one") });
    await broker.publish("jobs", { data: Buffer.from("two") });
    const [leased] = await broker.pull("jobs-run", 1);

    const peeked = broker.peek("jobs-run", 10);
    const stillAvailable = await broker.pull("jobs-run", 10);

    expect(peeked.map((m) => [m.data.toString(), m.deliveryAttempts])).toEqual([
      ["one", 1],
      ["two", 0],
    ]);
    expect(leased?.data.toString()).toBe("one");
    expect(stillAvailable.map((m) => [m.data.toString(), m.deliveryAttempt])).toEqual([["two", 1]]);
  });

  it("nextDueAt says now when messages wait, the lease end plus backoff when leased, nothing once acked", async () => {
    const time = manualClock();
    const broker = await openBroker({ clock: time.clock });
    const idle = broker.nextDueAt();
    await broker.publish("jobs", { data: Buffer.from("x") });
    const waiting = broker.nextDueAt("jobs-run");

    const [message] = await broker.pull("jobs-run", 1);
    const whileLeased = broker.nextDueAt("jobs-run");
    await broker.ack("jobs-run", [message?.ackId ?? ""]);
    const afterAck = broker.nextDueAt("jobs-run");
    const anySubscription = broker.nextDueAt();

    expect(idle).toBeUndefined();
    expect(waiting).toBe(START);
    expect(whileLeased).toBe(START + 30_000 + 10_000);
    expect(afterAck).toBeUndefined();
    // jobs-audit still holds its copy.
    expect(anySubscription).toBe(START);
  });
});

describe("LocalBroker refuses what Pub/Sub refuses", () => {
  it("rejects a message with neither data nor attributes as malformed", async () => {
    const broker = await openBroker();

    const publishing = broker.publish("jobs", { data: Buffer.alloc(0) });

    await expect(publishing).rejects.toBeInstanceOf(PermanentError);
    await expect(publishing).rejects.toThrow(/neither data nor attributes/);
  });

  it("rejects a topology that dead-letters to an unknown topic, or moves a subscription to another topic", async () => {
    const broker = await openBroker();
    const [run] = topology.subscriptions;
    if (!run) throw new Error("topology has no subscription");

    const unknownDeadLetter = broker.ensureTopology({
      ...topology,
      subscriptions: [{ ...run, name: "jobs-other", dead_letter_topic: "nowhere" }],
    });
    const moved = broker.ensureTopology({
      ...topology,
      subscriptions: [{ ...run, topic: "jobs-dead-letter" }],
    });

    await expect(unknownDeadLetter).rejects.toThrow(ConfigError);
    await expect(unknownDeadLetter).rejects.toThrow(/nowhere/);
    await expect(moved).rejects.toThrow(/cannot change topic/);
  });
});
