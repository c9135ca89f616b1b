/** Expression helpers without a module prefix: conversions, `len`, `keys`, `default`, `type`, `if`. */
import { workflowError } from "../errors.ts";
import { formatDouble } from "../json-codec.ts";
import { Bytes, INT64_MAX, INT64_MIN, isList, isMap, typeName, type Value } from "../values.ts";
import { mapArg } from "./args.ts";
import { type Builtin, builtin } from "./registry.ts";

const INT_TEXT = /^\s*[+-]?[0-9]+\s*$/;
const DOUBLE_TEXT = /^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$/;

function toInt(value: Value): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    // Truncates toward zero, as the reference's int(2.7) == 2 and int(-2.7) == -2.
    if (!Number.isFinite(value)) throw workflowError("ValueError", `int(): cannot convert ${value} to int`);
    const truncated = BigInt(Math.trunc(value));
    if (truncated < INT64_MIN || truncated > INT64_MAX)
      throw workflowError("ValueError", `int(): ${value} is out of range`);
    return truncated;
  }
  if (typeof value === "string") {
    if (!INT_TEXT.test(value)) throw workflowError("ValueError", `int(): "${value}" is not an integer`);
    const parsed = BigInt(value.trim());
    if (parsed < INT64_MIN || parsed > INT64_MAX)
      throw workflowError("ValueError", `int(): "${value}" is out of range`);
    return parsed;
  }
  throw workflowError("TypeError", `int() accepts a string or a number, not ${typeName(value)}`);
}

function toDouble(value: Value): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") {
    if (!DOUBLE_TEXT.test(value)) throw workflowError("ValueError", `double(): "${value}" is not a number`);
    return Number(value.trim());
  }
  throw workflowError("TypeError", `double() accepts a string or a number, not ${typeName(value)}`);
}

/** `string()` of ints, doubles, bools and strings; doubles keep ".0" when integral (see formatDouble). */
export function toText(value: Value): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return formatDouble(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  throw workflowError("TypeError", `string() accepts an int, double, bool or string, not ${typeName(value)}`);
}

function length(value: Value): bigint {
  // Length of a string counts characters (code points), not UTF-16 units or bytes.
  if (typeof value === "string") return BigInt([...value].length);
  if (isList(value)) return BigInt(value.length);
  if (isMap(value)) return BigInt(value.size);
  if (value instanceof Bytes) return BigInt(value.data.length);
  throw workflowError("TypeError", `len() accepts a string, list, map or bytes, not ${typeName(value)}`);
}

function toBool(value: Value): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lowered = value.toLowerCase();
    if (lowered === "true") return true;
    if (lowered === "false") return false;
    throw workflowError("ValueError", `bool(): "${value}" is neither true nor false`);
  }
  throw workflowError("TypeError", `bool() accepts a string or a bool, not ${typeName(value)}`);
}

export const coreFunctions: Builtin[] = [
  builtin("len", ["value"], ([value]) => length(value ?? null)),
  builtin("keys", ["map"], ([map]) => [...mapArg("keys", "map", map ?? null).keys()]),
  builtin("int", ["value"], ([value]) => toInt(value ?? null)),
  builtin("double", ["value"], ([value]) => toDouble(value ?? null)),
  builtin("string", ["value"], ([value]) => toText(value ?? null)),
  builtin("bool", ["value"], ([value]) => toBool(value ?? null)),
  builtin("default", ["value", "default"], ([value, fallback]) =>
    value === null ? (fallback ?? null) : (value ?? null),
  ),
  builtin("type", ["value"], ([value]) => typeName(value ?? null)),
  // Both branches are already evaluated when `if` runs: it selects, it does not short-circuit.
  builtin("if", ["condition", "if_true", "if_false"], ([condition, ifTrue, ifFalse]) => {
    if (typeof condition !== "boolean")
      throw workflowError("TypeError", `if(): condition must be a bool, got ${typeName(condition ?? null)}`);
    return (condition ? ifTrue : ifFalse) ?? null;
  }),
];
