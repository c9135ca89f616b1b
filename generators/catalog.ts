import type { SalesRecord } from "../lib/contracts/records.ts";
import { AliasTable, cumulative, hashString, key3, Rng } from "./random.ts";

/**
 * The shop's stable world: products with list prices and popularity, and stores by region. It depends
 * on the seed only, so a product keeps its category and price on every day.
 */

export type Region = SalesRecord["region"];
export type Category = SalesRecord["product_category"];

export const REGIONS: readonly Region[] = ["North", "South", "East", "West", "Central"];
/** Unequal shares of customers per region. */
export const REGION_WEIGHTS: readonly number[] = [0.17, 0.27, 0.13, 0.25, 0.18];

export const CATEGORIES: readonly Category[] = [
  "outerwear",
  "knitwear",
  "footwear",
  "accessories",
  "ski",
  "home",
  "gifts",
];

/** Median list price (EUR) and log-space spread per category. */
const PRICE: Record<Category, { median: number; sigma: number }> = {
  outerwear: { median: 129, sigma: 0.45 },
  knitwear: { median: 59, sigma: 0.4 },
  footwear: { median: 89, sigma: 0.35 },
  accessories: { median: 24, sigma: 0.55 },
  ski: { median: 249, sigma: 0.6 },
  home: { median: 34, sigma: 0.6 },
  gifts: { median: 19, sigma: 0.5 },
};

/** Share of the assortment per category (same order as CATEGORIES). */
const ASSORTMENT = [0.16, 0.18, 0.13, 0.22, 0.09, 0.12, 0.1];
/** Share of sale lines per category on an average day. */
const DEMAND = [0.16, 0.2, 0.12, 0.22, 0.08, 0.12, 0.1];
/** Seasonal tilt of each category by month (January first). */
const TILT: Record<Category, readonly number[]> = {
  outerwear: [1.4, 1.1, 0.9, 0.7, 0.5, 0.5, 0.5, 0.6, 0.9, 1.3, 1.4, 1.3],
  knitwear: [1.3, 1.2, 0.9, 0.7, 0.5, 0.5, 0.5, 0.6, 0.9, 1.2, 1.3, 1.3],
  footwear: [1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0],
  accessories: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2],
  ski: [1.8, 1.7, 1.2, 0.6, 0.3, 0.3, 0.3, 0.3, 0.5, 1.0, 1.6, 1.8],
  home: [0.9, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3],
  gifts: [0.6, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.4, 2.6],
};

export const PRODUCT_COUNT = 3000;

/** Physical stores per region (same order as REGIONS); ids ST-001… are given out region by region. */
const STORES_PER_REGION = [6, 9, 5, 9, 7];
export const WEB_SHOP = "ST-900";
export const CALL_CENTRE = "ST-950";

export interface Store {
  id: string;
  region: Region;
  regionIndex: number;
}

/** Every physical store, in id order. */
export const STORES: readonly Store[] = STORES_PER_REGION.flatMap((count, regionIndex) =>
  Array.from({ length: count }, () => regionIndex),
).map((regionIndex, i) => ({
  id: `ST-${String(i + 1).padStart(3, "0")}`,
  region: REGIONS[regionIndex] ?? "Central",
  regionIndex,
}));

/** Indices into STORES of each region's stores. */
export const STORES_BY_REGION: readonly (readonly number[])[] = REGIONS.map((_, r) =>
  STORES.flatMap((store, i) => (store.regionIndex === r ? [i] : [])),
);

/** A list price that looks like one: 7.49, 59.99, 129.95, 249.00. */
function listPriceCents(raw: number, rng: Rng): number {
  if (raw < 10) return Math.max(1, Math.round(raw)) * 100 - (rng.chance(0.5) ? 1 : 51);
  if (raw < 100) return Math.round(raw) * 100 - (rng.chance(0.8) ? 1 : 5);
  const rounded = Math.max(2, Math.round(raw / 5)) * 500;
  const ending = rng.next();
  return ending < 0.6 ? rounded - 1 : ending < 0.9 ? rounded - 5 : rounded;
}

export class Catalog {
  /** `P-00001`… */
  readonly productIds: readonly string[];
  /** `/p/P-00001`… */
  readonly productUrls: readonly string[];
  readonly categoryOf: Uint8Array;
  /** List price per product, in cents. */
  readonly priceCents: Int32Array;
  /** Products of each category, most popular first. */
  readonly #byCategory: Int32Array[];
  /** Zipf-like popularity within each category. */
  readonly #popularity: AliasTable[];
  /** Cumulative category demand for each month. */
  readonly #categoryDemand: Float64Array[];

  constructor(seedKey: number) {
    const rng = new Rng();
    const purpose = hashString("catalog");
    const assortment = cumulative(ASSORTMENT);
    const ids: string[] = [];
    this.categoryOf = new Uint8Array(PRODUCT_COUNT);
    this.priceCents = new Int32Array(PRODUCT_COUNT);
    const members: number[][] = CATEGORIES.map(() => []);
    for (let p = 0; p < PRODUCT_COUNT; p++) {
      rng.reseed(key3(seedKey, purpose, p));
      const category = rng.pickIndex(assortment);
      const { median, sigma } = PRICE[CATEGORIES[category] ?? "gifts"];
      ids.push(`P-${String(p + 1).padStart(5, "0")}`);
      this.categoryOf[p] = category;
      this.priceCents[p] = listPriceCents(rng.logNormal(median, sigma), rng);
      members[category]?.push(p);
    }
    this.productIds = ids;
    this.productUrls = ids.map((id) => `/p/${id}`);
    // Popularity rank is a seeded shuffle of each category, so best sellers are not simply low ids.
    rng.reseed(key3(seedKey, purpose, -1));
    this.#byCategory = members.map((list) => {
      for (let i = list.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [list[i], list[j]] = [list[j] ?? 0, list[i] ?? 0];
      }
      return Int32Array.from(list);
    });
    this.#popularity = this.#byCategory.map(
      (list) => new AliasTable(Array.from(list, (_, rank) => 1 / (rank + 2) ** 0.9)),
    );
    this.#categoryDemand = Array.from({ length: 12 }, (_, month) =>
      cumulative(CATEGORIES.map((category, c) => (DEMAND[c] ?? 0) * (TILT[category][month] ?? 1))),
    );
  }

  /** Cumulative category weights of a month (0 = January), for Rng.pickIndex. */
  categoryDemand(month: number): Float64Array {
    const demand = this.#categoryDemand[month];
    if (!demand) throw new RangeError(`month ${month} is not 0..11`);
    return demand;
  }

  /** A product of the category, drawn by popularity. */
  pickProduct(rng: Rng, category: number): number {
    const list = this.#byCategory[category];
    const popularity = this.#popularity[category];
    if (!list || !popularity || list.length === 0)
      throw new RangeError(`category ${category} has no products`);
    return list[popularity.pick(rng)] ?? 0;
  }
}
