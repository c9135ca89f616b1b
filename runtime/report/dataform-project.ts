import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type CompiledGraph,
  compilationErrors,
  type Target,
  targetKey,
} from "../../lib/adapters/local/dataform/graph.ts";

/** What `dataform compile --json` says about an action beyond what the runner needs. */
interface ActionDescriptor {
  description?: string;
  columns?: Array<{ path?: string[]; description?: string }>;
}

interface Described {
  target: Target;
  fileName?: string;
  tags?: string[];
  dependencyTargets?: Target[];
  disabled?: boolean;
  actionDescriptor?: ActionDescriptor;
}

export type ActionKind =
  | "table"
  | "view"
  | "incremental"
  | "operation"
  | "declaration"
  | "assertion"
  | "test";

export type AssertionKind = "unique key" | "row conditions" | "custom";

/** One action of the compiled project, with its descriptions and what it checks. */
export interface ProjectAction {
  /** `dataset.name`, the way invocations report targets. */
  key: string;
  schema: string;
  name: string;
  kind: ActionKind;
  description: string | undefined;
  /** The project's own column descriptions, by column name (nested paths joined with dots). */
  columns: Record<string, string>;
  tags: string[];
  /** Keys of the actions and declarations it reads. */
  dependencies: string[];
  fileName: string | undefined;
  /** Built-in assertions: the table they check. */
  parent: string | undefined;
  assertionKind: AssertionKind | undefined;
  /** Built-in assertions: the row conditions, or the unique key's columns as one entry. */
  checks: string[];
  /** Unit tests: the dataset they test. */
  tested: string | undefined;
}

/** The Dataform project as the report and the catalog read it. */
export interface DataformProject {
  actions: ProjectAction[];
  byKey: ReadonlyMap<string, ProjectAction>;
  /** Compilation errors, one line each; empty when the project compiles. */
  errors: string[];
}

function columnsOf(descriptor: ActionDescriptor | undefined): Record<string, string> {
  const columns: Record<string, string> = {};
  for (const column of descriptor?.columns ?? []) {
    const name = (column.path ?? []).join(".");
    if (name && column.description) columns[name] = column.description;
  }
  return columns;
}

/** The row conditions of a built-in rowConditions assertion, from the SQL Dataform generates for it. */
export function rowConditionsOf(query: string): string[] {
  const conditions: string[] = [];
  for (const match of query.matchAll(/SELECT\s+'((?:[^']|'')*)'\s+AS\s+failing_row_condition/g)) {
    conditions.push((match[1] ?? "").replaceAll("''", "'"));
  }
  return conditions;
}

/** The key columns of a built-in uniqueKey assertion. */
export function uniqueKeyOf(query: string): string[] {
  // The inner SELECT: the last one before the count.
  const match = /SELECT\s+((?:(?!SELECT)[\s\S])*?),\s*COUNT\(1\)\s+AS\s+index_row_count/.exec(query);
  return (match?.[1] ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** The dataset a unit test's config names (`dataset: "x"` or `dataset: { schema, name }`). */
function testedDataset(projectDir: string, fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  let source: string;
  try {
    source = readFileSync(path.join(projectDir, fileName), "utf8");
  } catch {
    return undefined;
  }
  const match = /dataset:\s*(?:"([\w-]+)"|\{[^}]*?name:\s*"([\w-]+)")/.exec(source);
  return match?.[1] ?? match?.[2];
}

function base(action: Described, kind: ActionKind): ProjectAction {
  return {
    key: targetKey(action.target),
    schema: action.target.schema,
    name: action.target.name,
    kind,
    description: action.actionDescriptor?.description || undefined,
    columns: columnsOf(action.actionDescriptor),
    tags: action.tags ?? [],
    dependencies: (action.dependencyTargets ?? []).map(targetKey),
    fileName: action.fileName,
    parent: undefined,
    assertionKind: undefined,
    checks: [],
    tested: undefined,
  };
}

/** Normalises a compiled graph; `projectDir` is read only to find which dataset each unit test tests. */
export function readDataformProject(projectDir: string, graph: CompiledGraph): DataformProject {
  const actions: ProjectAction[] = [];
  for (const table of graph.tables ?? []) {
    if (table.disabled) continue;
    actions.push(base(table as Described, table.type));
  }
  for (const operation of graph.operations ?? []) {
    if (operation.disabled) continue;
    actions.push(base(operation as Described, "operation"));
  }
  for (const declaration of graph.declarations ?? [])
    actions.push(base(declaration as Described, "declaration"));
  for (const assertion of graph.assertions ?? []) {
    if (assertion.disabled) continue;
    const action = base(assertion as Described, "assertion");
    if (assertion.parentAction) {
      action.parent = targetKey(assertion.parentAction);
      if (/_uniqueKey_\d+$/.test(action.name)) {
        action.assertionKind = "unique key";
        action.checks = [`unique (${uniqueKeyOf(assertion.query).join(", ")})`];
      } else {
        action.assertionKind = "row conditions";
        action.checks = rowConditionsOf(assertion.query);
      }
    } else {
      action.assertionKind = "custom";
    }
    actions.push(action);
  }
  const byName = new Map(actions.map((a) => [a.name, a]));
  for (const test of graph.tests ?? []) {
    const tested = testedDataset(projectDir, test.fileName) ?? test.name.replace(/^test_/, "");
    actions.push({
      key: test.target ? targetKey(test.target) : test.name,
      schema: test.target?.schema ?? "",
      name: test.name,
      kind: "test",
      description: undefined,
      columns: {},
      tags: [],
      dependencies: [],
      fileName: test.fileName,
      parent: undefined,
      assertionKind: undefined,
      checks: [],
      tested: byName.get(tested)?.key ?? tested,
    });
  }
  return { actions, byKey: new Map(actions.map((a) => [a.key, a])), errors: compilationErrors(graph) };
}
