import type { ClickstreamRecord } from "../lib/contracts/records.ts";
import { DayClock } from "./calendar.ts";
import { CATEGORIES, Catalog } from "./catalog.ts";
import { type Customer, CustomerPopulation, clickActivity, DEVICES, type Device } from "./customers.ts";
import {
  breathe,
  type GeneratorOptions,
  type GeneratorRun,
  IdSequence,
  Pager,
  resolveRun,
} from "./options.ts";
import { cumulative, hashString, key3, mixKey, Rng } from "./random.ts";
import { anonymousVisitorsFor, clickEventsFor } from "./scale.ts";
import {
  BROWSING_HOURS,
  CUSTOMER_REFERRERS,
  ipv4,
  REFERRERS,
  type Referrer,
  searchUrl,
  TRAVEL_COUNTRIES,
  userAgent,
  VISITOR_REFERRERS,
  visitorCountry,
} from "./web.ts";

/**
 * Daily web sessions. Logged-in customers browse on their churn trajectory (sessions fade before the
 * churn date and almost stop after it), sometimes logged out on the same cookie; anonymous visitors
 * come from a stable pool of cookies, most of them rarely. Every session runs down the funnel
 * page_view → product_view → add_to_cart → checkout, each step reached by fewer sessions.
 *
 * Records come out customer by customer, then visitor by visitor, each session in time order.
 */

/** Share of the day's events from customers' sessions (logged in or not); the rest are anonymous. */
const CUSTOMER_EVENT_SHARE = 0.45;
/** Mean events per session, measured on the funnel below; used to size the day. */
export const EVENTS_PER_CUSTOMER_SESSION = 6.1;
export const EVENTS_PER_VISITOR_SESSION = 3.75;
/** Share of a customer's sessions in which they are logged in. */
const LOGGED_IN = 0.88;
const ABROAD = 0.03;

interface Funnel {
  viewChance: number;
  meanViews: number;
  cartChance: number;
  checkoutChance: number;
}
const CUSTOMER_FUNNEL: Funnel = { viewChance: 0.85, meanViews: 2.5, cartChance: 0.3, checkoutChance: 0.55 };
const VISITOR_FUNNEL: Funnel = { viewChance: 0.7, meanViews: 1.6, cartChance: 0.12, checkoutChance: 0.35 };

/** Who is behind a session. */
interface Browser {
  customerId: string | null;
  anonymousId: string;
  device: Device;
  userAgent: string;
  ip: string;
  country: string;
  referrers: Float64Array;
  funnel: Funnel;
  engagement: number;
}

type EventType = ClickstreamRecord["event_type"];

interface Session {
  id: string;
  browser: Browser;
  referrer: Referrer;
  /** Time of the next event, milliseconds after midnight. */
  ms: number;
}

class ClickDay {
  readonly run: GeneratorRun;
  readonly population: CustomerPopulation;
  readonly catalog: Catalog;
  readonly clock: DayClock;
  readonly categoryDemand: Float64Array;
  readonly visitors: number;
  readonly demand: number;
  /** Sessions per unit of a customer's click rate at full activity. */
  readonly customerSessionsPerRate: number;
  /** Sessions per unit of a visitor's visit rate. */
  readonly visitorSessionsPerRate: number;
  readonly customerKey: number;
  /** Keys of streams: a visitor's stable attributes, and a visitor's day. */
  readonly visitorKey: number;
  readonly visitorDayKey: number;
  readonly deviceKey: number;
  readonly rng = new Rng();
  readonly attributes = new Rng();
  /** Events of the entity being generated, drained into pages by the generator. */
  readonly out: ClickstreamRecord[] = [];
  readonly #eventIds: IdSequence;
  readonly #batchId: string;
  readonly #batchDate: string;

  constructor(run: GeneratorRun) {
    this.run = run;
    this.population = new CustomerPopulation(run.seed, run.scale);
    this.catalog = new Catalog(run.seedKey);
    this.clock = new DayClock(run.day);
    this.categoryDemand = this.catalog.categoryDemand(run.profile.month);
    this.visitors = anonymousVisitorsFor(run.scale);
    // Browsing swings less with the calendar than buying does.
    this.demand = run.profile.demand ** 0.7;
    const events = clickEventsFor(run.scale);
    const activity = this.population.volumeActivity(run.day, "click");
    this.customerSessionsPerRate =
      (events * CUSTOMER_EVENT_SHARE) / EVENTS_PER_CUSTOMER_SESSION / (this.population.size * activity);
    this.visitorSessionsPerRate =
      (events * (1 - CUSTOMER_EVENT_SHARE)) / EVENTS_PER_VISITOR_SESSION / this.visitors;
    this.customerKey = mixKey(run.seedKey, hashString("clickstream/customer"));
    this.visitorKey = mixKey(run.seedKey, hashString("clickstream/visitor"));
    this.visitorDayKey = mixKey(run.seedKey, hashString("clickstream/visitor-day"));
    this.deviceKey = mixKey(run.seedKey, hashString("clickstream/device"));
    this.#eventIds = new IdSequence(`E-${run.idStem}-`);
    this.#batchId = run.batchId;
    this.#batchDate = run.profile.date;
  }

  /** A customer's sessions of the day. */
  customerSessions(customer: Customer, activity: number): void {
    const { rng, attributes } = this;
    rng.reseed(key3(this.customerKey, this.run.day, customer.index));
    const sessions = rng.poisson(customer.clickRate * activity * this.demand * this.customerSessionsPerRate);
    for (let s = 0; s < sessions; s++) {
      const slot =
        customer.devices.length > 1 && rng.chance(0.3) ? 1 + rng.int(customer.devices.length - 1) : 0;
      const device = customer.devices[slot] ?? "desktop";
      // A device keeps its cookie, browser and home address on every day.
      attributes.reseed(key3(this.deviceKey, customer.index, slot));
      const anonymousId = `A-${attributes.hex32()}${attributes.hex16()}`;
      const agent = userAgent(attributes, device);
      const homeIp = ipv4(attributes);
      this.#session({
        customerId: rng.chance(LOGGED_IN) ? customer.customerId : null,
        anonymousId,
        device,
        userAgent: agent,
        ip: device === "mobile" ? ipv4(rng) : homeIp,
        country: rng.chance(ABROAD) ? rng.pick(TRAVEL_COUNTRIES) : customer.country,
        referrers: CUSTOMER_REFERRERS,
        funnel: CUSTOMER_FUNNEL,
        engagement: customer.engagement,
      });
    }
  }

  /** An anonymous visitor's sessions of the day. */
  visitorSessions(visitor: number): void {
    const { rng, attributes } = this;
    attributes.reseed(key3(this.visitorKey, visitor, 0));
    // Most cookies visit rarely, a few often: log-normal rates with mean 1.
    const rate = Math.exp(1.2 * attributes.normal() - 0.72);
    rng.reseed(key3(this.visitorDayKey, this.run.day, visitor));
    const sessions = rng.poisson(rate * this.demand * this.visitorSessionsPerRate);
    if (sessions === 0) return;
    const device = DEVICES[attributes.pickIndex(VISITOR_DEVICES)] ?? "mobile";
    const anonymousId = `A-${attributes.hex32()}${attributes.hex16()}`;
    const agent = userAgent(attributes, device);
    const homeIp = ipv4(attributes);
    const country = visitorCountry(attributes);
    for (let s = 0; s < sessions; s++) {
      this.#session({
        customerId: null,
        anonymousId,
        device,
        userAgent: agent,
        ip: device === "mobile" ? ipv4(rng) : homeIp,
        country,
        referrers: VISITOR_REFERRERS,
        funnel: VISITOR_FUNNEL,
        engagement: 0,
      });
    }
  }

  #session(browser: Browser): void {
    const { rng, catalog } = this;
    const session: Session = {
      id: `SE-${rng.hex32()}${rng.hex32()}`,
      browser,
      referrer: REFERRERS[rng.pickIndex(browser.referrers)] ?? "direct",
      ms: (rng.pickIndex(BROWSING_HOURS) + rng.next()) * 3_600_000,
    };
    const { referrer } = session;
    const emit = (type: EventType, url: string, productId: string | null): void =>
      this.#emit(session, type, url, productId);

    // Landing page: ads and searches land on products, newsletters on categories, regulars at home.
    const landing = rng.next();
    const category = rng.pickIndex(this.categoryDemand);
    if ((referrer === "ads" || referrer === "search" || referrer === "social") && landing < 0.5) {
      const product = this.#product();
      emit("page_view", catalog.productUrls[product] ?? "/", catalog.productIds[product] ?? null);
    } else if (referrer === "email" || landing < 0.7) {
      emit("page_view", referrer === "direct" ? "/" : (CATEGORY_URLS[category] ?? "/"), null);
    } else {
      emit("page_view", "/", null);
    }
    if (rng.chance(0.25)) {
      emit("search", searchUrl(rng), null);
      if (rng.chance(0.35)) emit("search", searchUrl(rng), null);
    }

    const { funnel } = browser;
    if (!rng.chance(funnel.viewChance)) return;
    const viewed: number[] = [];
    const views = 1 + rng.poisson(funnel.meanViews * Math.exp(0.2 * browser.engagement));
    for (let v = 0; v < views; v++) {
      if (rng.chance(0.2)) emit("page_view", CATEGORY_URLS[rng.pickIndex(this.categoryDemand)] ?? "/", null);
      const product = this.#product();
      viewed.push(product);
      emit("product_view", catalog.productUrls[product] ?? "/", catalog.productIds[product] ?? null);
    }

    if (!rng.chance(funnel.cartChance)) return;
    const added: number[] = [];
    const adds = rng.chance(0.25) ? 2 : 1;
    for (let a = 0; a < adds; a++) {
      const product = rng.pick(viewed);
      added.push(product);
      emit("add_to_cart", catalog.productUrls[product] ?? "/", catalog.productIds[product] ?? null);
    }
    if (rng.chance(0.15)) emit("remove_from_cart", "/cart", catalog.productIds[rng.pick(added)] ?? null);

    if (!rng.chance(funnel.checkoutChance)) return;
    emit("page_view", "/cart", null);
    emit("checkout", "/checkout", null);
  }

  #emit(session: Session, type: EventType, url: string, productId: string | null): void {
    const { browser } = session;
    this.out.push({
      schema_version: "2.0.0",
      event_id: this.#eventIds.next(),
      batch_id: this.#batchId,
      batch_date: this.#batchDate,
      event_time: this.clock.at(session.ms),
      session_id: session.id,
      customer_id: browser.customerId,
      anonymous_id: browser.anonymousId,
      event_type: type,
      page_url: url,
      product_id: productId,
      referrer: session.referrer,
      device: browser.device,
      user_agent: browser.userAgent,
      ip_address: browser.ip,
      country: browser.country,
    });
    // Reading time before the next click; a session running past midnight stops the clock there.
    session.ms += 2_000 + this.rng.exponential(35_000);
  }

  /** A product index, by the day's category demand and popularity. */
  #product(): number {
    return this.catalog.pickProduct(this.rng, this.rng.pickIndex(this.categoryDemand));
  }
}

const VISITOR_DEVICES = cumulative([0.35, 0.55, 0.1]);
const CATEGORY_URLS = CATEGORIES.map((category) => `/c/${category}`);

/** One day of clickstream events as pages of records (see the module comment). */
export async function* generateClickstream(options: GeneratorOptions): AsyncGenerator<ClickstreamRecord[]> {
  const run = resolveRun("clickstream", options);
  const day = new ClickDay(run);
  const pager = new Pager<ClickstreamRecord>(run.pageSize);
  const entities = day.population.size + day.visitors;
  for (let entity = 0; entity < entities; entity++) {
    if (entity < day.population.size) {
      if (day.population.presence(entity, run.day) === "not-yet") continue;
      const customer = day.population.customer(entity);
      day.customerSessions(customer, clickActivity(customer, run.day));
    } else {
      day.visitorSessions(entity - day.population.size);
    }
    for (const record of day.out) {
      const full = pager.push(record);
      if (full) {
        yield full;
        await breathe();
      }
    }
    day.out.length = 0;
  }
  const rest = pager.rest();
  if (rest) yield rest;
}
