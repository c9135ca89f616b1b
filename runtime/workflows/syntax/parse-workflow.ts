// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
/**
 * Builds the workflow tree from source and checks its shape: which keys a step may have, what
 * each must contain, assignment targets, parameters, call targets. Jumps are checked afterwards
 * by `checkJumps`, once every block is known.
 */
import { type SourcePosition, WorkflowSyntaxError } from "../errors.ts";
import type { ExprNode } from "../expr/ast.ts";
import { ExpressionSyntaxError } from "../expr/lexer.ts";
import { parseExpression } from "../expr/parser.ts";
import type {
  Assignment,
  AssignTarget,
  Block,
  Branch,
  ExceptClause,
  ForLoop,
  Param,
  PathSegment,
  Step,
  Subworkflow,
  SwitchCase,
  Template,
  Workflow,
} from "./ast.ts";
import { checkJumps } from "./check-jumps.ts";
import { readSource, type SourceEntry, type SourceNode } from "./source.ts";
import {
  compileExpression,
  compileTemplate,
  isExpressionText,
  type NameCatalog,
  type TemplateContext,
} from "./templates.ts";

const PRIMARY_KEYS = [
  "assign",
  "call",
  "switch",
  "for",
  "parallel",
  "raise",
  "return",
  "steps",
  "try",
] as const;
const STEP_KEYS = new Set<string>([...PRIMARY_KEYS, "args", "result", "next", "retry", "except"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Call targets that exist in Cloud Workflows but need Google services; accepted, then refused at run time. */
const CLOUD_ONLY_PREFIXES = ["googleapis.", "events.", "experimental.", "gke.", "hash."];
/** Steps of a `parallel` step may have at most this many branches (Cloud Workflows limit). */
const MAX_BRANCHES = 10;

export interface ParseOptions {
  names: NameCatalog;
  /** Parameter names of library functions a call step may name in `args`. */
  paramsOf(name: string): string[] | undefined;
}

export function parseWorkflowSource(text: string, file: string, options: ParseOptions): Workflow {
  const root = readSource(text, file);
  return new WorkflowParser(file, options).parse(root);
}

class WorkflowParser {
  readonly #file: string;
  readonly #options: ParseOptions;
  #subworkflowNames = new Set<string>();
  #subworkflowParams = new Map<string, Param[]>();
  constructor(file: string, options: ParseOptions) {
    this.#file = file;
    this.#options = options;
  }

  #fail(message: string, pos: SourcePosition, step?: string): never {
    throw new WorkflowSyntaxError(message, this.#file, pos, step);
  }

  #context(step?: string): TemplateContext {
    return { file: this.#file, names: this.#options.names, ...(step === undefined ? {} : { step }) };
  }

  parse(root: SourceNode): Workflow {
    const definitions: Array<{ name: string; pos: SourcePosition; node: SourceNode }> = [];
    if (root.kind === "seq") {
      definitions.push({
        name: "main",
        pos: root.pos,
        node: { kind: "map", pos: root.pos, entries: [{ key: "steps", keyPos: root.pos, value: root }] },
      });
    } else if (root.kind === "map") {
      if (!root.entries.some((entry) => entry.key === "main")) {
        this.#fail('a workflow needs a "main" workflow or a plain list of steps', root.pos);
      }
      for (const entry of root.entries)
        definitions.push({ name: entry.key, pos: entry.keyPos, node: entry.value });
    } else {
      this.#fail("a workflow must be a map of workflows or a list of steps", root.pos);
    }
    for (const definition of definitions) {
      if (!IDENTIFIER.test(definition.name))
        this.#fail(`invalid workflow name "${definition.name}"`, definition.pos);
      this.#subworkflowNames.add(definition.name);
    }
    for (const definition of definitions) {
      this.#subworkflowParams.set(definition.name, this.#params(definition.name, definition.node));
    }
    const subworkflows = new Map<string, Subworkflow>();
    for (const definition of definitions) {
      subworkflows.set(definition.name, this.#subworkflow(definition.name, definition.pos, definition.node));
    }
    const main = subworkflows.get("main");
    if (main === undefined) return this.#fail('no "main" workflow', root.pos);
    const workflow: Workflow = { file: this.#file, main, subworkflows };
    checkJumps(workflow);
    return workflow;
  }

  #params(name: string, node: SourceNode): Param[] {
    if (node.kind !== "map") return [];
    const paramsNode = node.entries.find((entry) => entry.key === "params")?.value;
    if (paramsNode === undefined) return [];
    if (paramsNode.kind !== "seq") return this.#fail(`"params" of ${name} must be a list`, paramsNode.pos);
    const params: Param[] = [];
    for (const item of paramsNode.items) {
      if (item.kind === "scalar" && typeof item.value === "string") {
        params.push({ name: item.value });
      } else if (item.kind === "map" && item.entries.length === 1) {
        const [entry] = item.entries as [SourceEntry];
        params.push({ name: entry.key, defaultValue: compileTemplate(entry.value, this.#context()) });
      } else {
        this.#fail(`a parameter of ${name} must be a name or a single "name: default" pair`, item.pos);
      }
      const param = params.at(-1);
      if (param !== undefined && !IDENTIFIER.test(param.name))
        this.#fail(`invalid parameter name "${param.name}"`, item.pos);
    }
    if (new Set(params.map((param) => param.name)).size !== params.length) {
      this.#fail(`duplicate parameter names in ${name}`, paramsNode.pos);
    }
    if (name === "main" && params.length > 1) {
      this.#fail('"main" takes at most one parameter, which receives the execution argument', paramsNode.pos);
    }
    return params;
  }

  #subworkflow(name: string, pos: SourcePosition, node: SourceNode): Subworkflow {
    if (node.kind !== "map") return this.#fail(`workflow "${name}" must be a map with "steps"`, node.pos);
    for (const entry of node.entries) {
      if (entry.key !== "params" && entry.key !== "steps") {
        this.#fail(
          `unexpected key "${entry.key}" in workflow "${name}" (expected "params" and "steps")`,
          entry.keyPos,
        );
      }
    }
    const steps = node.entries.find((entry) => entry.key === "steps")?.value;
    if (steps === undefined) return this.#fail(`workflow "${name}" has no "steps"`, pos);
    return { name, pos, params: this.#subworkflowParams.get(name) ?? [], body: this.#block(steps, name) };
  }

  #block(node: SourceNode, owner: string): Block {
    if (node.kind !== "seq" || node.items.length === 0) {
      return this.#fail(`"steps" of ${owner} must be a non-empty list of steps`, node.pos);
    }
    const steps: Step[] = [];
    const index = new Map<string, number>();
    for (const item of node.items) {
      if (item.kind !== "map" || item.entries.length !== 1) {
        this.#fail("each step must be a map with exactly one key, the step name", item.pos);
      }
      const [entry] = item.entries as [SourceEntry];
      if (index.has(entry.key)) this.#fail(`duplicate step name "${entry.key}"`, entry.keyPos, entry.key);
      if (["end", "break", "continue"].includes(entry.key)) {
        this.#fail(`"${entry.key}" is reserved and cannot name a step`, entry.keyPos, entry.key);
      }
      index.set(entry.key, steps.length);
      steps.push(this.#step(entry.key, entry.keyPos, entry.value));
    }
    return { steps, index };
  }

  #step(name: string, pos: SourcePosition, node: SourceNode): Step {
    if (node.kind !== "map") return this.#fail("a step must be a map of step fields", node.pos, name);
    const fields = new Map<string, SourceEntry>();
    for (const entry of node.entries) {
      if (!STEP_KEYS.has(entry.key)) this.#fail(`unknown step field "${entry.key}"`, entry.keyPos, name);
      fields.set(entry.key, entry);
    }
    const primaries = PRIMARY_KEYS.filter((key) => fields.has(key));
    if (primaries.length > 1) {
      this.#fail(
        `a step can have only one of ${PRIMARY_KEYS.join(", ")}; found ${primaries.join(" and ")}`,
        pos,
        name,
      );
    }
    const primary = primaries[0];
    for (const [dependent, required] of [
      ["args", "call"],
      ["result", "call"],
      ["retry", "try"],
      ["except", "try"],
    ] as const) {
      const entry = fields.get(dependent);
      if (entry !== undefined && primary !== required) {
        this.#fail(`"${dependent}" is only allowed together with "${required}"`, entry.keyPos, name);
      }
    }
    const nextEntry = fields.get("next");
    let next: { target: string; pos: SourcePosition } | undefined;
    if (nextEntry !== undefined) {
      const value = nextEntry.value;
      if (value.kind !== "scalar" || typeof value.value !== "string" || value.value === "") {
        this.#fail('"next" must name a step, or be end, break or continue', value.pos, name);
      }
      if (primary === "raise" || primary === "return") {
        this.#fail(`"next" cannot follow "${primary}", which never continues`, nextEntry.keyPos, name);
      }
      next = { target: value.value, pos: value.pos };
    }
    const base = { name, pos, ...(next === undefined ? {} : { next }) };
    const field = (key: string): SourceNode => (fields.get(key) as SourceEntry).value;
    const ctx = this.#context(name);
    switch (primary) {
      case undefined:
        if (next === undefined)
          return this.#fail(
            "a step must do something: assign, call, switch, for, parallel, raise, return, steps, try or next",
            pos,
            name,
          );
        return { ...base, kind: "jump" };
      case "assign":
        return { ...base, kind: "assign", assignments: this.#assignments(field("assign"), name) };
      case "call":
        return this.#call(base, fields, name);
      case "switch":
        return { ...base, kind: "switch", cases: this.#cases(field("switch"), name) };
      case "for":
        return { ...base, kind: "for", loop: this.#forLoop(field("for"), name) };
      case "parallel":
        return this.#parallel(base, field("parallel"), name);
      case "raise":
        return { ...base, kind: "raise", value: compileTemplate(field("raise"), ctx) };
      case "return":
        return { ...base, kind: "return", value: compileTemplate(field("return"), ctx) };
      case "steps":
        return { ...base, kind: "steps", body: this.#block(field("steps"), `step ${name}`) };
      case "try":
        return {
          ...base,
          kind: "try",
          body: this.#tryBody(field("try"), name),
          ...(fields.has("retry") ? { retry: this.#retry(field("retry"), name) } : {}),
          ...(fields.has("except") ? { except: this.#except(field("except"), name) } : {}),
        };
      default:
        return this.#fail(`unsupported step kind ${String(primary)}`, pos, name);
    }
  }

  #call(base: { name: string; pos: SourcePosition }, fields: Map<string, SourceEntry>, name: string): Step {
    const callEntry = fields.get("call") as SourceEntry;
    const fnNode = callEntry.value;
    if (fnNode.kind !== "scalar" || typeof fnNode.value !== "string") {
      return this.#fail('"call" must name a function or subworkflow', fnNode.pos, name);
    }
    const fn = fnNode.value;
    const argsNode = fields.get("args")?.value;
    const resultNode = fields.get("result")?.value;
    if (
      resultNode !== undefined &&
      (resultNode.kind !== "scalar" ||
        typeof resultNode.value !== "string" ||
        !IDENTIFIER.test(resultNode.value))
    ) {
      this.#fail('"result" must be a variable name', resultNode.pos, name);
    }
    const known = this.#subworkflowNames.has(fn) || this.#options.names.isLibraryFunction(fn);
    if (!known && !CLOUD_ONLY_PREFIXES.some((prefix) => fn.startsWith(prefix))) {
      this.#fail(`unknown function or subworkflow "${fn}"`, fnNode.pos, name);
    }
    if (argsNode !== undefined && argsNode.kind === "map") {
      const allowed = this.#subworkflowNames.has(fn)
        ? (this.#subworkflowParams.get(fn) ?? []).map((param) => param.name)
        : this.#options.paramsOf(fn);
      if (allowed !== undefined) {
        for (const entry of argsNode.entries) {
          if (!allowed.includes(entry.key)) {
            this.#fail(
              `${fn} has no parameter "${entry.key}" (parameters: ${allowed.join(", ") || "none"})`,
              entry.keyPos,
              name,
            );
          }
        }
      }
      if (this.#subworkflowNames.has(fn)) {
        for (const param of this.#subworkflowParams.get(fn) ?? []) {
          if (
            param.defaultValue === undefined &&
            !argsNode.entries.some((entry) => entry.key === param.name)
          ) {
            this.#fail(`call to ${fn} is missing required parameter "${param.name}"`, argsNode.pos, name);
          }
        }
      }
    }
    return {
      ...base,
      kind: "call",
      fn,
      fnPos: fnNode.pos,
      ...(argsNode === undefined ? {} : { args: compileTemplate(argsNode, this.#context(name)) }),
      ...(resultNode?.kind === "scalar" && typeof resultNode.value === "string"
        ? { result: resultNode.value }
        : {}),
    } as Step;
  }

  #assignments(node: SourceNode, step: string): Assignment[] {
    if (node.kind !== "seq" || node.items.length === 0) {
      return this.#fail('"assign" must be a non-empty list of "name: value" entries', node.pos, step);
    }
    if (node.items.length > 50) this.#fail("an assign step can make at most 50 assignments", node.pos, step);
    return node.items.map((item) => {
      if (item.kind !== "map" || item.entries.length !== 1) {
        return this.#fail('each assignment must be a single "target: value" pair', item.pos, step);
      }
      const [entry] = item.entries as [SourceEntry];
      return {
        target: this.#assignTarget(entry.key, entry.keyPos, step),
        value: compileTemplate(entry.value, this.#context(step)),
        pos: entry.keyPos,
      };
    });
  }

  #assignTarget(text: string, pos: SourcePosition, step: string): AssignTarget {
    let root: ExprNode;
    try {
      root = parseExpression(text).root;
    } catch (error) {
      const message = error instanceof ExpressionSyntaxError ? error.message : String(error);
      return this.#fail(`invalid assignment target "${text}": ${message}`, pos, step);
    }
    const path: PathSegment[] = [];
    let node = root;
    while (node.kind === "member" || node.kind === "index") {
      path.unshift(
        node.kind === "member"
          ? { kind: "property", name: node.property }
          : { kind: "index", expr: { source: text, root: node.index } },
      );
      node = node.object;
    }
    if (node.kind !== "ident") {
      return this.#fail(`invalid assignment target "${text}": expected a variable, a.b or a[i]`, pos, step);
    }
    return { variable: node.name, path, text };
  }

  #cases(node: SourceNode, step: string): SwitchCase[] {
    if (node.kind !== "seq" || node.items.length === 0) {
      return this.#fail('"switch" must be a non-empty list of conditions', node.pos, step);
    }
    if (node.items.length > 50) this.#fail("a switch can have at most 50 conditions", node.pos, step);
    return node.items.map((item) => {
      if (item.kind !== "map")
        return this.#fail('each switch entry must be a map with "condition"', item.pos, step);
      const conditionEntry = item.entries.find((entry) => entry.key === "condition");
      if (conditionEntry === undefined)
        return this.#fail('a switch entry needs a "condition"', item.pos, step);
      const condition = conditionEntry.value;
      const conditionIsValid =
        (condition.kind === "scalar" && typeof condition.value === "boolean") ||
        (condition.kind === "scalar" &&
          typeof condition.value === "string" &&
          isExpressionText(condition.value));
      if (!conditionIsValid)
        this.#fail("a condition must be true, false or an expression ${...}", condition.pos, step);
      const rest: SourceNode = {
        kind: "map",
        pos: item.pos,
        entries: item.entries.filter((entry) => entry.key !== "condition"),
      };
      if (rest.entries.length === 0)
        this.#fail('a switch entry needs "next", "steps" or a step body', item.pos, step);
      return {
        condition: compileTemplate(condition, this.#context(step)),
        pos: item.pos,
        body: this.#step(step, item.pos, rest),
      };
    });
  }

  #forLoop(node: SourceNode, step: string): ForLoop {
    if (node.kind !== "map")
      return this.#fail('"for" must be a map with value, in or range, and steps', node.pos, step);
    const get = (key: string): SourceNode | undefined =>
      node.entries.find((entry) => entry.key === key)?.value;
    for (const entry of node.entries) {
      if (!["value", "index", "in", "range", "steps"].includes(entry.key)) {
        this.#fail(
          `unknown field "${entry.key}" in for (expected value, index, in, range, steps)`,
          entry.keyPos,
          step,
        );
      }
    }
    const name = (key: string): string | undefined => {
      const value = get(key);
      if (value === undefined) return undefined;
      if (value.kind !== "scalar" || typeof value.value !== "string" || !IDENTIFIER.test(value.value)) {
        return this.#fail(`"${key}" of a for loop must be a variable name`, value.pos, step);
      }
      return value.value;
    };
    const value = name("value");
    if (value === undefined) return this.#fail('a for loop needs "value"', node.pos, step);
    const index = name("index");
    const inNode = get("in");
    const rangeNode = get("range");
    if ((inNode === undefined) === (rangeNode === undefined)) {
      this.#fail('a for loop needs exactly one of "in" and "range"', node.pos, step);
    }
    if (rangeNode !== undefined) {
      const isPair = rangeNode.kind === "seq" && rangeNode.items.length === 2;
      const isExpression =
        rangeNode.kind === "scalar" &&
        typeof rangeNode.value === "string" &&
        isExpressionText(rangeNode.value);
      if (!isPair && !isExpression)
        this.#fail('"range" must be [start, end] or an expression giving such a list', rangeNode.pos, step);
    }
    const stepsNode = get("steps");
    if (stepsNode === undefined) return this.#fail('a for loop needs "steps"', node.pos, step);
    const ctx = this.#context(step);
    return {
      value,
      ...(index === undefined ? {} : { index }),
      ...(inNode === undefined ? {} : { in: compileTemplate(inNode, ctx) }),
      ...(rangeNode === undefined ? {} : { range: compileTemplate(rangeNode, ctx) }),
      body: this.#block(stepsNode, `for loop of ${step}`),
      pos: node.pos,
    };
  }

  #parallel(base: { name: string; pos: SourcePosition }, node: SourceNode, step: string): Step {
    if (node.kind !== "map")
      return this.#fail('"parallel" must be a map with branches or for', node.pos, step);
    const get = (key: string): SourceNode | undefined =>
      node.entries.find((entry) => entry.key === key)?.value;
    for (const entry of node.entries) {
      if (!["exception_policy", "shared", "concurrency_limit", "branches", "for"].includes(entry.key)) {
        this.#fail(`unknown field "${entry.key}" in parallel`, entry.keyPos, step);
      }
    }
    const branchesNode = get("branches");
    const forNode = get("for");
    if ((branchesNode === undefined) === (forNode === undefined)) {
      this.#fail('a parallel step needs exactly one of "branches" and "for"', node.pos, step);
    }
    const policyNode = get("exception_policy");
    if (policyNode !== undefined && (policyNode.kind !== "scalar" || policyNode.value !== "continueAll")) {
      this.#fail(
        'exception_policy must be "continueAll", the only policy Cloud Workflows supports',
        policyNode.pos,
        step,
      );
    }
    const sharedNode = get("shared");
    const shared: string[] = [];
    if (sharedNode !== undefined) {
      if (sharedNode.kind !== "seq")
        return this.#fail('"shared" must be a list of variable names', sharedNode.pos, step);
      for (const item of sharedNode.items) {
        if (item.kind !== "scalar" || typeof item.value !== "string" || !IDENTIFIER.test(item.value)) {
          this.#fail('"shared" must list variable names', item.pos, step);
        }
        shared.push(item.value);
      }
    }
    const limitNode = get("concurrency_limit");
    let branches: Branch[] | undefined;
    if (branchesNode !== undefined) {
      if (branchesNode.kind !== "seq" || branchesNode.items.length < 2) {
        return this.#fail('"branches" must list at least two branches', branchesNode.pos, step);
      }
      if (branchesNode.items.length > MAX_BRANCHES)
        this.#fail(`a parallel step can have at most ${MAX_BRANCHES} branches`, branchesNode.pos, step);
      const names = new Set<string>();
      branches = branchesNode.items.map((item) => {
        if (item.kind !== "map" || item.entries.length !== 1) {
          return this.#fail(
            'each branch must be a map with one key, the branch name, holding "steps"',
            item.pos,
            step,
          );
        }
        const [entry] = item.entries as [SourceEntry];
        if (names.has(entry.key)) this.#fail(`duplicate branch name "${entry.key}"`, entry.keyPos, step);
        names.add(entry.key);
        const body = entry.value;
        const stepsNode =
          body.kind === "map"
            ? body.entries.find((candidate) => candidate.key === "steps")?.value
            : undefined;
        if (body.kind !== "map" || stepsNode === undefined || body.entries.length !== 1) {
          return this.#fail(`branch "${entry.key}" must contain only "steps"`, entry.keyPos, step);
        }
        return { name: entry.key, pos: entry.keyPos, body: this.#block(stepsNode, `branch ${entry.key}`) };
      });
    }
    return {
      ...base,
      kind: "parallel",
      shared,
      ...(limitNode === undefined
        ? {}
        : { concurrencyLimit: compileTemplate(limitNode, this.#context(step)) }),
      ...(policyNode === undefined ? {} : { exceptionPolicy: "continueAll" }),
      ...(branches === undefined ? {} : { branches }),
      ...(forNode === undefined ? {} : { loop: this.#forLoop(forNode, step) }),
    } as Step;
  }

  #tryBody(node: SourceNode, step: string): Block {
    if (node.kind === "seq") return this.#block(node, `try of ${step}`);
    // `try:` holding one step's fields (call/args/result, or steps) runs that step as the body.
    return { steps: [this.#step(step, node.pos, node)], index: new Map() };
  }

  #retry(node: SourceNode, step: string): Template {
    const ctx = this.#context(step);
    if (node.kind === "scalar") {
      if (typeof node.value !== "string" || !isExpressionText(node.value)) {
        return this.#fail(
          '"retry" must be a policy expression such as ${http.default_retry} or a retry map',
          node.pos,
          step,
        );
      }
      return { kind: "expr", expr: compileExpression(node.value, node.pos, ctx), pos: node.pos };
    }
    if (node.kind !== "map")
      return this.#fail('"retry" must be a map or a policy expression', node.pos, step);
    for (const entry of node.entries) {
      if (!["predicate", "max_retries", "backoff"].includes(entry.key)) {
        this.#fail(
          `unknown field "${entry.key}" in retry (expected predicate, max_retries, backoff)`,
          entry.keyPos,
          step,
        );
      }
      if (entry.key === "backoff") {
        if (entry.value.kind !== "map") this.#fail('"backoff" must be a map', entry.value.pos, step);
        for (const field of entry.value.kind === "map" ? entry.value.entries : []) {
          if (!["initial_delay", "max_delay", "multiplier"].includes(field.key)) {
            this.#fail(
              `unknown field "${field.key}" in backoff (expected initial_delay, max_delay, multiplier)`,
              field.keyPos,
              step,
            );
          }
        }
      }
    }
    if (!node.entries.some((entry) => entry.key === "predicate"))
      this.#fail('a retry map needs a "predicate"', node.pos, step);
    return compileTemplate(node, ctx);
  }

  #except(node: SourceNode, step: string): ExceptClause {
    if (node.kind !== "map")
      return this.#fail('"except" must be a map with "as" and "steps"', node.pos, step);
    let as: string | undefined;
    let body: Block | undefined;
    for (const entry of node.entries) {
      if (entry.key === "as") {
        if (
          entry.value.kind !== "scalar" ||
          typeof entry.value.value !== "string" ||
          !IDENTIFIER.test(entry.value.value)
        ) {
          this.#fail('"as" must be a variable name', entry.value.pos, step);
        }
        as = entry.value.value;
      } else if (entry.key === "steps") {
        body = this.#block(entry.value, `except of ${step}`);
      } else {
        this.#fail(`unknown field "${entry.key}" in except (expected as, steps)`, entry.keyPos, step);
      }
    }
    if (body === undefined) return this.#fail('"except" needs "steps"', node.pos, step);
    return { ...(as === undefined ? {} : { as }), body };
  }
}
