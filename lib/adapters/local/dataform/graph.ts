/**
 * The compiled graph of a Dataform project (the JSON of `dataform compile --json`), the part the
 * local runner reads, and the plan it derives: which actions run, in which order.
 */

export interface Target {
  database?: string;
  schema: string;
  name: string;
}

interface ActionBase {
  target: Target;
  fileName?: string;
  tags?: string[];
  dependencyTargets?: Target[];
  disabled?: boolean;
}

export interface CompiledTable extends ActionBase {
  type: "table" | "view" | "incremental";
  query: string;
  incrementalQuery?: string;
  preOps?: string[];
  postOps?: string[];
  incrementalPreOps?: string[];
  incrementalPostOps?: string[];
  uniqueKey?: string[];
  protected?: boolean;
}

export interface CompiledOperation extends ActionBase {
  queries?: string[];
  hasOutput?: boolean;
}

export interface CompiledAssertion extends ActionBase {
  query: string;
  parentAction?: Target;
}

export interface CompiledTest {
  name: string;
  fileName?: string;
  target?: Target;
  testQuery?: string;
  expectedOutputQuery?: string;
}

export interface CompilationError {
  fileName?: string;
  message?: string;
}

export interface CompiledGraph {
  tables?: CompiledTable[];
  operations?: CompiledOperation[];
  assertions?: CompiledAssertion[];
  declarations?: ActionBase[];
  tests?: CompiledTest[];
  projectConfig?: { defaultDatabase?: string; vars?: Record<string, string> };
  graphErrors?: { compilationErrors?: CompilationError[] };
  dataformCoreVersion?: string;
}

export type ActionType = "table" | "view" | "incremental" | "operations" | "assertion" | "test";

/** One executable action of a plan. `key` is `dataset.name`, the way invocations report targets. */
export type PlannedAction =
  | {
      key: string;
      type: "table" | "view" | "incremental";
      tags: string[];
      dependencies: string[];
      table: CompiledTable;
    }
  | { key: string; type: "operations"; tags: string[]; dependencies: string[]; operation: CompiledOperation }
  | { key: string; type: "assertion"; tags: string[]; dependencies: string[]; assertion: CompiledAssertion }
  | { key: string; type: "test"; tags: string[]; dependencies: string[]; test: CompiledTest };

export interface PlanOptions {
  /** Run only actions carrying one of these tags (with the assertions of the tables they select). */
  tags?: string[];
  /** Run only these actions, by `dataset.name` or bare name. */
  actions?: string[];
  /** Unit tests are part of a plan unless this is false. */
  includeTests?: boolean;
}

export function targetKey(target: Target): string {
  return `${target.schema}.${target.name}`;
}

/** The compilation errors of a graph as one readable line each. */
export function compilationErrors(graph: CompiledGraph): string[] {
  return (graph.graphErrors?.compilationErrors ?? []).map(
    (error) => `${error.fileName ?? "(project)"}: ${error.message ?? "unknown error"}`,
  );
}

function allActions(graph: CompiledGraph): PlannedAction[] {
  const dependencies = (action: ActionBase) => (action.dependencyTargets ?? []).map(targetKey);
  const actions: PlannedAction[] = [];
  for (const table of graph.tables ?? []) {
    if (table.disabled) continue;
    actions.push({
      key: targetKey(table.target),
      type: table.type,
      tags: table.tags ?? [],
      dependencies: dependencies(table),
      table,
    });
  }
  for (const operation of graph.operations ?? []) {
    if (operation.disabled) continue;
    actions.push({
      key: targetKey(operation.target),
      type: "operations",
      tags: operation.tags ?? [],
      dependencies: dependencies(operation),
      operation,
    });
  }
  for (const assertion of graph.assertions ?? []) {
    if (assertion.disabled) continue;
    actions.push({
      key: targetKey(assertion.target),
      type: "assertion",
      tags: assertion.tags ?? [],
      dependencies: dependencies(assertion),
      assertion,
    });
  }
  for (const test of graph.tests ?? []) {
    const key = test.target ? targetKey(test.target) : test.name;
    actions.push({ key, type: "test", tags: [], dependencies: [], test });
  }
  return actions;
}

function matchesName(action: PlannedAction, names: string[]): boolean {
  const bare = action.key.slice(action.key.indexOf(".") + 1);
  return names.includes(action.key) || names.includes(bare);
}

/**
 * The actions to run, dependencies first. Dependencies outside the selection (or declarations)
 * are taken as already present. Ties keep a stable alphabetical order so runs are repeatable.
 */
export function planActions(graph: CompiledGraph, options: PlanOptions = {}): PlannedAction[] {
  const everything = allActions(graph);
  const filtered = (options.tags?.length ?? 0) > 0 || (options.actions?.length ?? 0) > 0;
  let selected = everything.filter((action) => {
    if (action.type === "test" && options.includeTests === false) return false;
    if (!filtered) return true;
    const byTag = action.tags.some((tag) => options.tags?.includes(tag));
    const byName = matchesName(action, options.actions ?? []);
    return byTag || byName;
  });
  if (filtered) {
    // A selected table brings the assertions its config declares, as Dataform's dependent assertions.
    const keys = new Set(selected.map((action) => action.key));
    for (const action of everything) {
      if (
        action.type === "assertion" &&
        action.assertion.parentAction &&
        keys.has(targetKey(action.assertion.parentAction))
      ) {
        if (!keys.has(action.key)) selected.push(action);
        keys.add(action.key);
      }
    }
    if ((options.actions?.length ?? 0) > 0) {
      const unknown = (options.actions ?? []).filter(
        (name) => !everything.some((action) => matchesName(action, [name])),
      );
      if (unknown.length > 0) throw new Error(`no action named ${unknown.join(", ")} in the compiled graph`);
    }
  }
  selected = [...selected].sort((a, b) => a.key.localeCompare(b.key));
  const byKey = new Map(selected.map((action) => [action.key, action]));
  const remaining = new Map(
    selected.map((action) => [
      action.key,
      new Set(action.dependencies.filter((dep) => byKey.has(dep) && dep !== action.key)),
    ]),
  );
  const ordered: PlannedAction[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()].filter(([, deps]) => deps.size === 0).map(([key]) => key);
    if (ready.length === 0) throw new Error(`dependency cycle among ${[...remaining.keys()].join(", ")}`);
    for (const key of ready) {
      remaining.delete(key);
      const action = byKey.get(key);
      if (action) ordered.push(action);
      for (const deps of remaining.values()) deps.delete(key);
    }
  }
  return ordered;
}
