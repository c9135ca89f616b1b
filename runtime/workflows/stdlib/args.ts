/** Argument checks shared by library functions: a wrong type is a TypeError naming the function. */
import { workflowError } from "../errors.ts";
import { Bytes, isList, isMap, typeName, type Value, type WfList, type WfMap } from "../values.ts";

function wrongType(fn: string, param: string, expected: string, value: Value): never {
  throw workflowError("TypeError", `${fn}: "${param}" must be ${expected}, got ${typeName(value)}`);
}

export function stringArg(fn: string, param: string, value: Value): string {
  return typeof value === "string" ? value : wrongType(fn, param, "a string", value);
}
export function intArg(fn: string, param: string, value: Value): bigint {
  return typeof value === "bigint" ? value : wrongType(fn, param, "an int", value);
}
export function numberArg(fn: string, param: string, value: Value): number {
  if (typeof value === "bigint" || typeof value === "number") return Number(value);
  return wrongType(fn, param, "a number", value);
}
export function listArg(fn: string, param: string, value: Value): WfList {
  return isList(value) ? value : wrongType(fn, param, "a list", value);
}
export function mapArg(fn: string, param: string, value: Value): WfMap {
  return isMap(value) ? value : wrongType(fn, param, "a map", value);
}
export function bytesArg(fn: string, param: string, value: Value): Uint8Array {
  return value instanceof Bytes ? value.data : wrongType(fn, param, "bytes", value);
}
/** Optional arguments arrive as undefined (not passed) or null (passed as null). */
export function isMissing(value: Value | undefined): value is null | undefined {
  return value === undefined || value === null;
}
