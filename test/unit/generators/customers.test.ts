import { describe, expect, it } from "vitest";
import { parseBatchDate } from "../../../generators/calendar.ts";
import { CustomerPopulation, clickActivity, purchaseActivity } from "../../../generators/customers.ts";
import { measureGenerator } from "../../../generators/measure.ts";
import { churnTruth } from "../../../generators/truth.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { ConfigError } from "../../../lib/errors.ts";
import { collect, items } from "./collect.ts";

describe("CustomerPopulation", () => {
  it("derives the same customers from the same seed, other ones from another seed", () => {
    const a = new CustomerPopulation(42, "small");
    const b = new CustomerPopulation(42, "small");
    const c = new CustomerPopulation(43, "small");
    expect(a.customer(123)).toEqual(b.customer(123));
    expect(a.identity(a.customer(123))).toEqual(b.identity(b.customer(123)));
    expect(a.customer(123).churnPropensity).not.toBe(c.customer(123).churnPropensity);
    expect(a.customer(0).customerId).toBe("C-0000001");
    expect(() => a.customer(a.size)).toThrow(RangeError);
  });

  it("keeps about the scale's number of customers active around 2026", () => {
    const population = new CustomerPopulation(42, "small");
    const day = parseBatchDate("2026-11-26");
    let active = 0;
    for (let i = 0; i < population.size; i++) if (population.presence(i, day) === "active") active++;
    expect(active).toBeGreaterThan(1_200);
    expect(active).toBeLessThan(3_000);
  });

  it("lists profiles with valid e-mails and dates", async () => {
    const contracts = new Contracts();
    const profiles = await collect(new CustomerPopulation(42, "small").profiles());
    expect(profiles).toHaveLength(6_000);
    // E-mails from Faker in eight locales must satisfy the schema's e-mail format.
    for (const profile of profiles.slice(0, 2_000)) {
      expect(
        contracts.problems("records/sales.v2.0.0.json#/properties/customer_email", profile.email),
      ).toEqual([]);
    }
    expect(profiles.filter((p) => p.churn_date !== null && p.churn_date <= p.signup_date)).toEqual([]);
    expect(new Set(profiles.map((p) => p.segment))).toEqual(
      new Set(["premium", "regular", "bargain", "occasional"]),
    );
  });

  it("follows the churn trajectory: full activity, a fade over 60 days, then nothing but stray clicks", () => {
    const population = new CustomerPopulation(42, "small");
    let churner = population.customer(0);
    for (let i = 1; churner.churnDay === null || churner.churnDay - churner.signupDay < 200; i++) {
      churner = population.customer(i);
    }
    const churnDay = churner.churnDay ?? 0;
    expect(purchaseActivity(churner, churner.signupDay - 1)).toBe(0);
    expect(purchaseActivity(churner, churnDay - 90)).toBe(1);
    expect(purchaseActivity(churner, churnDay - 30)).toBeLessThan(1);
    expect(purchaseActivity(churner, churnDay - 1)).toBeLessThan(purchaseActivity(churner, churnDay - 30));
    expect(purchaseActivity(churner, churnDay)).toBe(0);
    expect(clickActivity(churner, churnDay + 10)).toBeGreaterThan(0);
    expect(clickActivity(churner, churnDay + 10)).toBeLessThan(0.05);
  });
});

describe("churnTruth", () => {
  it("lists customers signed up by the date, with their planted propensity", async () => {
    const truth = await items(churnTruth({ seed: 42, date: "2026-11-26", scale: "small", horizonDays: 30 }));
    expect(truth.length).toBeGreaterThan(2_000);
    expect(truth.length).toBeLessThan(6_000);
    expect(Object.keys(truth[0] ?? {})).toEqual([
      "customer_id",
      "churn_propensity",
      "churn_date",
      "churned_within_horizon",
    ]);
    expect(truth.filter((t) => t.churned_within_horizon).length).toBeGreaterThan(20);
  });

  it("refuses a horizon that is not a positive whole number of days", async () => {
    await expect(
      items(churnTruth({ seed: 1, date: "2026-11-26", scale: "small", horizonDays: 0 })),
    ).rejects.toThrow(ConfigError);
  });
});

describe("measureGenerator", () => {
  it("counts the rows a generator produces", async () => {
    const measured = await measureGenerator("startups", { seed: 42, date: "2026-11-23", scale: "small" });
    const { generateStartups } = await import("../../../generators/startups.ts");
    const rows = (await collect(generateStartups({ seed: 42, date: "2026-11-23", scale: "small" }))).length;
    expect(measured.rows).toBe(rows);
    expect(measured.rowsPerSecond).toBeGreaterThan(0);
  });
});
