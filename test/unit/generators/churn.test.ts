import { beforeAll, describe, expect, it } from "vitest";
import { parseBatchDate } from "../../../generators/calendar.ts";
import { generateClickstream } from "../../../generators/clickstream.ts";
import { CustomerPopulation } from "../../../generators/customers.ts";
import { generateSales } from "../../../generators/sales.ts";
import { type ChurnTruth, churnTruth } from "../../../generators/truth.ts";
import { dates, items } from "./collect.ts";

// The oracle is planted: these tests check that a model could learn it from the sales and clicks.
const SEED = 42;
const CUT = "2026-10-01";
const WINDOW = dates("2026-10-02", 30);
const LAST = "2026-10-31";

describe("planted churn", () => {
  let truth: Map<string, ChurnTruth>;
  /** Sale lines per customer in the 30 days after the cut-off. */
  const purchases = new Map<string, number>();
  /** Sale lines on or after the customer's churn date: must stay empty. */
  const afterChurn: string[] = [];
  /** Sale lines in the days before churning, for customers who churn inside the window. */
  const beforeChurn = new Map<string, number>();

  beforeAll(async () => {
    truth = new Map(
      (await items(churnTruth({ seed: SEED, date: CUT, scale: "small", horizonDays: 30 }))).map((t) => [
        t.customer_id,
        t,
      ]),
    );
    for (const date of WINDOW) {
      for await (const page of generateSales({ seed: SEED, date, scale: "small" })) {
        for (const sale of page) {
          purchases.set(sale.customer_id, (purchases.get(sale.customer_id) ?? 0) + 1);
          const churnDate = truth.get(sale.customer_id)?.churn_date ?? null;
          if (churnDate !== null && date >= churnDate)
            afterChurn.push(`${sale.sale_id} by ${sale.customer_id} churned ${churnDate}`);
          if (churnDate !== null && churnDate <= LAST) {
            beforeChurn.set(sale.customer_id, (beforeChurn.get(sale.customer_id) ?? 0) + 1);
          }
        }
      }
    }
  });

  const activeAtCut = () => [...truth.values()].filter((t) => t.churn_date === null || t.churn_date > CUT);

  it("spreads propensity realistically: most customers low, a minority high", () => {
    const propensities = [...truth.values()].map((t) => t.churn_propensity).sort((a, b) => a - b);
    const quantile = (q: number) => propensities[Math.floor(q * (propensities.length - 1))] ?? 0;
    expect(propensities.every((p) => p > 0 && p < 1)).toBe(true);
    expect(quantile(0.5)).toBeLessThan(0.1);
    expect(quantile(0.95)).toBeGreaterThan(0.2);
    expect(propensities.filter((p) => p > 0.3).length / propensities.length).toBeLessThan(0.1);
  });

  it("makes churned customers buy nothing from their churn date on", () => {
    expect(afterChurn).toEqual([]);
    // ...and there were customers to check: they bought in the window until they churned.
    expect(beforeChurn.size).toBeGreaterThan(10);
  });

  it("lets high-propensity customers buy less in the 30 days after the cut-off than low-propensity ones", () => {
    const active = activeAtCut().sort((a, b) => a.churn_propensity - b.churn_propensity);
    const mean = (list: ChurnTruth[]) =>
      list.reduce((sum, t) => sum + (purchases.get(t.customer_id) ?? 0), 0) / list.length;
    const low = mean(active.slice(0, Math.floor(active.length / 2)));
    const high = mean(active.slice(Math.floor(active.length * 0.9)));
    expect(high).toBeLessThan(0.6 * low);
  });

  it("churns active customers within 30 days at the planted rate, higher propensity first", () => {
    const active = activeAtCut();
    expect(active.length).toBeGreaterThan(1_000);
    const churned = active.filter((t) => t.churned_within_horizon);
    const meanPropensity = active.reduce((sum, t) => sum + t.churn_propensity, 0) / active.length;
    expect(Math.abs(churned.length / active.length - meanPropensity)).toBeLessThan(0.025);
    // The oracle ranks churners above stayers (area under the ROC curve well above chance).
    const stayers = active.filter((t) => !t.churned_within_horizon);
    let wins = 0;
    for (const c of churned) for (const s of stayers) wins += c.churn_propensity > s.churn_propensity ? 1 : 0;
    expect(wins / (churned.length * stayers.length)).toBeGreaterThan(0.65);
    expect(WINDOW.at(-1)).toBe(LAST);
    for (const t of active) {
      const within = t.churn_date !== null && t.churn_date <= LAST;
      expect(t.churned_within_horizon).toBe(within);
    }
  });

  it("fades purchases over the weeks before the churn date", () => {
    const population = new CustomerPopulation(SEED, "small");
    const cut = parseBatchDate(CUT);
    // Sale lines per day per unit of base rate: churners in their last days versus customers who stay.
    let churnerLines = 0;
    let churnerExposure = 0;
    let stayerLines = 0;
    let stayerExposure = 0;
    for (let index = 0; index < population.size; index++) {
      const customer = population.customer(index);
      if (customer.signupDay > cut - 60 || (customer.churnDay !== null && customer.churnDay <= cut + 1))
        continue;
      const lines = purchases.get(customer.customerId) ?? 0;
      if (customer.churnDay !== null && customer.churnDay <= cut + 30) {
        churnerLines += lines;
        churnerExposure += customer.purchaseRate * (customer.churnDay - cut - 1);
      } else if (customer.churnDay === null || customer.churnDay > cut + 120) {
        stayerLines += lines;
        stayerExposure += customer.purchaseRate * 30;
      }
    }
    expect(churnerExposure).toBeGreaterThan(0);
    expect(churnerLines / churnerExposure).toBeLessThan(0.8 * (stayerLines / stayerExposure));
  });

  it("leaves churned customers almost no clicks", async () => {
    const population = new CustomerPopulation(SEED, "small");
    const day = "2026-10-15";
    const status = new Map<string, "active" | "churned">();
    for (let index = 0; index < population.size; index++) {
      const presence = population.presence(index, parseBatchDate(day));
      if (presence !== "not-yet") status.set(population.customer(index).customerId, presence);
    }
    const clicks = { active: 0, churned: 0 };
    for await (const page of generateClickstream({ seed: SEED, date: day, scale: "small" })) {
      for (const event of page) {
        const who = event.customer_id === null ? undefined : status.get(event.customer_id);
        if (who) clicks[who]++;
      }
    }
    const customers = { active: 0, churned: 0 };
    for (const who of status.values()) customers[who]++;
    expect(customers.churned).toBeGreaterThan(100);
    expect(clicks.active / customers.active).toBeGreaterThan(0.5);
    expect(clicks.churned / customers.churned).toBeLessThan(0.1 * (clicks.active / customers.active));
  });
});
