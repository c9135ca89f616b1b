/**
 * Assignment to paths such as `a.b[0]`. Containers are never modified in place: each assignment
 * rebuilds the containers along the path, so a value that another variable also holds (after
 * `y: ${x}`) does not change behind that variable's back — Workflows values behave as copies.
 * Missing map keys along a property path are created as empty maps; a list index must exist.
 */
import { workflowError } from "../errors.ts";
import { isList, isMap, typeName, type Value } from "../values.ts";

export type ResolvedSegment = { kind: "property"; name: string } | { kind: "index"; key: Value };

export function updatePath(
  current: Value | undefined,
  path: ResolvedSegment[],
  value: Value,
  text: string,
): Value {
  const [segment, ...rest] = path;
  if (segment === undefined) return value;
  if (segment.kind === "property" || typeof segment.key === "string") {
    const key = segment.kind === "property" ? segment.name : (segment.key as string);
    if (current === undefined || (current === null && segment.kind === "property")) current = new Map();
    if (!isMap(current))
      throw workflowError("TypeError", `cannot assign "${text}": ${typeName(current ?? null)} has no keys`);
    const copy = new Map(current);
    copy.set(key, updatePath(current.get(key), rest, value, text));
    return copy;
  }
  const key = segment.key;
  if (current === undefined || !isList(current)) {
    throw workflowError(
      "TypeError",
      `cannot assign "${text}": indexing a ${typeName(current ?? null)} with ${typeName(key)}`,
    );
  }
  if (typeof key !== "bigint")
    throw workflowError("TypeError", `cannot assign "${text}": list indices must be int`);
  if (key < 0n || key >= BigInt(current.length)) {
    throw workflowError(
      "IndexError",
      `cannot assign "${text}": list index ${key} out of range (length ${current.length})`,
    );
  }
  const copy = [...current];
  copy[Number(key)] = updatePath(current[Number(key)], rest, value, text);
  return copy;
}
