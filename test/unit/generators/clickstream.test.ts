import { beforeAll, describe, expect, it } from "vitest";
import { generateClickstream } from "../../../generators/clickstream.ts";
import { toJsonlParts } from "../../../generators/jsonl.ts";
import type { ClickstreamRecord } from "../../../lib/contracts/records.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { collect } from "./collect.ts";

const DATE = "2026-11-26";

async function bytes(seed: number, date: string): Promise<Buffer> {
  const parts = [];
  const pages = generateClickstream({ seed, date, scale: "small" });
  for await (const part of toJsonlParts(pages, { rowsPerPart: 4_000 })) parts.push(part.body);
  return Buffer.concat(parts);
}

describe("generateClickstream", () => {
  let events: ClickstreamRecord[];
  beforeAll(async () => {
    events = await collect(generateClickstream({ seed: 42, date: DATE, scale: "small" }));
  });

  it("gives the same bytes for the same seed and date, and other bytes for another seed", async () => {
    const first = await bytes(42, DATE);
    expect((await bytes(42, DATE)).equals(first)).toBe(true);
    expect((await bytes(7, DATE)).equals(first)).toBe(false);
  });

  it("lands about twice the sales volume, all of it valid clickstream.v2.0.0", () => {
    expect(events.length).toBeGreaterThan(5_000);
    expect(events.length).toBeLessThan(25_000);
    const contracts = new Contracts();
    const step = Math.max(1, Math.floor(events.length / 1500));
    for (let i = 0; i < events.length; i += step) contracts.record("clickstream", events[i], `click ${i}`);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events.filter((e) => e.event_time.slice(0, 10) !== DATE)).toEqual([]);
  });

  it("mixes anonymous visitors with logged-in customers, and keeps a cookie on one device", () => {
    const anonymous = events.filter((e) => e.customer_id === null).length / events.length;
    expect(anonymous).toBeGreaterThan(0.35);
    expect(anonymous).toBeLessThan(0.8);
    const deviceOfCookie = new Map<string, string>();
    for (const e of events)
      deviceOfCookie.set(e.anonymous_id, deviceOfCookie.get(e.anonymous_id) ?? e.device);
    expect(events.filter((e) => deviceOfCookie.get(e.anonymous_id) !== e.device)).toEqual([]);
    const devices = new Set(events.map((e) => e.device));
    expect(devices).toEqual(new Set(["desktop", "mobile", "tablet"]));
    expect(new Set(events.map((e) => e.country)).size).toBeGreaterThan(5);
  });

  it("runs sessions down a funnel that narrows at every step", () => {
    const sessionsWith = (type: string) =>
      new Set(events.filter((e) => e.event_type === type).map((e) => e.session_id)).size;
    const funnel = ["page_view", "product_view", "add_to_cart", "checkout"].map(sessionsWith);
    const [views = 0, products = 0, carts = 0, checkouts = 0] = funnel;
    expect(products).toBeLessThan(views);
    expect(carts).toBeLessThan(products);
    expect(checkouts).toBeLessThan(carts);
    expect(checkouts).toBeGreaterThan(0);
    // Conversion from visit to checkout between 1 % and 15 %, as shops see.
    expect(checkouts / views).toBeGreaterThan(0.01);
    expect(checkouts / views).toBeLessThan(0.15);
  });

  it("keeps each session on one visitor, one referrer and in time order", () => {
    const bySession = new Map<string, ClickstreamRecord[]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    for (const session of bySession.values()) {
      const [first] = session;
      expect(
        session.every((e) => e.anonymous_id === first?.anonymous_id && e.referrer === first.referrer),
      ).toBe(true);
      expect(session.map((e) => e.event_time)).toEqual(session.map((e) => e.event_time).sort());
      expect(first?.event_type).toBe("page_view");
    }
    const productEvents = events.filter(
      (e) => e.event_type === "product_view" || e.event_type === "add_to_cart",
    );
    expect(productEvents.filter((e) => e.product_id === null || !e.page_url.endsWith(e.product_id))).toEqual(
      [],
    );
  });
});
