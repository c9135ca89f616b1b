import { ConfigError } from "../lib/errors.ts";

/** One JSONL file's worth of records. */
export interface JsonlPart {
  /** 0, 1, 2… — written as `part-00000.jsonl`… */
  part: number;
  /** UTF-8 JSON lines, each ending in `\n`. */
  body: Buffer;
  rows: number;
}

export interface JsonlPartOptions {
  /** Rows per part; the last part holds the rest. */
  rowsPerPart: number;
}

/** Size of the buffers lines are encoded into; a part is their concatenation. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Serialises pages of records into JSONL parts of at most `rowsPerPart` rows. The bytes depend only
 * on the records (their key order is the order the generators build them in), so the same batch
 * always gives the same files. Input with no rows gives one empty part 0, so every batch has at least
 * `part-00000.jsonl`. Lines are encoded straight into 4 MiB buffers, which is more than twice as fast
 * as joining strings, and a part never has to exist as one giant string.
 */
export async function* toJsonlParts<T>(
  pages: AsyncIterable<readonly T[]> | Iterable<readonly T[]>,
  options: JsonlPartOptions,
): AsyncGenerator<JsonlPart> {
  const { rowsPerPart } = options;
  if (!Number.isInteger(rowsPerPart) || rowsPerPart < 1) {
    throw new ConfigError(
      `rowsPerPart ${JSON.stringify(rowsPerPart)} is not valid: expected a whole number ≥ 1`,
    );
  }
  let part = 0;
  let rows = 0;
  let filled: Buffer[] = [];
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let offset = 0;
  const cut = (): JsonlPart => {
    filled.push(chunk.subarray(0, offset));
    // concat copies, so the chunk can be written over again for the next part.
    const done = { part, body: Buffer.concat(filled), rows };
    part++;
    rows = 0;
    filled = [];
    offset = 0;
    return done;
  };
  for await (const page of pages) {
    for (const record of page) {
      const line = JSON.stringify(record);
      // UTF-8 needs at most three bytes per UTF-16 code unit.
      const worst = 3 * line.length + 1;
      if (worst > CHUNK_BYTES) {
        // A line too long for a chunk gets its own buffer; what the chunk holds is copied out first.
        filled.push(Buffer.from(chunk.subarray(0, offset)), Buffer.from(`${line}\n`, "utf8"));
        offset = 0;
      } else {
        if (offset + worst > CHUNK_BYTES) {
          filled.push(chunk.subarray(0, offset));
          chunk = Buffer.allocUnsafe(CHUNK_BYTES);
          offset = 0;
        }
        offset += chunk.write(line, offset, "utf8");
        chunk[offset++] = NEWLINE;
      }
      rows++;
      if (rows === rowsPerPart) yield cut();
    }
  }
  if (rows > 0 || part === 0) yield cut();
}

/** Groups single items (such as churn truth entries) into pages, for {@link toJsonlParts}. */
export async function* inPages<T>(
  items: AsyncIterable<T> | Iterable<T>,
  pageSize = 5000,
): AsyncGenerator<T[]> {
  let page: T[] = [];
  for await (const item of items) {
    page.push(item);
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
