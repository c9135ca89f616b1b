import { describe, expect, it } from "vitest";
import { compileDataform } from "../../lib/adapters/local/dataform/compile.ts";
import { Contracts } from "../../lib/contracts/validator.ts";
import { loadTopology } from "../../lib/topology.ts";
import { dataformProjectDir } from "../../runtime/local/platform.ts";
import { readDataformProject, rowConditionsOf, uniqueKeyOf } from "../../runtime/report/dataform-project.ts";
import { DEFAULT_LAYOUT, layoutDag } from "../../runtime/report/layout.ts";
import { dataLineage, eventChain } from "../../runtime/report/lineage.ts";
import { renderDagSvg } from "../../runtime/report/svg-dag.ts";

const project = readDataformProject(dataformProjectDir, compileDataform({ projectDir: dataformProjectDir }));
const topology = loadTopology(new Contracts());
const datasets = { stagingDataset: "winter_days_staging", warehouseDataset: "winter_days_warehouse" };

describe("reading the compiled Dataform project", () => {
  it("reads the row conditions and unique keys of built-in assertions from their SQL", () => {
    // Prepare: the shapes Dataform generates.
    const conditions = `SELECT 'a >= 0' AS failing_row_condition, * FROM t WHERE NOT (a >= 0)
UNION ALL
SELECT 'b = ''x''' AS failing_row_condition, * FROM t WHERE NOT (b = 'x')`;
    const unique = `SELECT * FROM ( SELECT customer_key, cutoff_date, COUNT(1) AS index_row_count FROM t GROUP BY 1, 2 ) AS data WHERE index_row_count > 1`;
    // Assess
    expect(rowConditionsOf(conditions)).toEqual(["a >= 0", "b = 'x'"]);
    expect(uniqueKeyOf(unique)).toEqual(["customer_key", "cutoff_date"]);
  });

  it("finds what each built-in assertion checks and which dataset each unit test tests", () => {
    const stgSalesUnique = project.byKey.get(
      "winter_days_assertions.winter_days_staging_stg_sales_assertions_uniqueKey_0",
    );
    expect(stgSalesUnique?.checks).toEqual(["unique (sale_id)"]);
    expect(stgSalesUnique?.parent).toBe("winter_days_staging.stg_sales");
    const tests = project.actions.filter((a) => a.kind === "test");
    expect(tests.length).toBeGreaterThan(0);
    for (const test of tests)
      expect(project.byKey.get(test.tested ?? "")?.kind, test.name).toMatch(/table|view|incremental/);
  });
});

describe("lineage", () => {
  const graph = dataLineage(project, topology, datasets);

  it("shows every Dataform action: tables, views and named assertions as nodes, built-in checks and unit tests as badges", () => {
    const nodeIds = new Set(graph.nodes.map((n) => n.id));
    const badges = new Set(graph.nodes.flatMap((n) => n.checks));
    for (const action of project.actions) {
      const shown = nodeIds.has(action.key) || badges.has(action.key);
      expect(shown, `${action.kind} ${action.key} is not in the lineage`).toBe(true);
    }
  });

  it("connects every source through the model to the predictions", () => {
    const next = new Map<string, string[]>();
    for (const e of graph.edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const reachable = (from: string) => {
      const seen = new Set<string>([from]);
      const stack = [from];
      while (stack.length > 0) {
        for (const n of next.get(stack.pop() ?? "") ?? []) {
          if (seen.has(n)) continue;
          seen.add(n);
          stack.push(n);
        }
      }
      return seen;
    };
    expect(reachable("source:sales").has("winter_days_warehouse.fact_predictions_churn")).toBe(true);
    expect(reachable("source:clickstream").has("model:churn")).toBe(true);
    // The hops that move data between stores are named after the topology's functions.
    const labels = graph.edges.map((e) => e.label).filter(Boolean);
    for (const hop of ["export", "vertex-submit", "predictions-load"]) {
      expect(topology.functions.map((f) => f.name)).toContain(hop);
      expect(labels).toContain(hop);
    }
  });

  it("draws the event chain of the topology with every function and dead-letter topic", () => {
    const chain = eventChain(topology);
    const ids = chain.nodes.map((n) => n.id);
    for (const fn of topology.functions) expect(ids).toContain(`function:${fn.name}`);
    for (const topic of topology.topics.filter((t) => t.dead_letter))
      expect(ids).toContain(`topic:${topic.name}`);
  });

  it("lays nodes out left to right without overlaps", () => {
    const layout = layoutDag(graph);
    const boxes = [...layout.nodes.values()];
    for (const e of graph.edges) {
      expect(
        (layout.nodes.get(e.to)?.x ?? 0) > (layout.nodes.get(e.from)?.x ?? 0),
        `${e.from} → ${e.to}`,
      ).toBe(true);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        if (a.layer !== b.layer) continue;
        const apart = Math.abs(a.y - b.y) >= DEFAULT_LAYOUT.nodeHeight;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    expect(layoutDag(graph)).toEqual(layout);
  });

  it("marks failed actions in the drawing", () => {
    const svg = renderDagSvg(graph, {
      id: "t",
      title: "t",
      states: new Map([["winter_days_warehouse.fct_sales", "FAILED"]]),
    });
    expect(svg).toContain('data-node="winter_days_warehouse.fct_sales" data-state="FAILED"');
    expect(svg.match(/<g class="node /g)?.length).toBe(graph.nodes.length);
  });
});
