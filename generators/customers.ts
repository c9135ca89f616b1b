import { assertSeed } from "./batch-id.ts";
import { formatDay, parseBatchDate } from "./calendar.ts";
import {
  CATEGORIES,
  type Category,
  REGION_WEIGHTS,
  REGIONS,
  type Region,
  STORES_BY_REGION,
} from "./catalog.ts";
import { type PersonName, PersonNames } from "./people.ts";
import { cumulative, hashString, key3, mixKey, Rng, seedKey } from "./random.ts";
import { populationFor, type Scale } from "./scale.ts";

/**
 * The customer population: who the customers are, how they behave, and the planted churn truth.
 *
 * Every customer is derived from (seed, index) alone, so the population is never held in memory:
 * generators walk it index by index, and any one customer can be looked up directly.
 *
 * The churn model (the oracle the platform's model is measured against):
 * - Three latent traits, standard normal: engagement, price sensitivity, satisfaction.
 * - Churn propensity p = sigmoid(-2.9 - 0.9·engagement + 0.5·price sensitivity - 0.6·satisfaction):
 *   the median customer sits near 0.05, one in ten above 0.2, one in a hundred above 0.45. p is the
 *   probability that an active customer churns within the next {@link PROPENSITY_HORIZON_DAYS} days,
 *   the same horizon as the truth file's `churned_within_horizon` at 30 days.
 * - Churn is a constant hazard λ = -ln(1 - p) / 30 per day from signup (memoryless, so p means the
 *   same on any date), and the churn date is signup + Exp(λ); a customer whose draw lies beyond
 *   {@link NEVER_CHURN_AFTER_DAYS} never churns. Active customers churn at about 5 % a month.
 * - Over the {@link DECLINE_DAYS} days before the churn date, purchases and clicks fade, the deeper
 *   the higher p; from the churn date on there are no purchases and almost no clicks.
 * - Observable footprints: engagement drives purchase frequency and clicks, price sensitivity drives
 *   discount use and smaller baskets; satisfaction is hidden. A model can therefore learn much, but
 *   not all, of p from recency, frequency, monetary and click features.
 */

export const PROPENSITY_HORIZON_DAYS = 30;
export const DECLINE_DAYS = 60;
export const NEVER_CHURN_AFTER_DAYS = 3650;
/** Share of normal click activity that remains after churning (stray visits, old bookmarks). */
export const CLICKS_AFTER_CHURN = 0.02;

/**
 * Customers sign up from 2023 through 2027, more of them each year (30 % yearly growth). At any date
 * the population holds customers not yet signed up and lapsed ones; around 2026-2027 about a third
 * of it is active.
 */
const SIGNUP_FIRST_DAY = parseBatchDate("2023-01-01");
const SIGNUP_SPAN_DAYS = parseBatchDate("2028-01-01") - SIGNUP_FIRST_DAY;
const SIGNUP_GROWTH_PER_DAY = Math.log(1.3) / 365;
const SIGNUP_GROWTH = Math.exp(SIGNUP_GROWTH_PER_DAY * SIGNUP_SPAN_DAYS) - 1;

export type Segment = "premium" | "regular" | "bargain" | "occasional";
export type Device = "desktop" | "mobile" | "tablet";
export const DEVICES: readonly Device[] = ["desktop", "mobile", "tablet"];

/** Countries of customers (ISO 3166-1 alpha-2) and their weights; names come in the matching Faker locale. */
export const CUSTOMER_COUNTRIES: readonly { code: string; weight: number }[] = [
  { code: "DE", weight: 0.78 },
  { code: "AT", weight: 0.09 },
  { code: "CH", weight: 0.05 },
  { code: "NL", weight: 0.03 },
  { code: "FR", weight: 0.02 },
  { code: "IT", weight: 0.015 },
  { code: "PL", weight: 0.01 },
  { code: "DK", weight: 0.005 },
];

export interface Customer {
  /** Position in the population, 0-based. */
  readonly index: number;
  /** `C-0000001`… */
  readonly customerId: string;
  readonly region: Region;
  readonly regionIndex: number;
  /** ISO country code of the customer's address. */
  readonly country: string;
  readonly signupDay: number;
  readonly segment: Segment;
  readonly engagement: number;
  readonly priceSensitivity: number;
  readonly satisfaction: number;
  /** Planted probability of churning within 30 days while active, in (0, 1). */
  readonly churnPropensity: number;
  /** First day without purchases, or null if the customer never churns. */
  readonly churnDay: number | null;
  /** How far purchases and clicks fall by the churn date (0..0.95). */
  readonly declineDepth: number;
  /** Expected baskets per day relative to the population mean (before calendar and volume). */
  readonly purchaseRate: number;
  /** Expected web sessions per day relative to the population mean. */
  readonly clickRate: number;
  /** Share of baskets bought in a store and by phone; the rest online. */
  readonly storeShare: number;
  readonly phoneShare: number;
  /** Index into STORES of the store the customer usually visits. */
  readonly homeStore: number;
  readonly favouriteCategory: number;
  /** Devices the customer browses with, primary first (one cookie each). */
  readonly devices: readonly Device[];
}

/** A customer as the population file and tests see it, with PII. */
export interface CustomerProfile {
  customer_id: string;
  name: string;
  email: string;
  region: Region;
  country: string;
  signup_date: string;
  segment: Segment;
  base_purchase_rate: number;
  churn_propensity: number;
  churn_date: string | null;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

const REGION_CDF = cumulative(REGION_WEIGHTS);
const COUNTRY_CDF = cumulative(CUSTOMER_COUNTRIES.map((c) => c.weight));
const DEVICE_CDF = cumulative([0.45, 0.45, 0.1]);
const PREMIUM_FAVOURITES: readonly Category[] = ["outerwear", "ski", "footwear", "knitwear"];
const BARGAIN_FAVOURITES: readonly Category[] = ["accessories", "home", "gifts", "knitwear"];

// E[exp(X)] of the log-normal rate models, to bring their population means to 1.
const PURCHASE_RATE_MEAN = Math.exp((0.5 ** 2 + 0.15 ** 2 + 0.35 ** 2) / 2);
const CLICK_RATE_MEAN = Math.exp((0.8 ** 2 + 0.4 ** 2) / 2);

/** Around 2026 the population's mean activity is 0.35-0.45; below this the shop is "smaller then". */
const MIN_VOLUME_ACTIVITY = 0.15;
/** Sample size used to estimate the population's activity on a day (the whole population if smaller). */
const ACTIVITY_SAMPLE = 2048;

export class CustomerPopulation {
  readonly seed: number;
  readonly size: number;
  readonly #seedKey: number;
  readonly #purpose = hashString("customer");
  readonly #rng = new Rng();
  readonly #scratch = {
    engagement: 0,
    priceSensitivity: 0,
    satisfaction: 0,
    churnPropensity: 0,
    signupDay: 0,
    churnDay: null as number | null,
  };
  /** Index whose core draws are in #scratch with the stream right after them, or -1. */
  #coreOf = -1;
  #names: PersonNames | undefined;

  constructor(seed: number, scale: Scale) {
    assertSeed(seed);
    this.seed = seed;
    this.size = populationFor(scale);
    this.#seedKey = seedKey(seed);
  }

  /** Draws the traits, propensity and life span of `index`, leaving the stream ready for the rest. */
  #core(index: number): void {
    // presence() followed by customer() for the same index, the generators' pattern, draws once.
    if (this.#coreOf === index) return;
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`customer index ${index} is outside the population of ${this.size}`);
    }
    this.#coreOf = index;
    const rng = this.#rng.reseed(key3(this.#seedKey, this.#purpose, index));
    const core = this.#scratch;
    core.engagement = rng.normal();
    core.priceSensitivity = rng.normal();
    core.satisfaction = rng.normal();
    core.churnPropensity = Math.min(
      0.98,
      Math.max(
        0.001,
        sigmoid(-2.9 - 0.9 * core.engagement + 0.5 * core.priceSensitivity - 0.6 * core.satisfaction),
      ),
    );
    // Inverse of the exponential-growth signup distribution over the window.
    core.signupDay =
      SIGNUP_FIRST_DAY + Math.floor(Math.log(1 + rng.next() * SIGNUP_GROWTH) / SIGNUP_GROWTH_PER_DAY);
    const hazard = -Math.log(1 - core.churnPropensity) / PROPENSITY_HORIZON_DAYS;
    const lifetime = rng.exponential(1 / hazard);
    core.churnDay = lifetime > NEVER_CHURN_AFTER_DAYS ? null : core.signupDay + 1 + Math.floor(lifetime);
  }

  /**
   * Where customer `index` stands on `day`, without building the whole customer: generators skip
   * customers not yet signed up (and, for sales, churned ones) at a fraction of the cost.
   */
  presence(index: number, day: number): "not-yet" | "active" | "churned" {
    this.#core(index);
    const { signupDay, churnDay } = this.#scratch;
    if (day < signupDay) return "not-yet";
    return churnDay !== null && day >= churnDay ? "churned" : "active";
  }

  /** The customer at `index` (0-based). */
  customer(index: number): Customer {
    this.#core(index);
    // The rest of the stream is drawn now: a later call must start over.
    this.#coreOf = -1;
    const rng = this.#rng;
    const { engagement, priceSensitivity, satisfaction, churnPropensity, signupDay, churnDay } =
      this.#scratch;
    const regionIndex = rng.pickIndex(REGION_CDF);
    const countryIndex = rng.pickIndex(COUNTRY_CDF);
    const segment: Segment =
      priceSensitivity > 0.9
        ? "bargain"
        : engagement < -0.8
          ? "occasional"
          : priceSensitivity < -0.5 && engagement > 0.3
            ? "premium"
            : "regular";
    const purchaseRate =
      Math.exp(0.5 * engagement - 0.15 * priceSensitivity + 0.35 * rng.normal()) / PURCHASE_RATE_MEAN;
    const clickRate = Math.exp(0.8 * engagement + 0.4 * rng.normal()) / CLICK_RATE_MEAN;
    const country = CUSTOMER_COUNTRIES[countryIndex]?.code ?? "DE";
    // Customers abroad order online; engaged ones more often than the rest.
    const abroad = country !== "DE" && country !== "AT" && country !== "CH";
    const online = sigmoid(-0.5 + 0.6 * engagement + 0.6 * rng.normal() + (abroad ? 3 : 0));
    const phoneShare = Math.min(0.3, 0.05 * Math.exp(0.6 * rng.normal()));
    const storeShare = Math.max(0, 1 - online - phoneShare);
    const regionStores = STORES_BY_REGION[regionIndex] ?? [0];
    const homeStore = regionStores[rng.int(regionStores.length)] ?? 0;
    const favourites =
      segment === "premium" ? PREMIUM_FAVOURITES : segment === "bargain" ? BARGAIN_FAVOURITES : CATEGORIES;
    const favouriteCategory = CATEGORIES.indexOf(rng.pick(favourites));
    const primary = DEVICES[rng.pickIndex(DEVICE_CDF)] ?? "desktop";
    const devices: Device[] = [primary];
    if (rng.chance(0.5)) devices.push(primary === "mobile" ? "desktop" : "mobile");
    if (rng.chance(0.15)) devices.push(primary === "tablet" ? "desktop" : "tablet");
    return {
      index,
      customerId: `C-${String(index + 1).padStart(7, "0")}`,
      region: REGIONS[regionIndex] ?? "Central",
      regionIndex,
      country,
      signupDay,
      segment,
      engagement,
      priceSensitivity,
      satisfaction,
      churnPropensity,
      churnDay,
      declineDepth: Math.min(0.95, 0.35 + 0.6 * churnPropensity),
      purchaseRate,
      clickRate,
      storeShare,
      phoneShare,
      homeStore,
      favouriteCategory,
      devices,
    };
  }

  /** Name and e-mail (Faker, seeded by the customer, so stable across days). */
  identity(customer: Customer): PersonName {
    this.#names ??= new PersonNames();
    return this.#names.person(
      customer.country,
      mixKey(key3(this.#seedKey, this.#purpose, customer.index), 0x1d),
    );
  }

  /**
   * Mean of `rate × activity` over the population on `day`, estimated on an evenly spaced sample and
   * never below {@link MIN_VOLUME_ACTIVITY}. The generators divide their daily volume by it, so that a
   * scale gives about the same number of rows on any day as customers sign up and churn; long before
   * the signup window fills up the shop simply sells less, rather than a handful of customers buying
   * everything.
   */
  volumeActivity(day: number, kind: "purchase" | "click"): number {
    const sample = Math.min(this.size, ACTIVITY_SAMPLE);
    let total = 0;
    for (let k = 0; k < sample; k++) {
      const customer = this.customer(Math.floor((k * this.size) / sample));
      total +=
        kind === "purchase"
          ? customer.purchaseRate * purchaseActivity(customer, day)
          : customer.clickRate * clickActivity(customer, day);
    }
    return Math.max(MIN_VOLUME_ACTIVITY, total / sample);
  }

  /** Every customer with name and e-mail, in pages. */
  async *profiles(pageSize = 5000): AsyncGenerator<CustomerProfile[]> {
    let page: CustomerProfile[] = [];
    for (let i = 0; i < this.size; i++) {
      const customer = this.customer(i);
      const { name, email } = this.identity(customer);
      page.push({
        customer_id: customer.customerId,
        name,
        email,
        region: customer.region,
        country: customer.country,
        signup_date: formatDay(customer.signupDay),
        segment: customer.segment,
        base_purchase_rate: round(customer.purchaseRate, 4),
        churn_propensity: round(customer.churnPropensity, 6),
        churn_date: customer.churnDay === null ? null : formatDay(customer.churnDay),
      });
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Multiplier of a customer's purchases on `day`: 0 before signup and from the churn date on. */
export function purchaseActivity(customer: Customer, day: number): number {
  if (day < customer.signupDay) return 0;
  const churnDay = customer.churnDay;
  if (churnDay === null) return 1;
  const left = churnDay - day;
  if (left <= 0) return 0;
  if (left >= DECLINE_DAYS) return 1;
  return 1 - customer.declineDepth * (1 - left / DECLINE_DAYS);
}

/** Multiplier of a customer's web sessions on `day`: like purchases, but a trickle after churning. */
export function clickActivity(customer: Customer, day: number): number {
  if (day < customer.signupDay) return 0;
  if (customer.churnDay !== null && day >= customer.churnDay) return CLICKS_AFTER_CHURN;
  return purchaseActivity(customer, day);
}
