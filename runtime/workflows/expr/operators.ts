/**
 * Semantics of the binary and unary operators on workflow values.
 *
 * - `+ - *` on two ints give an int, on any double a double (int promoted); `+` also joins two
 *   strings; nothing is converted implicitly (`"a" + 1` is a TypeError).
 * - `/` is float division: always a double (`4 / 2` is `2.0`).
 * - `//` is floor division and `%` the matching remainder, as in Python, whose error model
 *   Workflows follows: `-7 // 2` is `-4` and `-7 % 2` is `1`. Both give an int for two ints.
 * - Any division by zero raises ZeroDivisionError.
 * - Ints are 64-bit: a result outside that range raises ValueError rather than wrapping around
 *   silently (the reference only says "64 bit, signed"; a loud failure is the safer choice).
 */
import { workflowError } from "../errors.ts";
import {
  INT64_MAX,
  INT64_MIN,
  isList,
  isMap,
  isNumber,
  typeName,
  type Value,
  valuesEqual,
} from "../values.ts";
import type { BinaryOperator } from "./ast.ts";

function checkedInt(value: bigint, op: string): bigint {
  if (value < INT64_MIN || value > INT64_MAX)
    throw workflowError("ValueError", `integer overflow in "${op}"`);
  return value;
}

function operandError(op: string, left: Value, right: Value): never {
  throw workflowError(
    "TypeError",
    `unsupported operand types for ${op}: ${typeName(left)} and ${typeName(right)}`,
  );
}

function floorDivInt(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? quotient - 1n : quotient;
}

function arithmetic(op: "+" | "-" | "*" | "/" | "//" | "%", left: Value, right: Value): Value {
  if (op === "+" && typeof left === "string" && typeof right === "string") return left + right;
  if (!isNumber(left) || !isNumber(right)) return operandError(op, left, right);
  const isZero = right === 0n || right === 0;
  if ((op === "/" || op === "//" || op === "%") && isZero)
    throw workflowError("ZeroDivisionError", "division by zero");
  if (op === "/") return Number(left) / Number(right);
  if (typeof left === "bigint" && typeof right === "bigint") {
    switch (op) {
      case "+":
        return checkedInt(left + right, op);
      case "-":
        return checkedInt(left - right, op);
      case "*":
        return checkedInt(left * right, op);
      case "//":
        return checkedInt(floorDivInt(left, right), op);
      default:
        return left - floorDivInt(left, right) * right;
    }
  }
  const a = Number(left);
  const b = Number(right);
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "//":
      return Math.floor(a / b);
    default:
      return a - Math.floor(a / b) * b;
  }
}

/** Ordering: numbers with numbers, strings with strings (by code point); anything else is a TypeError. */
function compare(op: "<" | "<=" | ">" | ">=", left: Value, right: Value): boolean {
  let order: number;
  if (isNumber(left) && isNumber(right)) {
    if (typeof left === "bigint" && typeof right === "bigint")
      order = left < right ? -1 : left > right ? 1 : 0;
    else order = Number(left) < Number(right) ? -1 : Number(left) > Number(right) ? 1 : 0;
  } else if (typeof left === "string" && typeof right === "string") {
    order = left < right ? -1 : left > right ? 1 : 0;
  } else {
    return operandError(op, left, right);
  }
  switch (op) {
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
    case ">":
      return order > 0;
    default:
      return order >= 0;
  }
}

/** `x in list` tests membership by value; `key in map` tests for a key. */
function membership(left: Value, right: Value): boolean {
  if (isList(right)) return right.some((item) => valuesEqual(item, left));
  if (isMap(right)) {
    if (typeof left !== "string")
      throw workflowError("TypeError", `map keys are strings, not ${typeName(left)}`);
    return right.has(left);
  }
  return operandError("in", left, right);
}

/** Applies a binary operator other than the short-circuiting `and`/`or`. */
export function applyBinary(op: Exclude<BinaryOperator, "and" | "or">, left: Value, right: Value): Value {
  switch (op) {
    case "==":
      return valuesEqual(left, right);
    case "!=":
      return !valuesEqual(left, right);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return compare(op, left, right);
    case "in":
      return membership(left, right);
    default:
      return arithmetic(op, left, right);
  }
}

export function applyUnary(op: "not" | "-", operand: Value): Value {
  if (op === "not") {
    if (typeof operand !== "boolean")
      throw workflowError("TypeError", `"not" needs a bool, got ${typeName(operand)}`);
    return !operand;
  }
  if (typeof operand === "bigint") return checkedInt(-operand, "-");
  if (typeof operand === "number") return -operand;
  throw workflowError("TypeError", `unary "-" needs a number, got ${typeName(operand)}`);
}

/** The operand of `and`/`or` and every condition must be a bool: Workflows has no truthiness. */
export function requireBool(value: Value, what: string): boolean {
  if (typeof value !== "boolean")
    throw workflowError("TypeError", `${what} must be a bool, got ${typeName(value)}`);
  return value;
}
