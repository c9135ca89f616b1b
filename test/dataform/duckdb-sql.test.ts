import { describe, expect, it } from "vitest";
import { rewriteIdentifiers } from "../../lib/adapters/local/dataform/duckdb-sql.ts";
import { compareRows } from "../../lib/adapters/local/dataform/unit-test.ts";

describe("rewriteIdentifiers", () => {
  it.each([
    ["SELECT * FROM `p-1.ds.t`", 'SELECT * FROM "ds"."t"'],
    ["SELECT * FROM `other.ds.t`", 'SELECT * FROM "other"."ds"."t"'],
    ["SELECT `a` FROM `ds.t`", 'SELECT "a" FROM "ds"."t"'],
    ["SELECT '`p-1.ds.t`' AS s", "SELECT '`p-1.ds.t`' AS s"],
    ["SELECT 1 -- `p-1.ds.t`\nFROM `p-1.ds.t`", 'SELECT 1 -- `p-1.ds.t`\nFROM "ds"."t"'],
    ["SELECT 'it''s', /* `x` */ 1", "SELECT 'it''s', /* `x` */ 1"],
    ["SELECT 'a > \\'b\\'' AS c", "SELECT 'a > ''b''' AS c"],
  ])("%s", (input, expected) => {
    expect(rewriteIdentifiers(input, "p-1")).toBe(expected);
  });
});

describe("compareRows", () => {
  it("matches rows in any order and numbers and instants by value", () => {
    const at = new Date("2026-11-03T10:00:00Z");
    expect(
      compareRows(
        [
          { a: 1, t: at },
          { a: 10.5, t: null },
        ],
        [
          { a: 10.5, t: null },
          { a: 1, t: new Date(at.getTime()) },
        ],
      ),
    ).toBeUndefined();
  });

  it("says which rows are missing and which are unexpected", () => {
    expect(compareRows([{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 3 }])).toBe(
      '2 row(s) returned, 2 expected; missing {"a":3}; unexpected {"a":2}',
    );
    expect(compareRows([{ a: 1 }], [{ b: 1 }])).toBe("columns differ: missing [b], unexpected [a]");
  });
});
