import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../../lib/contracts/events.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { ConfigError } from "../../../lib/errors.ts";
import { loadTopology, type Topology, topologyProblems } from "../../../lib/topology.ts";

const topology = loadTopology(new Contracts());
const clone = (): Topology => structuredClone(topology);

describe("the topology file", () => {
  it("gives every push subscription a dead-letter topic, max attempts and a retry policy", () => {
    const push = topology.subscriptions.filter((s) => s.kind === "push");
    expect(push.length).toBeGreaterThan(0);
    for (const s of push) {
      expect(s.dead_letter_topic, s.name).toBeDefined();
      expect(s.max_delivery_attempts, s.name).toBeGreaterThanOrEqual(5);
      expect(s.retry, s.name).toBeDefined();
    }
  });

  it("gives every dead-letter topic a subscription that keeps what lands", () => {
    for (const t of topology.topics.filter((t) => t.dead_letter)) {
      const keep = topology.subscriptions.filter((s) => s.topic === t.name && s.kind === "keep");
      expect(keep, t.name).toHaveLength(1);
    }
  });

  it("carries every event type on exactly one topic", () => {
    for (const type of EVENT_TYPES) {
      expect(
        topology.topics.filter((t) => t.event_type === type),
        type,
      ).toHaveLength(1);
    }
  });

  it.each([
    [
      "a push subscription without dead-letter topic",
      (t: Topology) => {
        const s = t.subscriptions.find((x) => x.kind === "push");
        if (s) delete s.dead_letter_topic;
      },
      "has no dead-letter topic",
    ],
    [
      "a dead-letter topic nobody keeps",
      (t: Topology) => {
        t.subscriptions = t.subscriptions.filter((s) => !s.name.endsWith("-dead-letter-keep"));
      },
      "its messages would be lost",
    ],
    [
      "a subscription of an unknown topic",
      (t: Topology) => {
        t.subscriptions.push({ name: "ghost", topic: "nowhere", kind: "keep" });
      },
      "reads unknown topic nowhere",
    ],
    [
      "a duplicated topic",
      (t: Topology) => {
        const first = t.topics[0];
        if (first) t.topics.push(first);
      },
      "is declared twice",
    ],
  ])("reports %s", (_label, breakIt, expected) => {
    const broken = clone();
    breakIt(broken);
    expect(topologyProblems(broken).join("\n")).toContain(expected);
  });

  it("refuses to load an invalid file and says why", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(`${tmpdir()}/topology-`);
    const broken = clone();
    broken.subscriptions = broken.subscriptions.filter((s) => s.kind === "push");
    await writeFile(`${dir}/topology.json`, JSON.stringify(broken));
    expect(() => loadTopology(new Contracts(), `${dir}/topology.json`)).toThrow(ConfigError);
    expect(() => loadTopology(new Contracts(), `${dir}/topology.json`)).toThrow(/has no subscription/);
  });
});
