/**
 * The value model of the Workflows language.
 *
 * Workflows distinguishes 64-bit integers from doubles (`type(1)` is "int", `type(1.0)` is "double"),
 * which JavaScript numbers cannot. Integers are therefore `bigint` and doubles are `number`
 * everywhere inside the interpreter; maps are `Map` so that key order is insertion order and no
 * key ("__proto__", "1") is special.
 */

/** Raw bytes, as returned by `text.encode`, `base64.decode` and `json.encode`. */
export class Bytes {
  readonly data: Uint8Array;
  constructor(data: Uint8Array) {
    this.data = data;
  }
}

/** A reference to something callable: a standard library function or a subworkflow. */
export class FunctionRef {
  readonly name: string;
  readonly kind: "builtin" | "subworkflow";
  constructor(name: string, kind: "builtin" | "subworkflow") {
    this.name = name;
    this.kind = kind;
  }
}

export type WfMap = Map<string, Value>;
export type WfList = Value[];
export type Value = null | boolean | bigint | number | string | Bytes | FunctionRef | WfList | WfMap;

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function isInt(value: Value): value is bigint {
  return typeof value === "bigint";
}
export function isDouble(value: Value): value is number {
  return typeof value === "number";
}
export function isNumber(value: Value): value is bigint | number {
  return typeof value === "bigint" || typeof value === "number";
}
export function isMap(value: Value): value is WfMap {
  return value instanceof Map;
}
export function isList(value: Value): value is WfList {
  return Array.isArray(value);
}

/** The name `type()` returns for a value. */
export function typeName(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return "double";
  if (typeof value === "string") return "string";
  if (value instanceof Bytes) return "bytes";
  if (value instanceof FunctionRef) return "function";
  if (Array.isArray(value)) return "list";
  return "map";
}

/** Deep equality as `==` computes it: ints and doubles compare by numeric value. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === "bigint" && typeof b === "bigint") return a === b;
    return Number(a) === Number(b);
  }
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a === "boolean" || typeof a === "string") return a === b;
  if (a instanceof Bytes) {
    if (!(b instanceof Bytes) || a.data.length !== b.data.length) return false;
    return a.data.every((byte, i) => byte === b.data[i]);
  }
  if (a instanceof FunctionRef) return b instanceof FunctionRef && a.name === b.name && a.kind === b.kind;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valuesEqual(item, b[i] as Value));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, item] of a) {
      if (!b.has(key) || !valuesEqual(item, b.get(key) as Value)) return false;
    }
    return true;
  }
  return false;
}

/** Converts plain JavaScript data (parsed JSON, test fixtures) into workflow values. */
export function fromJs(data: unknown): Value {
  if (data === null || data === undefined) return null;
  if (typeof data === "boolean" || typeof data === "string" || typeof data === "bigint") return data;
  if (typeof data === "number") return Number.isInteger(data) ? BigInt(data) : data;
  if (data instanceof Bytes || data instanceof FunctionRef || data instanceof Map) return data as Value;
  if (data instanceof Uint8Array) return new Bytes(data);
  if (Array.isArray(data)) return data.map(fromJs);
  if (typeof data === "object") {
    const map: WfMap = new Map();
    for (const [key, item] of Object.entries(data)) map.set(key, fromJs(item));
    return map;
  }
  return String(data);
}

/**
 * Converts a workflow value to plain JavaScript for callers of the public API: ints become
 * numbers when they fit exactly (bigint otherwise), maps become objects, bytes become Uint8Array.
 */
export function toJs(value: Value): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (value instanceof Bytes) return value.data;
  if (value instanceof FunctionRef) return `<function ${value.name}>`;
  if (Array.isArray(value)) return value.map(toJs);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) out[key] = toJs(item);
    return out;
  }
  return value;
}

/** Builds a workflow map from entries; keeps call sites short. */
export function wfMap(entries: Record<string, Value>): WfMap {
  return new Map(Object.entries(entries));
}
