import type { Row } from "../../../ports/warehouse.ts";

/**
 * Compares a Dataform unit test's actual rows with its expected rows, as multisets: same column
 * names, same rows in any order. Values compare by meaning across types: a DECIMAL 10.5 equals a
 * DOUBLE 10.5, a timestamp equals the same instant. Returns what differs, or undefined.
 */
export function compareRows(actual: Row[], expected: Row[]): string | undefined {
  const actualColumns = columnsOf(actual);
  const expectedColumns = columnsOf(expected);
  if (actual.length > 0 && expected.length > 0 && actualColumns.join() !== expectedColumns.join()) {
    const missing = expectedColumns.filter((c) => !actualColumns.includes(c));
    const unexpected = actualColumns.filter((c) => !expectedColumns.includes(c));
    return `columns differ: missing [${missing.join(", ")}], unexpected [${unexpected.join(", ")}]`;
  }
  const remaining = new Map<string, number>();
  for (const row of expected) {
    const key = canonicalRow(row);
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  const unexpectedRows: string[] = [];
  for (const row of actual) {
    const key = canonicalRow(row);
    const count = remaining.get(key) ?? 0;
    if (count === 0) unexpectedRows.push(key);
    else remaining.set(key, count - 1);
  }
  const missingRows = [...remaining.entries()].flatMap(([key, count]) => Array<string>(count).fill(key));
  if (unexpectedRows.length === 0 && missingRows.length === 0) return undefined;
  return [
    `${actual.length} row(s) returned, ${expected.length} expected`,
    ...missingRows.slice(0, 5).map((row) => `missing ${row}`),
    ...unexpectedRows.slice(0, 5).map((row) => `unexpected ${row}`),
  ].join("; ");
}

function columnsOf(rows: Row[]): string[] {
  return Object.keys(rows[0] ?? {}).sort();
}

function canonicalValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number") return Number(value.toPrecision(12));
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(canonicalValue);
  return value;
}

function canonicalRow(row: Row): string {
  const entries = Object.keys(row)
    .sort()
    .map((key) => [key, canonicalValue(row[key])]);
  return JSON.stringify(Object.fromEntries(entries));
}
