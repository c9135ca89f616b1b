import type { SalesRecord } from "../lib/contracts/records.ts";
import { DayClock } from "./calendar.ts";
import { CALL_CENTRE, CATEGORIES, Catalog, STORES, STORES_BY_REGION, WEB_SHOP } from "./catalog.ts";
import { type Customer, CustomerPopulation, purchaseActivity } from "./customers.ts";
import {
  breathe,
  type GeneratorOptions,
  type GeneratorRun,
  IdSequence,
  Pager,
  resolveRun,
} from "./options.ts";
import { cumulative, hashString, key3, mixKey, Rng } from "./random.ts";
import { salesRowsFor } from "./scale.ts";

/**
 * Daily sales lines. Per customer and day: a Poisson number of baskets on the customer's current rate
 * (traits × churn trajectory × season × weekday × events), each basket with a channel, a time on that
 * channel's daily curve, a store, a payment method and 1 + Poisson(1.2) lines of catalogue products
 * with list prices, quantities and discounts.
 *
 * Fact rows use the keyed xoshiro128** stream of (seed, date, customer), never Faker; only the
 * customer's name and e-mail come from Faker, once per buying customer. Records come out customer by
 * customer and, within a customer, in time order; the same inputs always give the same records.
 */

/** Mean lines per basket: 1 + Poisson(1.2). */
export const LINES_PER_BASKET = 2.2;

type Channel = SalesRecord["channel"];
type Payment = SalesRecord["payment_method"];

// Relative sales by UTC hour for a shop in Central European time.
const HOURS: Record<Channel, readonly number[]> = {
  store: [0, 0, 0, 0, 0, 0, 0, 0.2, 0.6, 0.9, 1.1, 1.3, 1.2, 1.0, 1.0, 1.2, 1.4, 1.4, 1.0, 0.3, 0, 0, 0, 0],
  online: [
    0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.25, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.9, 0.85, 0.85, 0.9, 1.0, 1.2,
    1.45, 1.5, 1.3, 0.95, 0.6,
  ],
  phone: [0, 0, 0, 0, 0, 0, 0, 0.3, 0.9, 1.1, 1.1, 1.0, 0.8, 0.9, 1.0, 1.0, 0.8, 0.5, 0.2, 0, 0, 0, 0, 0],
};
const HOUR_CDF: Record<Channel, Float64Array> = {
  store: cumulative(HOURS.store),
  online: cumulative(HOURS.online),
  phone: cumulative(HOURS.phone),
};

const PAYMENTS: Record<Channel, { methods: readonly Payment[]; cdf: Float64Array }> = {
  store: { methods: ["card", "cash", "gift_card"], cdf: cumulative([0.6, 0.33, 0.07]) },
  online: { methods: ["card", "paypal", "invoice", "gift_card"], cdf: cumulative([0.45, 0.38, 0.12, 0.05]) },
  phone: { methods: ["card", "invoice"], cdf: cumulative([0.55, 0.45]) },
};

const DISCOUNTS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];
const DISCOUNT_CDF = cumulative([0.25, 0.2, 0.2, 0.12, 0.12, 0.07, 0.04]);
/** Units per line: mostly one; small things (socks, candles, gift cards) often several. */
const QUANTITY_SINGLE = cumulative(Array.from({ length: 12 }, (_, k) => 0.93 * 0.07 ** k));
const QUANTITY_MULTI = cumulative(Array.from({ length: 12 }, (_, k) => 0.7 * 0.3 ** k));
const MULTI_UNIT = new Set((["accessories", "home", "gifts"] as const).map((c) => CATEGORIES.indexOf(c)));
const FAVOURITE_SHARE = 0.3;

interface Basket {
  channel: Channel;
  ms: number;
}

/** Everything one day of sales needs, computed once per run. */
class SalesDay {
  readonly run: GeneratorRun;
  readonly population: CustomerPopulation;
  readonly catalog: Catalog;
  readonly clock: DayClock;
  readonly categoryDemand: Float64Array;
  /** Baskets per unit of customer rate at full activity, so the day lands near the scale's volume. */
  readonly basketsPerRate: number;
  /** Key of the day's sales streams; each customer's stream is keyed by (this, day, customer). */
  readonly streamKey: number;
  readonly rng = new Rng();

  constructor(run: GeneratorRun) {
    this.run = run;
    this.streamKey = mixKey(run.seedKey, hashString("sales"));
    this.population = new CustomerPopulation(run.seed, run.scale);
    this.catalog = new Catalog(run.seedKey);
    this.clock = new DayClock(run.day);
    this.categoryDemand = this.catalog.categoryDemand(run.profile.month);
    const baskets = salesRowsFor(run.scale) / LINES_PER_BASKET;
    const activity = this.population.volumeActivity(run.day, "purchase");
    this.basketsPerRate = baskets / (this.population.size * activity);
  }

  /** The customer's baskets of the day, in time order. */
  baskets(customer: Customer, activity: number): Basket[] {
    const { rng } = this;
    const { profile } = this.run;
    const mean = customer.purchaseRate * activity * profile.demand * this.basketsPerRate;
    const count = rng.poisson(mean);
    if (count === 0) return [];
    const store = customer.storeShare * profile.storesOpen;
    const phone = customer.phoneShare * (profile.weekday >= 5 ? 0.3 : 1);
    const online = Math.max(0, 1 - customer.storeShare - customer.phoneShare);
    const total = store + phone + online;
    const baskets: Basket[] = [];
    for (let b = 0; b < count; b++) {
      const u = rng.next() * total;
      const channel: Channel = u < store ? "store" : u < store + phone ? "phone" : "online";
      const ms = (rng.pickIndex(HOUR_CDF[channel]) + rng.next()) * 3_600_000;
      baskets.push({ channel, ms });
    }
    return baskets.sort((a, b) => a.ms - b.ms);
  }
}

/** One day of sales lines as pages of records (see the module comment). */
export async function* generateSales(options: GeneratorOptions): AsyncGenerator<SalesRecord[]> {
  const run = resolveRun("sales", options);
  const day = new SalesDay(run);
  const { population, catalog, clock, rng } = day;
  const { profile, batchId } = run;
  const batchDate = profile.date;
  const saleIds = new IdSequence(`S-${run.idStem}-`);
  const pager = new Pager<SalesRecord>(run.pageSize);
  const discountAppetiteBase = profile.discountChance / 1.2;

  for (let index = 0; index < population.size; index++) {
    if (population.presence(index, run.day) !== "active") continue;
    const customer = population.customer(index);
    const activity = purchaseActivity(customer, run.day);
    rng.reseed(key3(day.streamKey, run.day, index));
    const baskets = day.baskets(customer, activity);
    if (baskets.length === 0) continue;
    const { name, email } = population.identity(customer);
    const discountChance = Math.min(0.95, discountAppetiteBase * Math.exp(0.6 * customer.priceSensitivity));

    for (const basket of baskets) {
      let region = customer.region;
      let storeId: string;
      if (basket.channel === "store") {
        const where = rng.next();
        const regionStores = STORES_BY_REGION[customer.regionIndex] ?? [customer.homeStore];
        const storeIndex =
          where < 0.85
            ? customer.homeStore
            : where < 0.95
              ? (regionStores[rng.int(regionStores.length)] ?? customer.homeStore)
              : rng.int(STORES.length);
        const shop = STORES[storeIndex];
        storeId = shop?.id ?? WEB_SHOP;
        region = shop?.region ?? region;
      } else {
        storeId = basket.channel === "online" ? WEB_SHOP : CALL_CENTRE;
      }
      const payments = PAYMENTS[basket.channel];
      const payment = payments.methods[rng.pickIndex(payments.cdf)] ?? "card";
      const soldAt = clock.at(basket.ms);
      const lines = 1 + rng.poisson(1.2);

      for (let line = 0; line < lines; line++) {
        const category = rng.chance(FAVOURITE_SHARE)
          ? customer.favouriteCategory
          : rng.pickIndex(day.categoryDemand);
        const product = catalog.pickProduct(rng, category);
        const quantity = 1 + rng.pickIndex(MULTI_UNIT.has(category) ? QUANTITY_MULTI : QUANTITY_SINGLE);
        let discount = 0;
        if (rng.chance(discountChance)) {
          const depth = (DISCOUNTS[rng.pickIndex(DISCOUNT_CDF)] ?? 0.1) * profile.discountDepth;
          discount = Math.min(0.7, Math.round(depth * 20) / 20);
        }
        const record: SalesRecord = {
          schema_version: "2.0.0",
          sale_id: saleIds.next(),
          batch_id: batchId,
          batch_date: batchDate,
          sold_at: soldAt,
          customer_id: customer.customerId,
          customer_email: email,
          customer_name: name,
          region,
          store_id: storeId,
          channel: basket.channel,
          product_id: catalog.productIds[product] ?? "P-00001",
          product_category: CATEGORIES[category] ?? "gifts",
          quantity,
          unit_price: (catalog.priceCents[product] ?? 0) / 100,
          discount,
          currency: "EUR",
          payment_method: payment,
        };
        const full = pager.push(record);
        if (full) {
          yield full;
          await breathe();
        }
      }
    }
  }
  const rest = pager.rest();
  if (rest) yield rest;
}
