import { esc } from "./html.ts";
import { DEFAULT_LAYOUT, type Layout, type LayoutOptions, layoutDag } from "./layout.ts";
import type { LineageGraph, LineageNode, NodeKind } from "./lineage.ts";

/** Fill and accent of each kind of node; the legend under the drawing uses the same. */
export const NODE_COLOURS: Record<NodeKind, { fill: string; accent: string; legend: string }> = {
  source: { fill: "#eef2ff", accent: "#4f46e5", legend: "source (generator)" },
  bronze: { fill: "#fbf3e6", accent: "#b26b1d", legend: "bronze (lake files)" },
  secret: { fill: "#f4f4f5", accent: "#71717a", legend: "secured input" },
  silver: { fill: "#eef2f6", accent: "#5b6b80", legend: "silver table" },
  gold: { fill: "#fdf7e3", accent: "#b88a00", legend: "gold table" },
  view: { fill: "#ffffff", accent: "#7c8797", legend: "view" },
  assertion: { fill: "#ebf8f1", accent: "#14804a", legend: "assertion" },
  model: { fill: "#f3efff", accent: "#6d3fd6", legend: "ML pipeline" },
  predictions: { fill: "#fdeef5", accent: "#c0266d", legend: "predictions" },
  function: { fill: "#eaf2ff", accent: "#2463d1", legend: "function (hop)" },
  topic: { fill: "#f6f8fa", accent: "#57606a", legend: "topic" },
  "dead-letter": { fill: "#fdeeee", accent: "#c62828", legend: "dead-letter topic" },
  audit: { fill: "#f6f8fa", accent: "#8c959f", legend: "keep subscription" },
};

/** Latest known state of actions, by node id (`dataset.name`): SUCCEEDED, FAILED, SKIPPED… */
export type NodeStates = ReadonlyMap<string, string>;

const CHAR_WIDTH = 6.7;

/** Splits a long snake_case name over two lines at the underscore nearest its middle. */
function labelLines(label: string, width: number): string[] {
  const fits = Math.floor((width - 22) / CHAR_WIDTH);
  if (label.length <= fits) return [label];
  const cuts = [...label.matchAll(/_/g)].map((m) => m.index ?? 0);
  const middle = label.length / 2;
  const cut = cuts.sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle))[0];
  const lines =
    cut === undefined
      ? [label.slice(0, fits), label.slice(fits)]
      : [label.slice(0, cut + 1), label.slice(cut + 1)];
  return lines.map((l) => (l.length > fits ? `${l.slice(0, fits - 1)}…` : l));
}

function edgePath(points: Array<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return "";
  let d = `M${first.x.toFixed(1)},${first.y.toFixed(1)}`;
  let previous = first;
  for (const p of rest) {
    const dx = (p.x - previous.x) / 2;
    d += ` C${(previous.x + dx).toFixed(1)},${previous.y.toFixed(1)} ${(p.x - dx).toFixed(1)},${p.y.toFixed(1)} ${p.x.toFixed(1)},${p.y.toFixed(1)}`;
    previous = p;
  }
  return d;
}

function stateClass(state: string | undefined): string {
  if (state === undefined) return "";
  if (state === "SUCCEEDED") return "ok";
  if (state === "FAILED") return "failed";
  return "other";
}

function nodeSvg(node: LineageNode, x: number, y: number, o: LayoutOptions, states: NodeStates): string {
  const colours = NODE_COLOURS[node.kind];
  const state = states.get(node.id);
  const checkStates = node.checks.map((c) => states.get(c));
  const checksFailed = checkStates.filter((s) => s === "FAILED").length;
  const checksRun = checkStates.filter((s) => s !== undefined).length;
  const lines = labelLines(node.label, o.nodeWidth);
  const tooltip = [
    node.label,
    node.sublabel,
    node.description ?? "",
    state ? `last run: ${state}` : "",
    node.checks.length > 0
      ? `checks: ${node.checks.map((c) => `${c.replace(/^.*\./, "")}${states.get(c) ? ` (${states.get(c)})` : ""}`).join(", ")}`
      : "",
  ]
    .filter(Boolean)
    .join("\n");
  const dashed = node.kind === "view" ? ' stroke-dasharray="4 3"' : "";
  const parts = [
    `<g class="node kind-${node.kind} ${stateClass(state)}" data-node="${esc(node.id)}"${state ? ` data-state="${esc(state)}"` : ""}>`,
    `<title>${esc(tooltip)}</title>`,
    `<rect x="${x}" y="${y}" width="${o.nodeWidth}" height="${o.nodeHeight}" rx="7" fill="${colours.fill}" stroke="${state === "FAILED" ? "#c62828" : colours.accent}" stroke-width="${state === "FAILED" ? 2.2 : 1.1}"${dashed}/>`,
    `<rect x="${x}" y="${y}" width="4" height="${o.nodeHeight}" rx="2" fill="${colours.accent}"/>`,
  ];
  if (lines.length === 1) {
    parts.push(`<text x="${x + 12}" y="${y + 18}" class="n-label">${esc(lines[0])}</text>`);
    parts.push(`<text x="${x + 12}" y="${y + 34}" class="n-sub">${esc(node.sublabel)}</text>`);
  } else {
    parts.push(`<text x="${x + 12}" y="${y + 18}" class="n-label">${esc(lines[0])}</text>`);
    parts.push(`<text x="${x + 12}" y="${y + 33}" class="n-label">${esc(lines[1])}</text>`);
  }
  if (state === "SUCCEEDED" || state === "FAILED") {
    parts.push(
      `<circle cx="${x + o.nodeWidth - 10}" cy="${y + 10}" r="4" fill="${state === "FAILED" ? "#c62828" : "#1a7f37"}"/>`,
    );
  }
  if (node.checks.length > 0) {
    const text = checksFailed > 0 ? `✗ ${checksFailed}/${node.checks.length}` : `✓ ${node.checks.length}`;
    const colour = checksFailed > 0 ? "#c62828" : checksRun > 0 ? "#1a7f37" : "#6e7781";
    parts.push(
      `<text x="${x + o.nodeWidth - 8}" y="${y + o.nodeHeight - 7}" text-anchor="end" class="n-checks" fill="${colour}">${esc(text)}</text>`,
    );
  }
  parts.push("</g>");
  return parts.join("");
}

/** Draws a lineage graph as a standalone SVG element, laid out left to right. */
export function renderDagSvg(
  graph: LineageGraph,
  options: { states?: NodeStates; id: string; title: string; layout?: LayoutOptions },
): string {
  const o = options.layout ?? DEFAULT_LAYOUT;
  const layout: Layout = layoutDag(graph, o);
  const states = options.states ?? new Map<string, string>();
  const edges = graph.edges
    .map((edge, index) => {
      const routed = layout.edges.find((r, i) => i === index && r.from === edge.from && r.to === edge.to);
      if (!routed) return "";
      const first = routed.points[0];
      const second = routed.points[1];
      const label =
        edge.label && first && second
          ? `<text x="${((first.x + second.x) / 2).toFixed(1)}" y="${((first.y + second.y) / 2 - 4).toFixed(1)}" text-anchor="middle" class="e-label">${esc(edge.label)}</text>`
          : "";
      return `<g class="edge${edge.dashed ? " dashed" : ""}" data-from="${esc(edge.from)}" data-to="${esc(edge.to)}"><path d="${edgePath(routed.points)}" marker-end="url(#${options.id}-arrow)"/>${label}</g>`;
    })
    .join("");
  const nodes = graph.nodes
    .map((node) => {
      const placed = layout.nodes.get(node.id);
      return placed ? nodeSvg(node, placed.x, placed.y, o, states) : "";
    })
    .join("");
  return [
    `<svg id="${esc(options.id)}" class="dag" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(options.title)}" width="${Math.ceil(layout.width)}" height="${Math.ceil(layout.height)}" viewBox="0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}">`,
    `<defs><marker id="${esc(options.id)}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"/></marker></defs>`,
    `<g class="edges">${edges}</g><g class="nodes">${nodes}</g></svg>`,
  ].join("");
}

/** The legend of the kinds present in a graph. */
export function renderLegend(graph: LineageGraph): string {
  const kinds = [...new Set(graph.nodes.map((n) => n.kind))];
  return `<ul class="legend">${kinds
    .map((k) => {
      const c = NODE_COLOURS[k];
      return `<li><span class="swatch" style="background:${c.fill};border-color:${c.accent}"></span>${esc(c.legend)}</li>`;
    })
    .join("")}</ul>`;
}
