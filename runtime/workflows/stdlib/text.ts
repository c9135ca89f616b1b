/**
 * The `text` module. Indices count characters (code points), like `len()`. Regular expressions
 * are RE2 in Cloud Workflows and JavaScript's here: the common syntax (classes, groups,
 * quantifiers, anchors, `(?i)`-free patterns) behaves the same; RE2-only constructs such as
 * `(?i)` inline flags or `\C` are rejected with a ValueError instead of silently differing.
 */
import { Buffer } from "node:buffer";
import { workflowError } from "../errors.ts";
import { Bytes, type Value, wfMap } from "../values.ts";
import { bytesArg, intArg, isMissing, stringArg } from "./args.ts";
import { type Builtin, builtin } from "./registry.ts";

function regex(fn: string, pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, `u${flags}`);
  } catch (error) {
    throw workflowError(
      "ValueError",
      `${fn}: invalid regular expression "${pattern}": ${(error as Error).message}`,
    );
  }
}

/** Converts a UTF-16 offset of `text` into a character (code point) offset. */
function charIndex(text: string, utf16Offset: number): bigint {
  return BigInt([...text.slice(0, utf16Offset)].length);
}

function findAll(source: string, needle: string): Value {
  if (needle === "") throw workflowError("ValueError", "text.find_all: substr must not be empty");
  const found: Value[] = [];
  let from = 0;
  for (;;) {
    const at = source.indexOf(needle, from);
    if (at < 0) return found;
    found.push(wfMap({ index: charIndex(source, at), match: needle }));
    from = at + needle.length;
  }
}

function findAllRegex(source: string, pattern: string): Value {
  const found: Value[] = [];
  for (const match of source.matchAll(regex("text.find_all_regex", pattern, "g"))) {
    found.push(wfMap({ index: charIndex(source, match.index), match: match[0] }));
  }
  return found;
}

/** Replacement text refers to groups as \0 (whole match) to \9; everything else is literal. */
function replaceRegex(source: string, pattern: string, replacement: string): string {
  return source.replace(regex("text.replace_all_regex", pattern, "g"), (...match: unknown[]) => {
    const groups = match.slice(0, -2) as Array<string | undefined>;
    return replacement.replace(/\\(\d)/g, (_all, digit: string) => groups[Number(digit)] ?? "");
  });
}

function substring(source: string, start: bigint, end: bigint): string {
  // Out-of-range bounds are clamped to the string, and start >= end gives "" (our choice:
  // the reference does not say; clamping matches its other "safe" helpers).
  const chars = [...source];
  const clamp = (value: bigint): number => Math.max(0, Math.min(chars.length, Number(value)));
  const from = clamp(start);
  const to = clamp(end);
  return from >= to ? "" : chars.slice(from, to).join("");
}

function urlEncode(source: string, spaceAsPlus: boolean): string {
  const encoded = encodeURIComponent(source).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return spaceAsPlus ? encoded.replace(/%20/g, "+") : encoded;
}

function urlDecode(source: string): string {
  try {
    return decodeURIComponent(source);
  } catch {
    throw workflowError("ValueError", `text.url_decode: "${source}" is not valid percent-encoding`);
  }
}

const CHARSETS: Record<string, BufferEncoding> = {
  "UTF-8": "utf8",
  UTF8: "utf8",
  "US-ASCII": "ascii",
  ASCII: "ascii",
  "ISO-8859-1": "latin1",
  LATIN1: "latin1",
  "UTF-16LE": "utf16le",
};

function charset(fn: string, value: Value | undefined): BufferEncoding {
  if (isMissing(value)) return "utf8";
  const name = stringArg(fn, "charset", value).toUpperCase();
  const encoding = CHARSETS[name];
  if (encoding === undefined) throw workflowError("ValueError", `${fn}: unsupported charset "${name}"`);
  return encoding;
}

function decode(data: Uint8Array, encoding: BufferEncoding): string {
  if (encoding === "utf8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      throw workflowError("ValueError", "text.decode: the bytes are not valid UTF-8");
    }
  }
  return Buffer.from(data).toString(encoding);
}

export const textFunctions: Builtin[] = [
  builtin("text.find_all", ["source", "substr"], ([source, substr]) =>
    findAll(
      stringArg("text.find_all", "source", source ?? null),
      stringArg("text.find_all", "substr", substr ?? null),
    ),
  ),
  builtin("text.find_all_regex", ["source", "regexp"], ([source, pattern]) =>
    findAllRegex(
      stringArg("text.find_all_regex", "source", source ?? null),
      stringArg("text.find_all_regex", "regexp", pattern ?? null),
    ),
  ),
  builtin("text.match_regex", ["source", "regexp"], ([source, pattern]) =>
    regex("text.match_regex", stringArg("text.match_regex", "regexp", pattern ?? null), "").test(
      stringArg("text.match_regex", "source", source ?? null),
    ),
  ),
  builtin("text.replace_all", ["source", "substr", "repl"], ([source, substr, repl]) => {
    const needle = stringArg("text.replace_all", "substr", substr ?? null);
    if (needle === "") throw workflowError("ValueError", "text.replace_all: substr must not be empty");
    return stringArg("text.replace_all", "source", source ?? null)
      .split(needle)
      .join(stringArg("text.replace_all", "repl", repl ?? null));
  }),
  builtin("text.replace_all_regex", ["source", "regexp", "repl"], ([source, pattern, repl]) =>
    replaceRegex(
      stringArg("text.replace_all_regex", "source", source ?? null),
      stringArg("text.replace_all_regex", "regexp", pattern ?? null),
      stringArg("text.replace_all_regex", "repl", repl ?? null),
    ),
  ),
  builtin("text.split", ["source", "separator"], ([source, separator]) => {
    const text = stringArg("text.split", "source", source ?? null);
    const by = stringArg("text.split", "separator", separator ?? null);
    return by === "" ? [...text] : text.split(by);
  }),
  builtin("text.substring", ["source", "start", "end"], ([source, start, end]) =>
    substring(
      stringArg("text.substring", "source", source ?? null),
      intArg("text.substring", "start", start ?? null),
      intArg("text.substring", "end", end ?? null),
    ),
  ),
  builtin("text.to_lower", ["source"], ([source]) =>
    stringArg("text.to_lower", "source", source ?? null).toLowerCase(),
  ),
  builtin("text.to_upper", ["source"], ([source]) =>
    stringArg("text.to_upper", "source", source ?? null).toUpperCase(),
  ),
  builtin("text.url_encode", ["source"], ([source]) =>
    urlEncode(stringArg("text.url_encode", "source", source ?? null), false),
  ),
  builtin("text.url_encode_plus", ["source"], ([source]) =>
    urlEncode(stringArg("text.url_encode_plus", "source", source ?? null), true),
  ),
  builtin("text.url_decode", ["source"], ([source]) =>
    urlDecode(stringArg("text.url_decode", "source", source ?? null)),
  ),
  builtin("text.decode", ["data", "charset?"], ([data, name]) =>
    decode(bytesArg("text.decode", "data", data ?? null), charset("text.decode", name)),
  ),
  builtin(
    "text.encode",
    ["text", "charset?"],
    ([text, name]) =>
      new Bytes(
        new Uint8Array(
          Buffer.from(stringArg("text.encode", "text", text ?? null), charset("text.encode", name)),
        ),
      ),
  ),
];
