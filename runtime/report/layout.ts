/**
 * A small layered (Sugiyama-style) layout for left-to-right DAGs, enough for a few dozen nodes:
 * longest-path layers with sources pulled next to their first consumer, virtual nodes on edges
 * that span several layers, barycentre sweeps to reduce crossings, then vertical positions that
 * follow the neighbours while keeping the order and spacing. Deterministic: the same graph gives
 * the same picture.
 */

export interface LayoutInput {
  nodes: Array<{ id: string }>;
  edges: Array<{ from: string; to: string }>;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  /** Horizontal space between layers. */
  layerGap: number;
  /** Vertical space between nodes of a layer. */
  nodeGap: number;
  margin: number;
}

export interface PlacedNode {
  id: string;
  layer: number;
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface RoutedEdge {
  from: string;
  to: string;
  /** From the right side of `from` to the left side of `to`, through the virtual nodes between. */
  points: Array<{ x: number; y: number }>;
}

export interface Layout {
  nodes: Map<string, PlacedNode>;
  edges: RoutedEdge[];
  width: number;
  height: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 184,
  nodeHeight: 44,
  layerGap: 64,
  nodeGap: 14,
  margin: 16,
};

/** Layers by longest path; a cycle (which a Dataform graph cannot have) is broken at the back edge. */
function assignLayers(ids: string[], edges: LayoutInput["edges"]): Map<string, number> {
  const incoming = new Map(ids.map((id) => [id, [] as string[]]));
  const outgoing = new Map(ids.map((id) => [id, [] as string[]]));
  for (const e of edges) {
    incoming.get(e.to)?.push(e.from);
    outgoing.get(e.from)?.push(e.to);
  }
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const from of incoming.get(id) ?? []) d = Math.max(d, depth(from) + 1);
    visiting.delete(id);
    layer.set(id, d);
    return d;
  };
  for (const id of ids) depth(id);
  // A source sits just before its first consumer rather than far left with a long edge.
  for (const id of ids) {
    if ((incoming.get(id) ?? []).length > 0) continue;
    const next = (outgoing.get(id) ?? []).map((to) => layer.get(to) ?? 1);
    if (next.length > 0) layer.set(id, Math.max(0, Math.min(...next) - 1));
  }
  return layer;
}

/**
 * Shrinks horizontal bands that no node (real or virtual) occupies to `maxGap`, so clusters that
 * drifted apart while aligning with their neighbours close up again.
 */
function compactEmptyBands(
  center: Map<string, number>,
  heightOf: (id: string) => number,
  maxGap: number,
): void {
  const spans = [...center.entries()]
    .map(([id, c]) => ({ top: c - heightOf(id) / 2, bottom: c + heightOf(id) / 2 }))
    .sort((a, b) => a.top - b.top);
  const cuts: Array<{ at: number; by: number }> = [];
  let reach = spans[0]?.bottom ?? 0;
  for (const span of spans.slice(1)) {
    if (span.top - reach > maxGap) cuts.push({ at: span.top, by: span.top - reach - maxGap });
    reach = Math.max(reach, span.bottom);
  }
  if (cuts.length === 0) return;
  for (const [id, c] of center.entries()) {
    const shift = cuts.filter((cut) => c - heightOf(id) / 2 >= cut.at).reduce((s, cut) => s + cut.by, 0);
    center.set(id, c - shift);
  }
}

interface Chain {
  from: string;
  to: string;
  /** Node ids from `from` to `to`, virtual nodes between. */
  path: string[];
}

/** Lays out the graph; node ids must be unique, edges to unknown nodes are ignored. */
export function layoutDag(input: LayoutInput, options: LayoutOptions = DEFAULT_LAYOUT): Layout {
  const ids = input.nodes.map((n) => n.id);
  const known = new Set(ids);
  const edges = input.edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  const layerOf = assignLayers(ids, edges);
  const chains: Chain[] = [];
  const virtual = new Set<string>();
  for (const [index, e] of edges.entries()) {
    const a = layerOf.get(e.from) ?? 0;
    const b = layerOf.get(e.to) ?? 0;
    const path = [e.from];
    for (let l = a + 1; l < b; l++) {
      const id = `\u0000v${index}:${l}`;
      virtual.add(id);
      layerOf.set(id, l);
      path.push(id);
    }
    path.push(e.to);
    chains.push({ from: e.from, to: e.to, path });
  }
  const layerCount = Math.max(0, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  for (const id of [...ids, ...virtual]) layers[layerOf.get(id) ?? 0]?.push(id);

  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.path.length; i++) {
      const a = chain.path[i] ?? "";
      const b = chain.path[i + 1] ?? "";
      down.set(a, [...(down.get(a) ?? []), b]);
      up.set(b, [...(up.get(b) ?? []), a]);
    }
  }

  // Crossing reduction: order each layer by the mean position of its neighbours in the previous one.
  const position = new Map<string, number>();
  const renumber = (layer: string[]) => {
    for (const [i, id] of layer.entries()) position.set(id, i);
  };
  for (const layer of layers) renumber(layer);
  const sweep = (layer: string[], neighbours: Map<string, string[]>) => {
    const key = new Map<string, number>();
    for (const id of layer) {
      const ns = (neighbours.get(id) ?? []).map((n) => position.get(n) ?? 0);
      key.set(id, ns.length > 0 ? ns.reduce((s, p) => s + p, 0) / ns.length : (position.get(id) ?? 0));
    }
    layer.sort(
      (a, b) => (key.get(a) ?? 0) - (key.get(b) ?? 0) || (position.get(a) ?? 0) - (position.get(b) ?? 0),
    );
    renumber(layer);
  };
  for (let iteration = 0; iteration < 8; iteration++) {
    for (let l = 1; l < layers.length; l++) sweep(layers[l] ?? [], up);
    for (let l = layers.length - 2; l >= 0; l--) sweep(layers[l] ?? [], down);
  }

  // Vertical placement: follow the neighbours' centres, keep order and spacing.
  const heightOf = (id: string) => (virtual.has(id) ? 2 : options.nodeHeight);
  const center = new Map<string, number>();
  for (const layer of layers) {
    let y = 0;
    for (const id of layer) {
      center.set(id, y + heightOf(id) / 2);
      y += heightOf(id) + options.nodeGap;
    }
  }
  const degree = (id: string) =>
    virtual.has(id) ? 1 : (up.get(id)?.length ?? 0) + (down.get(id)?.length ?? 0);
  const place = (layer: string[], neighbours: Map<string, string[]>) => {
    // A node lines up with its neighbours, the best connected weighing most, so a main chain stays
    // nearly straight and side branches (dead letters, checks) hang off it.
    const desired = layer.map((id) => {
      const ns = neighbours.get(id) ?? [];
      if (ns.length === 0) return center.get(id) ?? 0;
      let total = 0;
      let weights = 0;
      for (const n of ns) {
        const w = degree(n) ** 2;
        total += w * (center.get(n) ?? 0);
        weights += w;
      }
      return total / weights;
    });
    const gap = (i: number) =>
      heightOf(layer[i - 1] ?? "") / 2 + options.nodeGap + heightOf(layer[i] ?? "") / 2;
    // The best-connected node keeps its place; the others make room around it, in order.
    let anchor = 0;
    for (const [i, id] of layer.entries()) if (degree(id) > degree(layer[anchor] ?? "")) anchor = i;
    const placed = [...desired];
    for (let i = anchor + 1; i < placed.length; i++)
      placed[i] = Math.max(placed[i] ?? 0, (placed[i - 1] ?? 0) + gap(i));
    for (let i = anchor - 1; i >= 0; i--)
      placed[i] = Math.min(placed[i] ?? 0, (placed[i + 1] ?? 0) - gap(i + 1));
    for (const [i, id] of layer.entries()) center.set(id, placed[i] ?? 0);
  };
  for (let iteration = 0; iteration < 6; iteration++) {
    for (let l = 1; l < layers.length; l++) place(layers[l] ?? [], up);
    for (let l = layers.length - 2; l >= 0; l--) place(layers[l] ?? [], down);
  }
  compactEmptyBands(center, heightOf, options.nodeHeight);
  const top = Math.min(...[...center.entries()].map(([id, c]) => c - heightOf(id) / 2));
  const xOf = (l: number) => options.margin + l * (options.nodeWidth + options.layerGap);
  const nodes = new Map<string, PlacedNode>();
  let bottom = 0;
  for (const id of ids) {
    const l = layerOf.get(id) ?? 0;
    const y = (center.get(id) ?? 0) - top - options.nodeHeight / 2 + options.margin;
    nodes.set(id, { id, layer: l, x: xOf(l), y });
    bottom = Math.max(bottom, y + options.nodeHeight);
  }
  const routed: RoutedEdge[] = chains.map((chain) => ({
    from: chain.from,
    to: chain.to,
    points: chain.path.map((id, i) => {
      const l = layerOf.get(id) ?? 0;
      const y = (center.get(id) ?? 0) - top + options.margin;
      if (i === 0) return { x: xOf(l) + options.nodeWidth, y };
      if (i === chain.path.length - 1) return { x: xOf(l), y };
      return { x: xOf(l) + options.nodeWidth / 2, y };
    }),
  }));
  return {
    nodes,
    edges: routed,
    width: xOf(layerCount - 1) + options.nodeWidth + options.margin,
    height: bottom + options.margin,
  };
}
