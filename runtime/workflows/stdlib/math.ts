/** The `math` module. `math.floor` returns an int, like Python's `math.floor`. */
import { workflowError } from "../errors.ts";
import { INT64_MAX, INT64_MIN, typeName, type Value } from "../values.ts";
import { type Builtin, builtin } from "./registry.ts";

function number(fn: string, value: Value | undefined): bigint | number {
  if (typeof value === "bigint" || typeof value === "number") return value;
  throw workflowError("TypeError", `${fn} needs a number, got ${typeName(value ?? null)}`);
}

function less(a: bigint | number, b: bigint | number): boolean {
  return typeof a === "bigint" && typeof b === "bigint" ? a < b : Number(a) < Number(b);
}

export const mathFunctions: Builtin[] = [
  builtin("math.abs", ["x"], ([x]) => {
    const value = number("math.abs", x);
    if (typeof value === "bigint") {
      if (value === INT64_MIN) throw workflowError("ValueError", "math.abs: integer overflow");
      return value < 0n ? -value : value;
    }
    return Math.abs(value);
  }),
  builtin("math.floor", ["x"], ([x]) => {
    const value = number("math.floor", x);
    if (typeof value === "bigint") return value;
    if (!Number.isFinite(value)) throw workflowError("ValueError", `math.floor: cannot floor ${value}`);
    const floored = BigInt(Math.floor(value));
    if (floored < INT64_MIN || floored > INT64_MAX)
      throw workflowError("ValueError", "math.floor: result out of int range");
    return floored;
  }),
  // max/min return the winning argument unchanged, so its type (int or double) is kept.
  builtin("math.max", ["x", "y"], ([x, y]) => {
    const a = number("math.max", x);
    const b = number("math.max", y);
    return less(a, b) ? b : a;
  }),
  builtin("math.min", ["x", "y"], ([x, y]) => {
    const a = number("math.min", x);
    const b = number("math.min", y);
    return less(b, a) ? b : a;
  }),
];
