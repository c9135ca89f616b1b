import { describe, expect, it } from "vitest";
import { batchIdFor } from "../../../generators/batch-id.ts";
import { ConfigError } from "../../../lib/errors.ts";

const PATTERN = /^[a-z]+-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8}$/;

describe("batchIdFor", () => {
  it("follows the schema pattern and is stable", () => {
    const id = batchIdFor("clickstream", "2026-11-26", 42, "small");
    expect(id).toMatch(PATTERN);
    expect(id.startsWith("clickstream-2026-11-26-")).toBe(true);
    expect(batchIdFor("clickstream", "2026-11-26", 42, "small")).toBe(id);
  });

  it("changes with every input", () => {
    const base = batchIdFor("sales", "2026-11-26", 42, "small");
    const others = [
      batchIdFor("clickstream", "2026-11-26", 42, "small"),
      batchIdFor("sales", "2026-11-27", 42, "small"),
      batchIdFor("sales", "2026-11-26", 43, "small"),
      batchIdFor("sales", "2026-11-26", 42, 5_000),
    ];
    for (const other of others) expect(other.slice(-8)).not.toBe(base.slice(-8));
  });

  it.each([
    ["a date that does not exist", () => batchIdFor("sales", "2026-02-30", 1, "small"), /2026-02-30/],
    ["a date in another format", () => batchIdFor("sales", "26.11.2026", 1, "small"), /YYYY-MM-DD/],
    ["a negative seed", () => batchIdFor("sales", "2026-11-26", -1, "small"), /seed -1/],
    ["an unknown source", () => batchIdFor("orders" as never, "2026-11-26", 1, "small"), /orders/],
  ])("refuses %s", (_label, call, message) => {
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(message);
  });
});
