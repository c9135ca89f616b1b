import { describe, expect, it } from "vitest";
import { batchIdFor } from "../../../generators/batch-id.ts";
import {
  anonymousVisitorsFor,
  clickEventsFor,
  customersFor,
  parseScale,
  populationFor,
  salesRowsFor,
  startupsFor,
} from "../../../generators/scale.ts";
import { ConfigError } from "../../../lib/errors.ts";

describe("parseScale", () => {
  it.each([
    ["small", "small"],
    [" Medium ", "medium"],
    ["LARGE", "large"],
    ["250000", 250_000],
    ["250_000", 250_000],
    ["250k", 250_000],
    ["2m", 2_000_000],
    ["30m", 30_000_000],
  ])("reads %j", (text, expected) => {
    expect(parseScale(text)).toBe(expected);
  });

  it.each([["huge"], [""], ["-5"], ["1.5"], ["0"], ["2g"], ["101m"], ["1e6"]])(
    "refuses %j with a message that says what is accepted",
    (text) => {
      expect(() => parseScale(text)).toThrow(ConfigError);
      expect(() => parseScale(text)).toThrow(/small, medium, large or a whole number of sales rows per day/);
      expect(() => parseScale(text)).toThrow(JSON.stringify(text));
    },
  );

  it("refuses numeric scales out of range when given directly", () => {
    expect(() => salesRowsFor(0)).toThrow(ConfigError);
    expect(() => salesRowsFor(2.5)).toThrow(/out of range/);
    expect(() => customersFor("giant" as never)).toThrow(/not valid/);
  });
});

describe("sizes per scale", () => {
  it("matches the named scales", () => {
    expect([salesRowsFor("small"), customersFor("small")]).toEqual([4_000, 2_000]);
    expect([salesRowsFor("medium"), customersFor("medium")]).toEqual([100_000, 20_000]);
    expect([salesRowsFor("large"), customersFor("large")]).toEqual([2_000_000, 200_000]);
  });

  it("sizes numbers in proportion and never decreases", () => {
    let previous = 0;
    for (const rows of [1, 100, 4_000, 50_000, 100_000, 1_000_000, 2_000_000, 20_000_000, 100_000_000]) {
      const customers = customersFor(rows);
      expect(customers).toBeGreaterThanOrEqual(previous);
      previous = customers;
      expect(clickEventsFor(rows)).toBe(2 * rows);
      expect(anonymousVisitorsFor(rows)).toBe(2 * customers);
      expect(populationFor(rows)).toBeLessThanOrEqual(9_999_999);
      expect(startupsFor(rows)).toBeLessThanOrEqual(999_999);
    }
    expect(customersFor(4_000)).toBe(customersFor("small"));
  });

  it("gives a scale asked for by name and by number the same batch id", () => {
    expect(batchIdFor("sales", "2026-11-26", 7, "small")).toBe(batchIdFor("sales", "2026-11-26", 7, 4_000));
    expect(batchIdFor("sales", "2026-11-26", 7, "small")).not.toBe(
      batchIdFor("sales", "2026-11-26", 7, "medium"),
    );
  });
});
