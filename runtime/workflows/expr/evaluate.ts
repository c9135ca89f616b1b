/**
 * Evaluates expression trees. Evaluation is asynchronous because an expression may call a
 * subworkflow (`${double_it(2)}`), which runs steps.
 *
 * Name resolution, in order: a variable in scope; then a subworkflow of that name; then a
 * standard library function or constant (`len`, `http.default_retry`). A dotted chain whose root
 * is not a variable (`text.split`) is read as a library name, so a variable called `text` would
 * hide the `text` module, as it would in the language the names come from.
 */
import { workflowError } from "../errors.ts";
import type { Builtin, BuiltinContext } from "../stdlib/registry.ts";
import { checkArity } from "../stdlib/registry.ts";
import { FunctionRef, isList, isMap, typeName, type Value, type WfMap } from "../values.ts";
import { dottedName, type Expression, type ExprNode, rootIdentifier } from "./ast.ts";
import { applyBinary, applyUnary, requireBool } from "./operators.ts";

/** What an expression can see: variables, subworkflows and the library. */
export interface EvalHost {
  lookupVariable(name: string): Value | undefined;
  isSubworkflow(name: string): boolean;
  callSubworkflow(name: string, args: Value[]): Promise<Value>;
  builtin(name: string): Builtin | undefined;
  constant(name: string): Value | undefined;
  readonly builtinContext: BuiltinContext;
}

/**
 * Thrown by `evaluateNow` when an expression must wait (it calls a subworkflow). Expressions have
 * no other side effects, so the caller can simply evaluate again with `evaluate`.
 */
export class NeedsAsync extends Error {
  override name = "NeedsAsync";
}

/**
 * The evaluator is written once, as a generator that yields where it must wait for a subworkflow
 * call. Driven synchronously (`evaluateNow`), an assignment's right-hand side and its write run
 * without yielding to other parallel branches, so `total: ${total + n}` in a parallel `for` is
 * atomic, as the reference's own parallel samples rely on.
 */
/** Yields thunks, so nothing starts until the async driver decides to wait for it. */
type Evaluation = Generator<() => Promise<Value>, Value, Value>;

export function evaluateNow(expression: Expression, host: EvalHost): Value {
  const run = evalNode(expression.root, host);
  const step = run.next();
  if (!step.done) throw new NeedsAsync();
  return step.value;
}

export async function evaluate(expression: Expression, host: EvalHost): Promise<Value> {
  const run = evalNode(expression.root, host);
  let step = run.next();
  while (!step.done) step = run.next(await step.value());
  return step.value;
}

/** Calls something callable (a FunctionRef, as retry predicates are) with positional arguments. */
export async function callFunction(fn: FunctionRef, args: Value[], host: EvalHost): Promise<Value> {
  if (fn.kind === "subworkflow") return host.callSubworkflow(fn.name, args);
  const target = host.builtin(fn.name);
  if (target === undefined) throw workflowError("KeyError", `unknown function ${fn.name}`);
  checkArity(target, args.length);
  return target.call(args, host.builtinContext);
}

function isVariable(name: string | undefined, host: EvalHost): boolean {
  return name !== undefined && host.lookupVariable(name) !== undefined;
}

function* evalNode(node: ExprNode, host: EvalHost): Evaluation {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "ident":
    case "member":
      if (dottedName(node) !== undefined && !isVariable(rootIdentifier(node), host))
        return resolveName(node, host);
      if (node.kind === "ident") return host.lookupVariable(node.name) ?? null;
      return property(yield* evalNode(node.object, host), node.property);
    case "index": {
      const target = yield* evalNode(node.object, host);
      return index(target, yield* evalNode(node.index, host));
    }
    case "call":
      return yield* evalCall(node, host);
    case "unary":
      return applyUnary(node.op, yield* evalNode(node.operand, host));
    case "binary": {
      if (node.op === "and" || node.op === "or") {
        const left = requireBool(yield* evalNode(node.left, host), `left operand of "${node.op}"`);
        if (node.op === "and" ? !left : left) return left;
        return requireBool(yield* evalNode(node.right, host), `right operand of "${node.op}"`);
      }
      const left = yield* evalNode(node.left, host);
      return applyBinary(node.op, left, yield* evalNode(node.right, host));
    }
    case "list": {
      const items: Value[] = [];
      for (const item of node.items) items.push(yield* evalNode(item, host));
      return items;
    }
    case "map": {
      const map: WfMap = new Map();
      for (const entry of node.entries) {
        const key = yield* evalNode(entry.key, host);
        if (typeof key !== "string")
          throw workflowError("TypeError", `map keys must be strings, got ${typeName(key)}`);
        map.set(key, yield* evalNode(entry.value, host));
      }
      return map;
    }
  }
}

/** A name that is not a variable: a subworkflow, a library function or a library constant. */
function resolveName(node: ExprNode, host: EvalHost): Value {
  const name = dottedName(node) ?? "";
  if (node.kind === "ident" && host.isSubworkflow(name)) return new FunctionRef(name, "subworkflow");
  const constant = host.constant(name);
  if (constant !== undefined) return constant;
  if (host.builtin(name) !== undefined) return new FunctionRef(name, "builtin");
  // A library value followed by attribute access: `http.default_retry.max_retries`.
  if (node.kind === "member") return property(resolveName(node.object, host), node.property);
  throw workflowError("KeyError", `variable "${name}" is not defined`);
}

function* evalCall(node: Extract<ExprNode, { kind: "call" }>, host: EvalHost): Evaluation {
  const args: Value[] = [];
  for (const arg of node.args) args.push(yield* evalNode(arg, host));
  const name = dottedName(node.callee);
  if (name !== undefined && !isVariable(rootIdentifier(node.callee), host)) {
    if (node.callee.kind === "ident" && host.isSubworkflow(name))
      return yield () => host.callSubworkflow(name, args);
    const fn = host.builtin(name);
    if (fn === undefined) throw workflowError("KeyError", `unknown function ${name}()`);
    if (fn.callOnly) throw workflowError("TypeError", `${name} can only be used in a call step`);
    checkArity(fn, args.length);
    const result = fn.call(args, host.builtinContext);
    return result instanceof Promise ? yield () => result : result;
  }
  const callee = yield* evalNode(node.callee, host);
  if (!(callee instanceof FunctionRef))
    throw workflowError("TypeError", `a ${typeName(callee)} is not callable`);
  return yield () => callFunction(callee, args, host);
}

/** `map.key`: KeyError when the key is missing, TypeError when the value is not a map. */
export function property(target: Value, key: string): Value {
  if (!isMap(target))
    throw workflowError("TypeError", `cannot read property "${key}" of a ${typeName(target)}`);
  const value = target.get(key);
  if (value === undefined) throw workflowError("KeyError", `key "${key}" not found`);
  return value;
}

/** `list[i]` (non-negative int in range, else IndexError) or `map[key]` (KeyError when missing). */
export function index(target: Value, key: Value): Value {
  if (isList(target)) {
    if (typeof key !== "bigint")
      throw workflowError("TypeError", `list indices must be int, not ${typeName(key)}`);
    // Negative indices do not count from the end in Workflows: they are out of range.
    if (key < 0n || key >= BigInt(target.length)) {
      throw workflowError("IndexError", `list index ${key} out of range (length ${target.length})`);
    }
    return target[Number(key)] ?? null;
  }
  if (isMap(target)) {
    if (typeof key !== "string")
      throw workflowError("TypeError", `map keys must be strings, not ${typeName(key)}`);
    return property(target, key);
  }
  throw workflowError("TypeError", `a ${typeName(target)} cannot be indexed`);
}
