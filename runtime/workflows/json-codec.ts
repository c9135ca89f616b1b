/**
 * JSON in and out of workflow values, keeping ints and doubles apart: `1` decodes to an int and
 * `1.0` to a double, as Workflows does, which plain `JSON.parse` cannot tell apart.
 */
import { workflowError } from "./errors.ts";
import { Bytes, FunctionRef, INT64_MAX, INT64_MIN, type Value, type WfMap } from "./values.ts";

interface ReviverContext {
  source?: string;
}

/** Parses JSON text into workflow values; raises ValueError on malformed input. */
export function decodeJson(text: string): Value {
  try {
    // The reviver's third argument carries the number's source text (Node 21+), which tells
    // `1` from `1.0`; children are revived before their parents, so maps are built bottom-up.
    return JSON.parse(text, (_key: string, raw: unknown, context?: ReviverContext) =>
      revive(raw, context),
    ) as Value;
  } catch (error) {
    throw workflowError(
      "ValueError",
      `invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function revive(raw: unknown, context?: ReviverContext): unknown {
  if (typeof raw === "number") {
    const source = context?.source;
    if (source !== undefined && !/[.eE]/.test(source)) {
      const int = BigInt(source);
      if (int >= INT64_MIN && int <= INT64_MAX) return int;
    }
    return raw;
  }
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const map: WfMap = new Map();
    for (const [key, item] of Object.entries(raw)) map.set(key, item as Value);
    return map;
  }
  return raw;
}

/**
 * Formats a double the way Python's repr does (Workflows' error names and semantics are
 * Python's): integral values keep a trailing ".0", so `string(10 / 2)` is "5.0", not "5".
 */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value.toFixed(0)}.0`;
  return String(value);
}

export interface EncodeOptions {
  /** Indentation per level; empty means compact output. */
  indent?: string;
  /** Prefix written before each new line when indenting. */
  prefix?: string;
}

/** Serialises a value to JSON text; raises TypeError for bytes and functions, ValueError for NaN. */
export function encodeJson(value: Value, options: EncodeOptions = {}): string {
  return encode(value, options.indent ?? "", options.prefix ?? "", 0);
}

function encode(value: Value, indent: string, prefix: string, depth: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw workflowError("ValueError", `cannot encode ${value} as JSON`);
    return formatDouble(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Bytes) throw workflowError("TypeError", "bytes cannot be encoded as JSON");
  if (value instanceof FunctionRef)
    throw workflowError("TypeError", `function ${value.name} cannot be encoded as JSON`);
  const open = Array.isArray(value) ? "[" : "{";
  const close = Array.isArray(value) ? "]" : "}";
  const items = Array.isArray(value)
    ? value.map((item) => encode(item, indent, prefix, depth + 1))
    : [...value].map(
        ([key, item]) =>
          `${JSON.stringify(key)}:${indent ? " " : ""}${encode(item, indent, prefix, depth + 1)}`,
      );
  if (items.length === 0) return open + close;
  if (!indent) return open + items.join(",") + close;
  const inner = `\n${prefix}${indent.repeat(depth + 1)}`;
  const outer = `\n${prefix}${indent.repeat(depth)}`;
  return `${open}${inner}${items.join(`,${inner}`)}${outer}${close}`;
}
