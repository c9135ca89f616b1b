import { SOURCES } from "../../lib/contracts/records.ts";
import type { Topology } from "../../lib/topology.ts";
import type { DataformProject } from "./dataform-project.ts";

/**
 * Lineage as graphs: how data flows from the generators through bronze, every Dataform action and
 * the churn model into the predictions (from the compiled Dataform graph, with the hops that move
 * data between stores taken from the topology), and how events flow between the hops (the topology
 * itself). Layout and drawing are in layout.ts and svg-dag.ts.
 */

export type NodeKind =
  | "source"
  | "bronze"
  | "secret"
  | "silver"
  | "gold"
  | "view"
  | "assertion"
  | "model"
  | "predictions"
  | "function"
  | "topic"
  | "dead-letter"
  | "audit";

export interface LineageNode {
  id: string;
  label: string;
  /** A second, smaller line: the action type, the dataset, the store. */
  sublabel: string;
  kind: NodeKind;
  /** Shown as a tooltip. */
  description: string | undefined;
  /** Built-in assertions and unit tests attached to the node, by key (`dataset.name`). */
  checks: string[];
}

export interface LineageEdge {
  from: string;
  to: string;
  /** The hop that moves the data, when a hop does. */
  label?: string;
  dashed?: boolean;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** The function of the topology that consumes `eventType`, by name. */
function consumerOf(topology: Topology, eventType: string): string | undefined {
  return topology.functions.find((f) => f.consumes === eventType)?.name;
}

function kindOfAction(kind: string, schema: string, stagingDataset: string): NodeKind {
  if (kind === "view") return "view";
  if (kind === "operation") return "predictions";
  return schema === stagingDataset ? "silver" : "gold";
}

/**
 * Data lineage: generators → bronze (declarations) → every Dataform table, view, operation and named
 * assertion → the churn pipeline → fact_predictions_churn. Built-in assertions and unit tests ride on
 * the node they check.
 */
export function dataLineage(
  project: DataformProject,
  topology: Topology,
  options: { stagingDataset: string; warehouseDataset: string },
): LineageGraph {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const exporter = consumerOf(topology, "batch.landed") ?? "export";
  const submitter = consumerOf(topology, "dataform.completed");
  const loader = consumerOf(topology, "predictions.ready");
  const generator = topology.functions.find((f) => f.publishes.includes("batch.landed"))?.name ?? "generate";
  const declarations = project.actions.filter((a) => a.kind === "declaration");

  for (const source of SOURCES) {
    const declared = declarations.find((d) => d.name === source);
    nodes.push({
      id: `source:${source}`,
      label: source,
      sublabel: source === "sales" ? "Firestore winter_sales" : "JSONL in the lake",
      kind: "source",
      description: `The ${source} generator (function ${generator}) lands a batch per ${source === "startups" ? "week" : "day"}.`,
      checks: [],
    });
    if (declared) {
      edges.push({ from: `source:${source}`, to: declared.key, label: exporter });
    }
  }
  for (const declaration of declarations) {
    const isSource = (SOURCES as readonly string[]).includes(declaration.name);
    nodes.push({
      id: declaration.key,
      label: declaration.name,
      sublabel: declaration.schema,
      kind: isSource ? "bronze" : "secret",
      description: declaration.description,
      checks: [],
    });
  }
  const checksOf = (key: string) =>
    project.actions
      .filter((a) => (a.kind === "assertion" && a.parent === key) || (a.kind === "test" && a.tested === key))
      .map((a) => a.key);
  for (const action of project.actions) {
    if (!["table", "view", "incremental", "operation"].includes(action.kind)) continue;
    nodes.push({
      id: action.key,
      label: action.name,
      sublabel: `${action.kind} · ${action.schema.replace(/^winter_days_/, "")}`,
      kind: kindOfAction(action.kind, action.schema, options.stagingDataset),
      description: action.description,
      checks: checksOf(action.key),
    });
    for (const dependency of action.dependencies) edges.push({ from: dependency, to: action.key });
  }
  for (const assertion of project.actions.filter((a) => a.assertionKind === "custom")) {
    nodes.push({
      id: assertion.key,
      label: assertion.name,
      sublabel: "assertion",
      kind: "assertion",
      description: assertion.description,
      checks: [],
    });
    for (const dependency of assertion.dependencies)
      edges.push({ from: dependency, to: assertion.key, dashed: true });
  }
  const features = `${options.warehouseDataset}.churn_features`;
  const predictions = `${options.warehouseDataset}.fact_predictions_churn`;
  const known = new Set(nodes.map((n) => n.id));
  if (known.has(features) && known.has(predictions)) {
    nodes.push({
      id: "model:churn",
      label: "churn model",
      sublabel: "Vertex AI pipeline",
      kind: "model",
      description:
        "Trains the churn classifier on churn_features, measures it on a holdout against the planted truth (the oracle) and scores every customer.",
      checks: [],
    });
    nodes.push({
      id: "truth:customers",
      label: "planted truth",
      sublabel: "lake _truth/customers",
      kind: "bronze",
      description:
        "The generators' planted churn propensity per customer: the oracle the model is measured against.",
      checks: [],
    });
    edges.push({ from: "source:sales", to: "truth:customers", label: generator, dashed: true });
    edges.push({ from: features, to: "model:churn", ...(submitter ? { label: submitter } : {}) });
    edges.push({ from: "truth:customers", to: "model:churn", dashed: true });
    edges.push({ from: "model:churn", to: predictions, ...(loader ? { label: loader } : {}) });
  }
  const ids = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
}

/**
 * The event chain of the topology: each function, and the topic that carries its events to the
 * next (as the edge's label); topics only kept for inspection (failures, dead letters, the final
 * event) are nodes, named with the subscription that keeps them.
 */
export function eventChain(topology: Topology): LineageGraph {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  for (const fn of topology.functions) {
    nodes.push({
      id: `function:${fn.name}`,
      label: fn.name,
      sublabel: fn.trigger_http ? "function · HTTP" : `function · ${fn.consumes ?? ""}`,
      kind: "function",
      description: `${fn.consumes ? `consumes ${fn.consumes}; ` : ""}publishes ${fn.publishes.join(", ")}`,
      checks: [],
    });
  }
  const keptTopic = (topicName: string) => {
    const id = `topic:${topicName}`;
    if (nodes.some((n) => n.id === id)) return id;
    const topic = topology.topics.find((t) => t.name === topicName);
    const keepers = topology.subscriptions
      .filter((s) => s.topic === topicName && s.kind === "keep")
      .map((s) => s.name);
    nodes.push({
      id,
      label: topicName,
      sublabel: keepers.length > 0 ? `kept by ${keepers.join(", ")}` : "no subscription",
      kind: topic?.dead_letter ? "dead-letter" : "audit",
      description: topic?.dead_letter
        ? "Dead-letter topic: what a subscription gave up on, kept for replay."
        : `Carries ${topic?.event_type ?? "events"}; kept for inspection.`,
      checks: [],
    });
    return id;
  };
  for (const fn of topology.functions) {
    for (const type of fn.publishes) {
      const topic = topology.topics.find((t) => t.event_type === type);
      if (!topic) continue;
      const pushes = topology.subscriptions.filter(
        (s) => s.topic === topic.name && s.kind === "push" && s.function,
      );
      for (const s of pushes)
        edges.push({ from: `function:${fn.name}`, to: `function:${s.function}`, label: topic.name });
      if (pushes.length === 0)
        edges.push({ from: `function:${fn.name}`, to: keptTopic(topic.name), label: type });
    }
  }
  for (const s of topology.subscriptions) {
    if (s.kind !== "push" || !s.function || !s.dead_letter_topic) continue;
    edges.push({
      from: `function:${s.function}`,
      to: keptTopic(s.dead_letter_topic),
      dashed: true,
      label: `${s.max_delivery_attempts ?? "?"} attempts`,
    });
  }
  return { nodes, edges };
}
