import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type {
  FunctionSpec,
  SubscriptionSpec,
  TopicSpec,
  Topology,
} from "./contracts/generated/topology.schema.ts";
import type { Contracts } from "./contracts/validator.ts";
import { ConfigError } from "./errors.ts";

export type { FunctionSpec, SubscriptionSpec, TopicSpec, Topology };

export const topologyFile = fileURLToPath(new URL("../topology/topology.json", import.meta.url));

/** Cross-reference problems the JSON Schema cannot express; empty when the topology is consistent. */
export function topologyProblems(topology: Topology): string[] {
  const problems: string[] = [];
  const topics = new Map(topology.topics.map((t) => [t.name, t]));
  const functions = new Map(topology.functions.map((f) => [f.name, f]));
  const subscriptions = new Map(topology.subscriptions.map((s) => [s.name, s]));
  const unique = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`${kind} ${n} is declared twice`);
      seen.add(n);
    }
  };
  unique(
    "topic",
    topology.topics.map((t) => t.name),
  );
  unique(
    "subscription",
    topology.subscriptions.map((s) => s.name),
  );
  unique(
    "function",
    topology.functions.map((f) => f.name),
  );
  const kept = new Set(topology.subscriptions.map((s) => s.topic));
  for (const s of topology.subscriptions) {
    if (!topics.has(s.topic)) problems.push(`subscription ${s.name} reads unknown topic ${s.topic}`);
    if (s.kind === "push") {
      if (!s.function || !functions.has(s.function))
        problems.push(`push subscription ${s.name} has no known function`);
      if (!s.dead_letter_topic) problems.push(`push subscription ${s.name} has no dead-letter topic`);
      else if (!topics.get(s.dead_letter_topic)?.dead_letter) {
        problems.push(`subscription ${s.name}: ${s.dead_letter_topic} is not a dead-letter topic`);
      }
      if (!s.max_delivery_attempts) problems.push(`push subscription ${s.name} has no max_delivery_attempts`);
      if (!s.retry) problems.push(`push subscription ${s.name} has no retry policy`);
      if (s.retry && s.retry.minimum_backoff_seconds > s.retry.maximum_backoff_seconds) {
        problems.push(`subscription ${s.name}: minimum backoff exceeds maximum backoff`);
      }
    }
  }
  for (const t of topology.topics) {
    // A topic with no subscription drops what is published to it.
    if (!kept.has(t.name)) problems.push(`topic ${t.name} has no subscription: its messages would be lost`);
  }
  for (const f of topology.functions) {
    if (f.trigger_subscription && subscriptions.get(f.trigger_subscription)?.function !== f.name) {
      problems.push(`function ${f.name}: subscription ${f.trigger_subscription} does not deliver to it`);
    }
    for (const type of f.publishes) {
      if (!topology.topics.some((t) => t.event_type === type))
        problems.push(`function ${f.name} publishes ${type}, which no topic carries`);
    }
  }
  return problems;
}

/** Reads and checks the topology file; throws ConfigError listing every problem. */
export function loadTopology(contracts: Contracts, file: string = topologyFile): Topology {
  const topology = JSON.parse(readFileSync(file, "utf8")) as Topology;
  const problems = [...contracts.problems("topology.schema.json", topology), ...topologyProblems(topology)];
  if (problems.length > 0) throw new ConfigError(`topology ${file} is invalid: ${problems.join("; ")}`);
  return topology;
}

/** The topic that carries `eventType`. */
export function topicFor(topology: Topology, eventType: string): TopicSpec {
  const topic = topology.topics.find((t) => t.event_type === eventType);
  if (!topic) throw new ConfigError(`no topic in the topology carries ${eventType}`);
  return topic;
}

/** The push subscription that delivers to `functionName`. */
export function subscriptionOf(topology: Topology, functionName: string): SubscriptionSpec | undefined {
  return topology.subscriptions.find((s) => s.kind === "push" && s.function === functionName);
}
