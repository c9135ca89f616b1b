/**
 * Reads the terraform/ configuration offline: every .tf file parsed with @cdktf/hcl2json (HCL to the
 * JSON syntax terraform itself accepts), merged per module, plus just enough evaluation of the
 * topology-driven `for_each` expressions to say which names they create.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import type { Topology } from "../../lib/topology.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const terraformDir = join(repoRoot, "terraform");

/** One block body as hcl2json renders it: attributes as values, nested blocks as arrays of bodies. */
export type Body = Record<string, unknown>;

export interface TerraformModule {
  dir: string;
  files: string[];
  /** type -> name -> body */
  resources: Record<string, Record<string, Body>>;
  data: Record<string, Record<string, Body>>;
  modules: Record<string, Body>;
  variables: Record<string, Body>;
  outputs: Record<string, Body>;
  locals: Record<string, unknown>;
  /** provider blocks, by provider name. */
  providers: Record<string, Body>;
}

/** Every .tf file of a folder, sorted; sub-folders are other modules. */
export function tfFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".tf"))
    .sort()
    .map((name) => join(dir, name));
}

function addNamed(target: Record<string, Body>, blocks: unknown, where: string): void {
  for (const [name, bodies] of Object.entries((blocks ?? {}) as Record<string, Body[]>)) {
    if (target[name]) throw new Error(`${where}: ${name} is declared twice`);
    const [body] = bodies;
    if (!body) throw new Error(`${where}: ${name} has no body`);
    target[name] = body;
  }
}

/** Parses and merges every .tf file of `dir` as terraform does for one module. */
export async function loadModule(dir: string): Promise<TerraformModule> {
  const module: TerraformModule = {
    dir,
    files: tfFiles(dir),
    resources: {},
    data: {},
    modules: {},
    variables: {},
    outputs: {},
    locals: {},
    providers: {},
  };
  for (const file of module.files) {
    const where = relative(repoRoot, file);
    const json = await parse(where, readFileSync(file, "utf8"));
    for (const [type, named] of Object.entries((json.resource ?? {}) as Record<string, unknown>)) {
      module.resources[type] ??= {};
      addNamed(module.resources[type], named, `${where} resource ${type}`);
    }
    for (const [type, named] of Object.entries((json.data ?? {}) as Record<string, unknown>)) {
      module.data[type] ??= {};
      addNamed(module.data[type], named, `${where} data ${type}`);
    }
    addNamed(module.modules, json.module, `${where} module`);
    addNamed(module.variables, json.variable, `${where} variable`);
    addNamed(module.outputs, json.output, `${where} output`);
    addNamed(module.providers, json.provider, `${where} provider`);
    for (const locals of (json.locals ?? []) as Body[]) {
      for (const [name, value] of Object.entries(locals)) {
        if (name in module.locals) throw new Error(`${where}: local.${name} is declared twice`);
        module.locals[name] = value;
      }
    }
  }
  return module;
}

/** The root module and every module under terraform/modules/, by path relative to terraform/. */
export async function loadConfiguration(): Promise<Map<string, TerraformModule>> {
  const modulesDir = join(terraformDir, "modules");
  const dirs = [
    terraformDir,
    ...readdirSync(modulesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(modulesDir, entry.name)),
  ];
  const loaded = new Map<string, TerraformModule>();
  for (const dir of dirs) loaded.set(relative(terraformDir, dir) || ".", await loadModule(dir));
  return loaded;
}

export function loadTopologyJson(): Topology {
  return JSON.parse(readFileSync(join(repoRoot, "topology", "topology.json"), "utf8")) as Topology;
}

/** A resource body, or a test failure naming what is missing. */
export function resource(module: TerraformModule, type: string, name: string): Body {
  const body = module.resources[type]?.[name];
  if (!body) throw new Error(`${module.dir}: resource ${type}.${name} is not declared`);
  return body;
}

/** The single nested block `name` of `body` (hcl2json renders blocks as one-element arrays). */
export function block(body: Body, name: string): Body {
  const blocks = body[name];
  if (!Array.isArray(blocks) || blocks.length !== 1) {
    throw new Error(`expected exactly one ${name} block, found ${JSON.stringify(blocks)}`);
  }
  return blocks[0] as Body;
}

/** All nested blocks `name` of `body`. */
export function blocks(body: Body, name: string): Body[] {
  const found = body[name];
  return Array.isArray(found) ? (found as Body[]) : [];
}

/** Every string anywhere inside a value. */
export function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

// --- Evaluating the topology-driven collections -------------------------------------------------

// biome-ignore lint/suspicious/noTemplateCurlyInString: a terraform expression, not a JS template.
const TOPOLOGY_DECODE = '${jsondecode(file("${path.module}/../topology/topology.json"))}';

type Collection = Map<string, Record<string, unknown>>;

const FOR_EXPRESSION =
  /^\$\{\{\s*for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(local\.[\w.]+)\s*:\s*([\w.]+)\s*=>\s*([\w.]+)(?:\s+if\s+(.+?))?\s*\}\}$/s;

/**
 * Evaluates a `for_each` (or local) expression that selects from the topology, such as
 * `local.push_subscriptions` = `{ for s in local.topology.subscriptions : s.name => s if s.kind == "push" }`.
 * Only the forms this configuration uses are understood; anything else fails the test loudly, which
 * is the point: a for_each over the topology must stay something a reader can check.
 */
export function evaluateCollection(
  module: TerraformModule,
  expression: string,
  topology: Topology,
): Collection {
  const reference = /^\$\{local\.(\w+)\}$/.exec(expression);
  if (reference?.[1]) {
    const local = module.locals[reference[1]];
    if (typeof local !== "string") throw new Error(`local.${reference[1]} is not declared`);
    return evaluateCollection(module, local, topology);
  }
  const match = FOR_EXPRESSION.exec(expression);
  if (!match) throw new Error(`cannot evaluate ${expression}: not a for-expression over the topology`);
  const [, first, second, source = "", keyExpr = "", valueExpr = "", condition] = match;
  const items = sourceItems(module, source, topology);
  const result: Collection = new Map();
  for (const [itemKey, item] of items) {
    // `for k, v in map` binds key and value; `for x in list` binds the element.
    const scope: Record<string, unknown> = second
      ? { [first ?? ""]: itemKey, [second]: item }
      : { [first ?? ""]: item };
    if (condition !== undefined && !evaluateCondition(condition, scope, { module, topology })) continue;
    const key = lookupPath(scope, keyExpr);
    const value = lookupPath(scope, valueExpr);
    if (typeof key !== "string") throw new Error(`${expression}: key ${keyExpr} is not a string`);
    if (result.has(key)) throw new Error(`${expression}: duplicate key ${key}`);
    result.set(key, value as Record<string, unknown>);
  }
  return result;
}

function sourceItems(module: TerraformModule, source: string, topology: Topology): Array<[string, unknown]> {
  const [, name, ...path] = source.split(".");
  if (name === "topology") {
    if (module.locals.topology !== TOPOLOGY_DECODE) {
      throw new Error(`local.topology must be ${TOPOLOGY_DECODE}, found ${String(module.locals.topology)}`);
    }
    const list = lookupPath({ topology }, ["topology", ...path].join("."));
    if (!Array.isArray(list)) throw new Error(`${source} is not a list in topology.json`);
    return list.map((item, index) => [String(index), item]);
  }
  const local = module.locals[name ?? ""];
  if (typeof local !== "string" || path.length > 0) throw new Error(`cannot iterate ${source}`);
  return [...evaluateCollection(module, local, topology)];
}

function lookupPath(scope: Record<string, unknown>, path: string): unknown {
  let value: unknown = scope;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Splits `text` on a binary operator outside parentheses, braces, brackets and strings. */
function splitTopLevel(text: string, operator: "||" | "&&" | ","): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"' && text[i - 1] !== "\\") quoted = !quoted;
    if (quoted) continue;
    if (char === "(" || char === "{" || char === "[") depth++;
    else if (char === ")" || char === "}" || char === "]") depth--;
    else if (depth === 0 && text.startsWith(operator, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + operator.length;
      i += operator.length - 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== "");
}

/** What a condition may read besides its iteration variables: the module, the topology, fixed locals. */
interface ConditionContext {
  module: TerraformModule;
  topology: Topology;
  /** Values of locals that depend on the machine (such as `workflow_enabled`, a fileexists). */
  locals?: Record<string, unknown>;
}

/** A `local.x` whose value is a literal string, or one given in the context. */
function literalLocal(name: string, context: ConditionContext): unknown {
  if (context.locals && name in context.locals) return context.locals[name];
  const value = context.module.locals[name];
  if (typeof value !== "string" || value.includes("${")) {
    throw new Error(`local.${name} is not a literal string the checks can read`);
  }
  return value;
}

function evaluateCondition(
  condition: string,
  scope: Record<string, unknown>,
  context: ConditionContext,
): boolean {
  const trimmed = condition.trim();
  const any = splitTopLevel(trimmed, "||");
  if (any.length > 1) return any.some((part) => evaluateCondition(part, scope, context));
  const all = splitTopLevel(trimmed, "&&");
  if (all.length > 1) return all.every((part) => evaluateCondition(part, scope, context));
  let match = /^([\w.]+)\s*(==|!=)\s*(?:"([^"]*)"|local\.(\w+))$/.exec(trimmed);
  if (match) {
    const [, path = "", operator, literal, local] = match;
    const expected = local === undefined ? literal : literalLocal(local, context);
    return (lookupPath(scope, path) === expected) === (operator === "==");
  }
  match = /^try\(([\w.]+),\s*false\)$/.exec(trimmed);
  if (match) return lookupPath(scope, match[1] ?? "") === true;
  match = /^try\(([\w.]+),\s*null\)\s*!=\s*null$/.exec(trimmed);
  if (match) {
    const value = lookupPath(scope, match[1] ?? "");
    return value !== undefined && value !== null;
  }
  match = /^contains\(keys\(local\.(\w+)\),\s*([\w.]+)\)$/.exec(trimmed);
  if (match) {
    const collection = evaluateCollection(context.module, `\${local.${match[1]}}`, context.topology);
    return collection.has(String(lookupPath(scope, match[2] ?? "")));
  }
  match = /^local\.(\w+)$/.exec(trimmed);
  if (match) return literalLocal(match[1] ?? "", context) === true;
  throw new Error(`cannot evaluate the condition ${condition}`);
}

/**
 * Evaluates a per-function `merge()` of conditional maps, the form of `local.function_invokers`:
 * `{ for name, f in local.functions : name => merge(COND ? { key = member } : {}, …) }`. Returns, per
 * function, the keys it gets; a `{ for member in var.x : "p:${member}" => member }` arm yields one
 * key per given member. Anything else fails loudly.
 */
export function evaluateConditionalMerge(
  module: TerraformModule,
  expression: string,
  topology: Topology,
  inputs: { locals?: Record<string, unknown>; variables?: Record<string, string[]> } = {},
): Map<string, string[]> {
  const outer =
    /^\$\{\{\s*for\s+name,\s*f\s+in\s+local\.functions\s*:\s*name\s*=>\s*merge\(([\s\S]*)\)\s*\}\}$/.exec(
      expression,
    );
  if (!outer) throw new Error(`cannot evaluate ${expression}: not a merge of conditional maps per function`);
  const context: ConditionContext = { module, topology, locals: inputs.locals ?? {} };
  const arms = splitTopLevel(outer[1] ?? "", ",").map((arm) => {
    const parsed = /^([\s\S]+?)\s*\?\s*\{([\s\S]*)\}\s*:\s*\{\}$/.exec(arm);
    if (!parsed) throw new Error(`cannot evaluate the arm ${arm}`);
    return { condition: parsed[1] ?? "", body: (parsed[2] ?? "").trim() };
  });
  const keysOf = (body: string): string[] => {
    const single = /^(\w+)\s*=/.exec(body);
    if (single?.[1]) return [single[1]];
    const each = /^for\s+(\w+)\s+in\s+var\.([\w.]+)\s*:\s*"([^"]*)"\s*=>\s*\w+$/.exec(body);
    if (each) {
      const [, variable = "", path = "", template = ""] = each;
      const values = inputs.variables?.[path];
      if (!values) throw new Error(`no value given for var.${path}`);
      return values.map((value) => template.replace(`\${${variable}}`, value));
    }
    throw new Error(`cannot evaluate the map { ${body} }`);
  };
  const result = new Map<string, string[]>();
  for (const name of evaluateCollection(module, `\${local.functions}`, topology).keys()) {
    result.set(
      name,
      arms
        .filter((arm) => evaluateCondition(arm.condition, { name }, context))
        .flatMap((arm) => keysOf(arm.body)),
    );
  }
  return result;
}

// --- References -----------------------------------------------------------------------------------

/** Every `var.x`, `local.x`, `module.x`, `data.t.n` and `<resource type>.<name>` an expression uses. */
export function references(text: string): string[] {
  if (!text.includes("${")) return [];
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![\w.])(var|local|module)\.([A-Za-z_][\w-]*)/g))
    found.add(`${m[1]}.${m[2]}`);
  for (const m of text.matchAll(/(?<![\w.])data\.([a-z]\w*)\.([A-Za-z_][\w-]*)/g))
    found.add(`data.${m[1]}.${m[2]}`);
  for (const m of text.matchAll(/(?<![\w.])(google_[a-z0-9_]+|terraform_data)\.([A-Za-z_][\w-]*)/g)) {
    found.add(`${m[1]}.${m[2]}`);
  }
  return [...found].sort();
}
