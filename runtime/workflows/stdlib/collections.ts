/** The `list` and `map` modules. Every function returns a new value; arguments are never modified. */
import { workflowError } from "../errors.ts";
import { isList, isMap, typeName, type Value, type WfMap } from "../values.ts";
import { listArg, mapArg, stringArg } from "./args.ts";
import { type Builtin, builtin } from "./registry.ts";

function mapGet(map: Value, keys: Value): Value {
  const path = typeof keys === "string" ? [keys] : keys;
  if (!isList(path) || !path.every((key) => typeof key === "string")) {
    throw workflowError(
      "TypeError",
      `map.get: keys must be a string or a list of strings, got ${typeName(keys)}`,
    );
  }
  let current: Value = map;
  for (const key of path as string[]) {
    if (!isMap(current)) return null;
    const next = current.get(key);
    if (next === undefined) return null;
    current = next;
  }
  return current;
}

function mergeNested(first: WfMap, second: WfMap): WfMap {
  const merged: WfMap = new Map(first);
  for (const [key, value] of second) {
    const existing = merged.get(key);
    merged.set(
      key,
      existing !== undefined && isMap(existing) && isMap(value) ? mergeNested(existing, value) : value,
    );
  }
  return merged;
}

export const collectionFunctions: Builtin[] = [
  builtin("list.concat", ["objs", "val"], ([list, value]) => [
    ...listArg("list.concat", "objs", list ?? null),
    value ?? null,
  ]),
  builtin("list.prepend", ["objs", "val"], ([list, value]) => [
    value ?? null,
    ...listArg("list.prepend", "objs", list ?? null),
  ]),
  // map.get never raises for a missing key or a non-map: it answers null (reference: "safe lookup").
  builtin("map.get", ["map", "keys"], ([map, keys]) => mapGet(map ?? null, keys ?? null)),
  builtin("map.delete", ["map", "key"], ([map, key]) => {
    const copy: WfMap = new Map(mapArg("map.delete", "map", map ?? null));
    copy.delete(stringArg("map.delete", "key", key ?? null));
    return copy;
  }),
  builtin("map.merge", ["first", "second"], ([first, second]) => {
    return new Map([
      ...mapArg("map.merge", "first", first ?? null),
      ...mapArg("map.merge", "second", second ?? null),
    ]);
  }),
  builtin("map.merge_nested", ["first", "second"], ([first, second]) =>
    mergeNested(
      mapArg("map.merge_nested", "first", first ?? null),
      mapArg("map.merge_nested", "second", second ?? null),
    ),
  ),
];
