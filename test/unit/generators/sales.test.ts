import { beforeAll, describe, expect, it } from "vitest";
import { CustomerPopulation } from "../../../generators/customers.ts";
import { toJsonlParts } from "../../../generators/jsonl.ts";
import { generateSales } from "../../../generators/sales.ts";
import type { SalesRecord } from "../../../lib/contracts/records.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { ConfigError } from "../../../lib/errors.ts";
import { collect } from "./collect.ts";

const DATE = "2026-11-26";

async function bytes(seed: number, date: string): Promise<Buffer> {
  const parts = [];
  for await (const part of toJsonlParts(generateSales({ seed, date, scale: "small" }), {
    rowsPerPart: 1_000_000,
  })) {
    parts.push(part.body);
  }
  return Buffer.concat(parts);
}

describe("generateSales", () => {
  let sales: SalesRecord[];
  beforeAll(async () => {
    sales = await collect(generateSales({ seed: 42, date: DATE, scale: "small" }));
  });

  it("gives the same bytes for the same seed and date, and other bytes for another seed or date", async () => {
    const first = await bytes(42, DATE);
    expect(first.length).toBeGreaterThan(100_000);
    expect((await bytes(42, DATE)).equals(first)).toBe(true);
    expect((await bytes(43, DATE)).equals(first)).toBe(false);
    expect((await bytes(42, "2026-11-27")).equals(first)).toBe(false);
  });

  it("lands a few thousand rows a day at small scale, in pages of at most 5000", async () => {
    expect(sales.length).toBeGreaterThan(2_000);
    expect(sales.length).toBeLessThan(12_000);
    const sizes = [];
    for await (const page of generateSales({ seed: 42, date: DATE, scale: "small" })) sizes.push(page.length);
    expect(Math.max(...sizes)).toBe(5000);
  });

  it("produces records that match sales.v2.0.0", () => {
    const contracts = new Contracts();
    const step = Math.max(1, Math.floor(sales.length / 1500));
    for (let i = 0; i < sales.length; i += step) contracts.record("sales", sales[i], `sales row ${i}`);
  });

  it("numbers sale ids without gaps, dates every row on the batch date and prices in cents", () => {
    const sequence = sales.map((s) => Number(s.sale_id.slice(-7)));
    expect(sequence).toEqual(sales.map((_, i) => i + 1));
    expect(sales[0]?.sale_id).toMatch(/^S-20261126-[0-9a-f]{8}-0000001$/);
    expect(sales.filter((s) => s.sold_at.slice(0, 10) !== DATE)).toEqual([]);
    expect(sales.filter((s) => Math.round(s.unit_price * 100) / 100 !== s.unit_price)).toEqual([]);
    expect(sales.filter((s) => !s.batch_id.endsWith(s.sale_id.slice(11, 19)))).toEqual([]);
  });

  it("keeps one name and e-mail per customer, and the same ones on another day", async () => {
    const identity = new Map(sales.map((s) => [s.customer_id, `${s.customer_name}|${s.customer_email}`]));
    const mismatch = (s: SalesRecord) =>
      identity.get(s.customer_id) !== `${s.customer_name}|${s.customer_email}`;
    expect(sales.filter(mismatch)).toEqual([]);
    const nextDay = await collect(generateSales({ seed: 42, date: "2026-11-27", scale: "small" }));
    const shared = nextDay.filter((s) => identity.has(s.customer_id));
    expect(shared.length).toBeGreaterThan(100);
    expect(shared.filter(mismatch)).toEqual([]);
  });

  it("has plausible baskets, channels, payments and stores", () => {
    const baskets = new Map<string, number>();
    for (const s of sales) {
      const key = `${s.customer_id}|${s.sold_at}|${s.store_id}`;
      baskets.set(key, (baskets.get(key) ?? 0) + s.quantity * s.unit_price * (1 - s.discount));
    }
    const meanBasket = [...baskets.values()].reduce((a, b) => a + b, 0) / baskets.size;
    expect(meanBasket).toBeGreaterThan(80);
    expect(meanBasket).toBeLessThan(400);
    expect(sales.length / baskets.size).toBeGreaterThan(1.8);
    expect(sales.length / baskets.size).toBeLessThan(2.8);

    const share = (predicate: (s: SalesRecord) => boolean) => sales.filter(predicate).length / sales.length;
    expect(share((s) => s.channel === "store")).toBeGreaterThan(0.3);
    expect(share((s) => s.channel === "online")).toBeGreaterThan(0.25);
    expect(share((s) => s.channel === "phone")).toBeLessThan(0.15);
    expect(share((s) => s.discount > 0)).toBeGreaterThan(0.03);
    expect(share((s) => s.quantity === 1)).toBeGreaterThan(0.7);
    expect(sales.filter((s) => s.channel === "online" && s.store_id !== "ST-900")).toEqual([]);
    expect(
      sales.filter(
        (s) => s.channel === "store" && (s.store_id === "ST-900" || s.payment_method === "invoice"),
      ),
    ).toEqual([]);
    // Stores sell in opening hours (UTC, Central European shop).
    const storeHours = sales.filter((s) => s.channel === "store").map((s) => Number(s.sold_at.slice(11, 13)));
    expect(Math.min(...storeHours)).toBeGreaterThanOrEqual(7);
    expect(Math.max(...storeHours)).toBeLessThanOrEqual(19);
    // A product keeps one list price.
    const prices = new Map<string, Set<number>>();
    for (const s of sales)
      prices.set(s.product_id, (prices.get(s.product_id) ?? new Set()).add(s.unit_price));
    expect([...prices.values()].filter((set) => set.size > 1)).toEqual([]);
  });

  it("sells more in the winter peak than in early summer, and more on Saturdays than on Mondays", async () => {
    const count = async (date: string) =>
      (await collect(generateSales({ seed: 42, date, scale: "small" }))).length;
    expect(await count("2026-12-12")).toBeGreaterThan(1.5 * (await count("2026-06-13")));
    expect(await count("2026-10-17")).toBeGreaterThan(await count("2026-10-12"));
  });

  it("spreads customers unequally over the five regions", () => {
    const population = new CustomerPopulation(42, "medium");
    const counts = new Map<string, number>();
    for (let i = 0; i < population.size; i += 3) {
      const region = population.customer(i).region;
      counts.set(region, (counts.get(region) ?? 0) + 1);
    }
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const share = (region: string) => (counts.get(region) ?? 0) / total;
    expect(counts.size).toBe(5);
    expect(share("South")).toBeGreaterThan(share("West"));
    expect(share("West")).toBeGreaterThan(share("North"));
    expect(share("East")).toBeLessThan(0.16);
    expect(share("South")).toBeGreaterThan(0.23);
  });

  it("refuses bad options with ConfigError", async () => {
    await expect(collect(generateSales({ seed: 1, date: "2026-13-01", scale: "small" }))).rejects.toThrow(
      ConfigError,
    );
    await expect(collect(generateSales({ seed: 1.5, date: DATE, scale: "small" }))).rejects.toThrow(/seed/);
    await expect(collect(generateSales({ seed: 1, date: DATE, scale: 0 }))).rejects.toThrow(/scale/);
  });
});
