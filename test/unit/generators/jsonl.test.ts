import { describe, expect, it } from "vitest";
import { inPages, toJsonlParts } from "../../../generators/jsonl.ts";
import { ConfigError } from "../../../lib/errors.ts";
import { items } from "./collect.ts";

const pages = [[{ a: 1 }, { a: 2 }, { a: 3 }], [{ a: 4 }], [{ a: "é" }, { a: 6 }]];

describe("toJsonlParts", () => {
  it("cuts pages into parts of at most rowsPerPart lines, across page boundaries", async () => {
    const parts = await items(toJsonlParts(pages, { rowsPerPart: 4 }));
    expect(parts.map((p) => [p.part, p.rows])).toEqual([
      [0, 4],
      [1, 2],
    ]);
    expect(parts[0]?.body.toString("utf8")).toBe('{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n');
    expect(parts[1]?.body.toString("utf8")).toBe('{"a":"é"}\n{"a":6}\n');
    expect(parts[1]?.body.length).toBe(Buffer.byteLength('{"a":"é"}\n{"a":6}\n'));
  });

  it("does not leave an empty part when the rows divide evenly", async () => {
    const parts = await items(toJsonlParts(pages, { rowsPerPart: 3 }));
    expect(parts.map((p) => p.rows)).toEqual([3, 3]);
  });

  it("writes the same bytes as joined JSON lines when parts span many buffers and lines are huge", async () => {
    const long = [Array.from({ length: 30_000 }, (_, i) => ({ i, text: "ü".repeat(150) }))];
    const huge = [{ i: -1, text: "x".repeat(2_000_000) }];
    const input = [...long, huge, ...long];
    const expected = input.flat().map((record) => `${JSON.stringify(record)}\n`);
    const parts = await items(toJsonlParts(input, { rowsPerPart: 40_000 }));
    expect(parts.map((p) => p.rows)).toEqual([40_000, 20_001]);
    expect(parts[0]?.body.equals(Buffer.from(expected.slice(0, 40_000).join(""), "utf8"))).toBe(true);
    expect(parts[1]?.body.equals(Buffer.from(expected.slice(40_000).join(""), "utf8"))).toBe(true);
  });

  it("gives one empty part 0 for a batch without rows", async () => {
    const parts = await items(toJsonlParts([[], []], { rowsPerPart: 10 }));
    expect(parts).toEqual([{ part: 0, body: Buffer.alloc(0), rows: 0 }]);
  });

  it("refuses a part size that is not a positive whole number", async () => {
    await expect(items(toJsonlParts(pages, { rowsPerPart: 0 }))).rejects.toThrow(ConfigError);
  });
});

describe("inPages", () => {
  it("groups items into pages of the given size", async () => {
    expect(await items(inPages([1, 2, 3, 4, 5], 2))).toEqual([[1, 2], [3, 4], [5]]);
  });
});
