/**
 * Runs steps. Control flow is returned as a `Completion` rather than thrown: a block runs its
 * steps in order, follows `next` to a step of its own when it can, and otherwise hands the jump
 * (or a break, continue, return or end) to the block around it. Workflow exceptions travel as
 * thrown `RaisedError`s, tagged with the step that raised them.
 */
import { RaisedError, workflowError } from "../errors.ts";
import { callFunction, type EvalHost, evaluate, evaluateNow, NeedsAsync } from "../expr/evaluate.ts";
import { requireBool } from "../expr/operators.ts";
import type { Library } from "../stdlib/library.ts";
import type { Block, ForLoop, PathSegment, Step, Subworkflow, Template, Workflow } from "../syntax/ast.ts";
import { FunctionRef, isList, isMap, typeName, type Value, type WfMap } from "../values.ts";
import { type ResolvedSegment, updatePath } from "./assign.ts";
import type { ExecutionContext } from "./context.ts";
import { runParallel } from "./parallel.ts";
import { evaluateRetryPolicy } from "./retry-policy.ts";
import { Scope } from "./scope.ts";

export type Completion =
  | { type: "normal" }
  | { type: "return"; value: Value }
  | { type: "end" }
  | { type: "break" }
  | { type: "continue" }
  | { type: "jump"; target: string };

const NORMAL: Completion = { type: "normal" };

/** Cloud Workflows' maximum depth of nested subworkflow calls; deeper raises RecursionError. */
export const MAX_CALL_DEPTH = 20;
/** Parallel steps may nest two deep (a parallel step inside a branch of another). */
export const MAX_PARALLEL_DEPTH = 2;

/** Where a step runs: its variables and how deep it is nested in calls and parallel steps. */
export interface Frame {
  scope: Scope;
  callDepth: number;
  parallelDepth: number;
}

function completionOf(target: string): Completion {
  if (target === "end" || target === "break" || target === "continue") return { type: target };
  return { type: "jump", target };
}

export class Executor {
  readonly #workflow: Workflow;
  readonly #library: Library;
  readonly #context: ExecutionContext;

  constructor(workflow: Workflow, library: Library, context: ExecutionContext) {
    this.#workflow = workflow;
    this.#library = library;
    this.#context = context;
  }

  /** Runs `main` with the execution argument bound to its parameter, if it has one. */
  async runMain(argument: Value): Promise<Value> {
    const main = this.#workflow.main;
    const args = new Map<string, Value>();
    const [param] = main.params;
    if (param !== undefined) args.set(param.name, argument);
    return this.callSubworkflow(main, args, 0);
  }

  async callSubworkflow(
    subworkflow: Subworkflow,
    args: Map<string, Value>,
    callDepth: number,
  ): Promise<Value> {
    if (callDepth > MAX_CALL_DEPTH) {
      throw workflowError(
        "RecursionError",
        `maximum call depth of ${MAX_CALL_DEPTH} exceeded calling ${subworkflow.name}`,
      );
    }
    const frame: Frame = { scope: Scope.frame(), callDepth, parallelDepth: 0 };
    for (const name of args.keys()) {
      if (!subworkflow.params.some((param) => param.name === name)) {
        throw workflowError("TypeError", `${subworkflow.name} has no parameter "${name}"`);
      }
    }
    for (const param of subworkflow.params) {
      const given = args.get(param.name);
      if (given !== undefined) frame.scope.define(param.name, given);
      else if (param.defaultValue !== undefined)
        frame.scope.define(param.name, await this.value(param.defaultValue, frame));
      else if (subworkflow !== this.#workflow.main) {
        throw workflowError("TypeError", `${subworkflow.name} is missing required parameter "${param.name}"`);
      } else frame.scope.define(param.name, null);
    }
    const completion = await this.block(subworkflow.body, frame);
    return completion.type === "return" ? completion.value : null;
  }

  async #callByPosition(name: string, args: Value[], callDepth: number): Promise<Value> {
    const subworkflow = this.#workflow.subworkflows.get(name);
    if (subworkflow === undefined) throw workflowError("KeyError", `unknown subworkflow ${name}`);
    if (args.length > subworkflow.params.length) {
      throw workflowError(
        "TypeError",
        `${name} takes ${subworkflow.params.length} arguments but ${args.length} were given`,
      );
    }
    const named = new Map<string, Value>();
    for (const [i, arg] of args.entries()) named.set(subworkflow.params[i]?.name ?? "", arg);
    return this.callSubworkflow(subworkflow, named, callDepth + 1);
  }

  host(frame: Frame): EvalHost {
    return {
      lookupVariable: (name) => frame.scope.lookup(name),
      isSubworkflow: (name) => this.#workflow.subworkflows.has(name),
      callSubworkflow: (name, args) => this.#callByPosition(name, args, frame.callDepth),
      builtin: (name) => this.#library.function(name),
      constant: (name) => this.#library.constant(name),
      builtinContext: this.#context,
    };
  }

  /** Evaluates a template now, or throws NeedsAsync when it calls a subworkflow. */
  valueNow(template: Template, frame: Frame): Value {
    switch (template.kind) {
      case "literal":
        return template.value;
      case "expr":
        return evaluateNow(template.expr, this.host(frame));
      case "list":
        return template.items.map((item) => this.valueNow(item, frame));
      case "map": {
        const map: WfMap = new Map();
        for (const entry of template.entries) {
          const key = this.valueNow(entry.key, frame);
          if (typeof key !== "string")
            throw workflowError("TypeError", `map keys must be strings, got ${typeName(key)}`);
          map.set(key, this.valueNow(entry.value, frame));
        }
        return map;
      }
    }
  }

  async value(template: Template, frame: Frame): Promise<Value> {
    try {
      return this.valueNow(template, frame);
    } catch (error) {
      if (!(error instanceof NeedsAsync)) throw error;
    }
    switch (template.kind) {
      case "expr":
        return evaluate(template.expr, this.host(frame));
      case "list": {
        const items: Value[] = [];
        for (const item of template.items) items.push(await this.value(item, frame));
        return items;
      }
      case "map": {
        const map: WfMap = new Map();
        for (const entry of template.entries) {
          const key = await this.value(entry.key, frame);
          if (typeof key !== "string")
            throw workflowError("TypeError", `map keys must be strings, got ${typeName(key)}`);
          map.set(key, await this.value(entry.value, frame));
        }
        return map;
      }
      default:
        return template.value;
    }
  }

  async block(block: Block, frame: Frame): Promise<Completion> {
    let position = 0;
    while (position < block.steps.length) {
      const step = block.steps[position] as Step;
      const completion = await this.stepWithNext(step, frame);
      if (completion.type === "jump") {
        const target = block.index.get(completion.target);
        if (target === undefined) return completion;
        position = target;
        continue;
      }
      if (completion.type !== "normal") return completion;
      position++;
    }
    return NORMAL;
  }

  /** Runs a step, then applies its own `next` if it finished normally. */
  async stepWithNext(step: Step, frame: Frame): Promise<Completion> {
    const completion = await this.step(step, frame);
    if (completion.type === "normal" && step.next !== undefined) return completionOf(step.next.target);
    return completion;
  }

  async step(step: Step, frame: Frame): Promise<Completion> {
    try {
      this.#context.countStep();
      return await this.#run(step, frame);
    } catch (error) {
      if (error instanceof RaisedError && error.step === undefined) error.step = step.name;
      throw error;
    }
  }

  async #run(step: Step, frame: Frame): Promise<Completion> {
    switch (step.kind) {
      case "jump":
        return NORMAL;
      case "assign":
        for (const assignment of step.assignments) {
          const { variable, path, text } = assignment.target;
          try {
            // Evaluate and write without yielding, so the assignment is atomic among parallel branches.
            this.#assign(
              variable,
              this.#resolvePathNow(path, frame),
              this.valueNow(assignment.value, frame),
              text,
              frame,
            );
          } catch (error) {
            if (!(error instanceof NeedsAsync)) throw error;
            const value = await this.value(assignment.value, frame);
            this.#assign(variable, await this.#resolvePath(path, frame), value, text, frame);
          }
        }
        return NORMAL;
      case "call": {
        const result = await this.#call(step, frame);
        if (step.result !== undefined) frame.scope.assign(step.result, result);
        return NORMAL;
      }
      case "switch":
        for (const switchCase of step.cases) {
          const holds = requireBool(await this.value(switchCase.condition, frame), "a switch condition");
          if (holds) return this.stepWithNext(switchCase.body, frame);
        }
        return NORMAL;
      case "for":
        return this.#forLoop(step.loop, frame);
      case "parallel":
        return runParallel(step, frame, this);
      case "try":
        return this.#try(step, frame);
      case "raise":
        throw new RaisedError(await this.value(step.value, frame), step.name);
      case "return":
        return { type: "return", value: await this.value(step.value, frame) };
      case "steps":
        return this.block(step.body, frame);
    }
  }

  #resolvePathNow(path: PathSegment[], frame: Frame): ResolvedSegment[] {
    return path.map((segment) =>
      segment.kind === "property"
        ? segment
        : { kind: "index", key: evaluateNow(segment.expr, this.host(frame)) },
    );
  }

  async #resolvePath(path: PathSegment[], frame: Frame): Promise<ResolvedSegment[]> {
    const resolved: ResolvedSegment[] = [];
    for (const segment of path) {
      resolved.push(
        segment.kind === "property"
          ? segment
          : { kind: "index", key: await evaluate(segment.expr, this.host(frame)) },
      );
    }
    return resolved;
  }

  #assign(variable: string, path: ResolvedSegment[], value: Value, text: string, frame: Frame): void {
    if (path.length === 0) {
      frame.scope.assign(variable, value);
      return;
    }
    const current = frame.scope.lookup(variable);
    if (current === undefined)
      throw workflowError("KeyError", `cannot assign "${text}": variable "${variable}" is not defined`);
    frame.scope.assign(variable, updatePath(current, path, value, text));
  }

  async #call(step: Extract<Step, { kind: "call" }>, frame: Frame): Promise<Value> {
    const args = step.args === undefined ? null : await this.value(step.args, frame);
    const subworkflow = this.#workflow.subworkflows.get(step.fn);
    if (subworkflow !== undefined) {
      if (args !== null && !isMap(args))
        throw workflowError("TypeError", `args of a subworkflow call must be a map`);
      return this.callSubworkflow(subworkflow, new Map(args ?? []), frame.callDepth + 1);
    }
    const fn = this.#library.function(step.fn);
    if (fn === undefined) {
      throw workflowError(
        "SystemError",
        `${step.fn} needs Google Cloud and is not available in the offline interpreter`,
      );
    }
    let positional: Value[] = [];
    if (isList(args)) positional = args;
    else if (isMap(args)) {
      const names = fn.params.map((param) => param.name);
      for (const key of args.keys()) {
        if (!names.includes(key)) throw workflowError("TypeError", `${fn.name} has no parameter "${key}"`);
      }
      const lastGiven = Math.max(-1, ...[...args.keys()].map((key) => names.indexOf(key)));
      positional = names
        .slice(0, lastGiven + 1)
        .map((name) => (args.has(name) ? (args.get(name) as Value) : null));
      fn.params.forEach((param, i) => {
        if (!param.optional && (!args.has(param.name) || i > lastGiven)) {
          throw workflowError("TypeError", `${fn.name} is missing required argument "${param.name}"`);
        }
      });
    } else if (args !== null) {
      throw workflowError("TypeError", `args of ${fn.name} must be a map or a list`);
    }
    return callFunction(new FunctionRef(fn.name, "builtin"), positional, this.host(frame));
  }

  /** The values a `for` (or parallel `for`) iterates over. */
  async loopItems(loop: ForLoop, frame: Frame): Promise<Value[]> {
    if (loop.in !== undefined) {
      const collection = await this.value(loop.in, frame);
      if (isList(collection)) return collection;
      // Iterating a map walks its keys, as `for ... in: ${keys(m)}` would.
      if (isMap(collection)) return [...collection.keys()];
      throw workflowError("TypeError", `for ... in needs a list, got ${typeName(collection)}`);
    }
    const range = await this.value(loop.range as Template, frame);
    if (!isList(range) || range.length !== 2)
      throw workflowError("TypeError", "range must be a list [start, end]");
    const [start, end] = range as [Value, Value];
    // Both bounds are inclusive; two ints give ints, a double bound gives doubles in steps of 1.
    if (typeof start === "bigint" && typeof end === "bigint") {
      const items: Value[] = [];
      for (let i = start; i <= end; i++) items.push(i);
      return items;
    }
    if (
      (typeof start === "bigint" || typeof start === "number") &&
      (typeof end === "bigint" || typeof end === "number")
    ) {
      const items: Value[] = [];
      for (let x = Number(start); x <= Number(end); x += 1) items.push(x);
      return items;
    }
    throw workflowError(
      "TypeError",
      `range bounds must be numbers, got ${typeName(start)} and ${typeName(end)}`,
    );
  }

  async #forLoop(loop: ForLoop, frame: Frame): Promise<Completion> {
    const items = await this.loopItems(loop, frame);
    for (const [position, item] of items.entries()) {
      const scope = frame.scope.child();
      scope.define(loop.value, item);
      if (loop.index !== undefined) scope.define(loop.index, BigInt(position));
      const completion = await this.block(loop.body, { ...frame, scope });
      if (completion.type === "break") break;
      if (completion.type === "continue" || completion.type === "normal") continue;
      return completion;
    }
    return NORMAL;
  }

  async #try(step: Extract<Step, { kind: "try" }>, frame: Frame): Promise<Completion> {
    let retries = 0;
    let policy: Awaited<ReturnType<typeof evaluateRetryPolicy>> | undefined;
    let delay = 0;
    for (;;) {
      try {
        return await this.block(step.body, frame);
      } catch (error) {
        if (!(error instanceof RaisedError)) throw error;
        if (step.retry !== undefined) {
          if (policy === undefined) {
            policy = await evaluateRetryPolicy(await this.value(step.retry, frame));
            delay = policy.initialDelay;
          }
          if (
            retries < policy.maxRetries &&
            (await this.#shouldRetry(policy.predicate, error.value, frame))
          ) {
            retries++;
            await this.#context.sleep(delay);
            delay = Math.min(delay * policy.multiplier, policy.maxDelay);
            continue;
          }
        }
        if (step.except === undefined) throw error;
        if (step.except.as !== undefined) frame.scope.assign(step.except.as, error.value);
        return this.block(step.except.body, frame);
      }
    }
  }

  async #shouldRetry(predicate: FunctionRef, error: Value, frame: Frame): Promise<boolean> {
    const verdict = await callFunction(predicate, [error], this.host(frame));
    return requireBool(verdict, `retry predicate ${predicate.name}`);
  }

  /** Runs a branch body to completion; used by parallel steps. */
  async branchBody(body: Block, frame: Frame): Promise<Completion> {
    return this.block(body, frame);
  }
}
