/** The `json` and `base64` modules. */
import { Buffer } from "node:buffer";
import { workflowError } from "../errors.ts";
import { decodeJson, type EncodeOptions, encodeJson } from "../json-codec.ts";
import { Bytes, isMap, typeName, type Value } from "../values.ts";
import { bytesArg, isMissing, stringArg } from "./args.ts";
import { type Builtin, builtin } from "./registry.ts";

/** `indent` is true (two spaces), false/absent (compact), or a map with `prefix` and `indent`. */
function indentOptions(fn: string, indent: Value | undefined): EncodeOptions {
  if (isMissing(indent) || indent === false) return {};
  if (indent === true) return { indent: "  " };
  if (isMap(indent)) {
    const prefix = indent.get("prefix") ?? "";
    const step = indent.get("indent") ?? "  ";
    return { prefix: stringArg(fn, "indent.prefix", prefix), indent: stringArg(fn, "indent.indent", step) };
  }
  throw workflowError("TypeError", `${fn}: indent must be a bool or a map, got ${typeName(indent)}`);
}

function jsonText(data: Value): string {
  if (typeof data === "string") return data;
  if (data instanceof Bytes) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(data.data);
    } catch {
      throw workflowError("ValueError", "json.decode: the bytes are not valid UTF-8");
    }
  }
  throw workflowError("TypeError", `json.decode accepts bytes or a string, not ${typeName(data)}`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64Decode(text: string, padding: boolean): Bytes {
  const normalized = text.replace(/\s/g, "");
  const padded = padding ? normalized : normalized + "=".repeat((4 - (normalized.length % 4)) % 4);
  if (!BASE64.test(padded) || padded.length % 4 !== 0) {
    throw workflowError("ValueError", "base64.decode: the input is not valid base64");
  }
  return new Bytes(new Uint8Array(Buffer.from(padded, "base64")));
}

function flag(fn: string, param: string, value: Value | undefined, fallback: boolean): boolean {
  if (isMissing(value)) return fallback;
  if (typeof value !== "boolean") throw workflowError("TypeError", `${fn}: "${param}" must be a bool`);
  return value;
}

export const encodingFunctions: Builtin[] = [
  builtin("json.decode", ["data"], ([data]) => decodeJson(jsonText(data ?? null))),
  builtin(
    "json.encode",
    ["data", "indent?"],
    ([data, indent]) =>
      new Bytes(new TextEncoder().encode(encodeJson(data ?? null, indentOptions("json.encode", indent)))),
  ),
  builtin("json.encode_to_string", ["data", "indent?"], ([data, indent]) =>
    encodeJson(data ?? null, indentOptions("json.encode_to_string", indent)),
  ),
  builtin("base64.encode", ["data", "padding?"], ([data, padding]) => {
    const text = Buffer.from(bytesArg("base64.encode", "data", data ?? null)).toString("base64");
    return flag("base64.encode", "padding", padding, true) ? text : text.replace(/=+$/, "");
  }),
  builtin("base64.decode", ["data", "padding?"], ([data, padding]) =>
    base64Decode(
      stringArg("base64.decode", "data", data ?? null),
      flag("base64.decode", "padding", padding, true),
    ),
  ),
];
