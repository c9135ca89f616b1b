import type { StartupRecord } from "../lib/contracts/records.ts";
import { DAY_MS, formatDay, parseBatchDate, weekday } from "./calendar.ts";
import { breathe, type GeneratorOptions, Pager, resolveRun } from "./options.ts";
import { PersonNames } from "./people.ts";
import { cumulative, hashString, key3, mixKey, Rng } from "./random.ts";
import { startupsFor } from "./scale.ts";

/**
 * The weekly partner feed of startup profiles. The population is stable: every startup has one
 * timeline drawn from (seed, startup) — founding, funding rounds, perhaps an exit or a closure — and
 * each week's feed shows every startup founded so far as it stood at the end of the day before the
 * feed. Stages progress every year or two, head counts move quarterly, status changes rarely.
 */

/** Feeds land on Mondays. */
export function isStartupsDay(date: string): boolean {
  return weekday(parseBatchDate(date)) === 0;
}

type Stage = StartupRecord["funding_stage"];
type Sector = StartupRecord["sector"];
type Status = StartupRecord["status"];

const STAGES: readonly Stage[] = ["pre-seed", "seed", "series-a", "series-b", "series-c", "growth"];
/** Median round size (USD), chance of raising the next round, and head count at each stage. */
const ROUND_MEDIAN = [500_000, 2_500_000, 12_000_000, 35_000_000, 70_000_000, 150_000_000];
const NEXT_ROUND_CHANCE = [0.55, 0.45, 0.5, 0.45, 0.4, 0];
const HEAD_COUNT = [3, 8, 30, 90, 220, 600];

const SECTORS: readonly Sector[] = [
  "fintech",
  "healthtech",
  "climate",
  "retail",
  "mobility",
  "saas",
  "ai",
  "edtech",
];
const SECTOR_CDF = cumulative([0.17, 0.12, 0.12, 0.08, 0.08, 0.2, 0.16, 0.07]);
const NAME_SUFFIX: Record<Sector, readonly string[]> = {
  fintech: ["Pay", "Capital", "Ledger", "Finance"],
  healthtech: ["Health", "Care", "Med", "Bio"],
  climate: ["Energy", "Carbon", "Grid", "Solar"],
  retail: ["Commerce", "Shop", "Market"],
  mobility: ["Mobility", "Motors", "Ride", "Fleet"],
  saas: ["Cloud", "Software", "Labs", "HQ"],
  ai: ["AI", "Labs", "Intelligence", "Neural"],
  edtech: ["Learning", "Academy", "Edu"],
};

const COUNTRIES: readonly { code: string; weight: number; tld: string; cities: readonly string[] }[] = [
  {
    code: "US",
    weight: 0.3,
    tld: "com",
    cities: ["San Francisco", "New York", "Boston", "Austin", "Seattle"],
  },
  { code: "GB", weight: 0.12, tld: "co.uk", cities: ["London", "Cambridge", "Manchester", "Edinburgh"] },
  { code: "DE", weight: 0.14, tld: "de", cities: ["Berlin", "Munich", "Hamburg", "Cologne"] },
  { code: "FR", weight: 0.09, tld: "fr", cities: ["Paris", "Lyon", "Toulouse"] },
  { code: "NL", weight: 0.05, tld: "nl", cities: ["Amsterdam", "Rotterdam", "Utrecht"] },
  { code: "SE", weight: 0.05, tld: "se", cities: ["Stockholm", "Gothenburg", "Malmö"] },
  { code: "ES", weight: 0.04, tld: "es", cities: ["Barcelona", "Madrid", "Valencia"] },
  { code: "IL", weight: 0.06, tld: "co.il", cities: ["Tel Aviv", "Haifa", "Jerusalem"] },
  { code: "IN", weight: 0.1, tld: "in", cities: ["Bengaluru", "Mumbai", "Delhi", "Hyderabad"] },
  { code: "CH", weight: 0.03, tld: "ch", cities: ["Zurich", "Geneva", "Lausanne"] },
  { code: "DK", weight: 0.02, tld: "dk", cities: ["Copenhagen", "Aarhus"] },
];
const COUNTRY_CDF = cumulative(COUNTRIES.map((c) => c.weight));

/** Startups are founded from 2012 through 2027, more each year. */
const FOUNDING_FIRST_DAY = parseBatchDate("2012-01-01");
const FOUNDING_SPAN_DAYS = parseBatchDate("2028-01-01") - FOUNDING_FIRST_DAY;
const QUARTER_DAYS = 91;

interface Round {
  day: number;
  stage: number;
  totalUsd: number;
}

/** A startup's whole life, drawn once from (seed, startup). */
interface Timeline {
  index: number;
  foundedDay: number;
  country: (typeof COUNTRIES)[number];
  city: string;
  sector: Sector;
  headCountFactor: number;
  rounds: Round[];
  exit: { day: number; status: Status } | null;
}

class StartupWorld {
  readonly size: number;
  readonly #seedKey: number;
  readonly #purpose = hashString("startup");
  readonly #rng = new Rng();
  readonly #names = new PersonNames();

  constructor(seedKey: number, size: number) {
    this.#seedKey = seedKey;
    this.size = size;
  }

  #key(index: number): number {
    return key3(this.#seedKey, this.#purpose, index);
  }

  timeline(index: number): Timeline {
    const rng = this.#rng.reseed(this.#key(index));
    const foundedDay = FOUNDING_FIRST_DAY + Math.floor(Math.sqrt(rng.next()) * FOUNDING_SPAN_DAYS);
    const country = COUNTRIES[rng.pickIndex(COUNTRY_CDF)] ?? COUNTRIES[0];
    if (!country) throw new Error("no startup countries");
    const city = rng.pick(country.cities);
    const sector = SECTORS[rng.pickIndex(SECTOR_CDF)] ?? "saas";
    const headCountFactor = rng.logNormal(1, 0.35);
    const rounds: Round[] = [];
    let stage = rng.chance(0.7) ? 0 : 1;
    let day = foundedDay;
    let total = 0;
    for (;;) {
      total += Math.round(rng.logNormal(ROUND_MEDIAN[stage] ?? 1e6, 0.5) / 1000) * 1000;
      rounds.push({ day, stage, totalUsd: total });
      if (!rng.chance(NEXT_ROUND_CHANCE[stage] ?? 0)) break;
      day += Math.round(rng.logNormal(480, 0.4));
      stage++;
    }
    const outcome = rng.next();
    const exit =
      outcome < 0.45
        ? { day: day + Math.round(rng.logNormal(700, 0.5)), status: "closed" as const }
        : outcome < 0.65
          ? { day: day + Math.round(rng.logNormal(900, 0.5)), status: "acquired" as const }
          : null;
    return { index, foundedDay, country, city, sector, headCountFactor, rounds, exit };
  }

  /** The feed record of a startup as it stood at the end of `asOfDay`. */
  record(timeline: Timeline, asOfDay: number, batch: { batchId: string; date: string }): StartupRecord {
    const rounds = timeline.rounds.filter((r) => r.day <= asOfDay);
    const round = rounds[rounds.length - 1] ?? timeline.rounds[0];
    if (!round) throw new Error(`startup ${timeline.index} has no founding round`);
    const exited = timeline.exit !== null && timeline.exit.day <= asOfDay ? timeline.exit : null;
    const status: Status = exited ? exited.status : "active";
    // Head counts move each quarter after a round, by up to half again, and freeze at an exit.
    const until = exited ? exited.day : asOfDay;
    const quarters = Math.floor((until - round.day) / QUARTER_DAYS);
    const growth = 1 + 0.5 * Math.min(1, (quarters * QUARTER_DAYS) / 730);
    const employees = Math.max(
      1,
      Math.round((HEAD_COUNT[round.stage] ?? 1) * timeline.headCountFactor * growth),
    );
    const changedDay = Math.max(round.day, exited?.day ?? 0, round.day + quarters * QUARTER_DAYS);

    const key = key3(this.#seedKey, this.#purpose, timeline.index);
    const faker = this.#names.seeded("US", mixKey(key, 0x5a));
    const word = faker.word.noun().replace(/[^A-Za-z]/g, "") || "Nova";
    const rng = this.#rng.reseed(mixKey(key, 0x5b));
    const name = `${word[0]?.toUpperCase() ?? "N"}${word.slice(1)} ${rng.pick(NAME_SUFFIX[timeline.sector])}`;
    const domain = `${name.toLowerCase().replaceAll(" ", "")}.${timeline.sector === "ai" && timeline.country.code === "US" ? "ai" : timeline.country.tld}`;
    const founder = this.#names.person(timeline.country.code, mixKey(key, 0x5c), domain);
    // Partners update profiles in office hours; the minute is fixed by the startup and the day.
    const updateMs = (8 + rng.int(10)) * 3_600_000 + (mixKey(key, changedDay) % 3_600_000);

    return {
      schema_version: "2.0.0",
      startup_id: `SU-${String(timeline.index + 1).padStart(6, "0")}`,
      batch_id: batch.batchId,
      batch_date: batch.date,
      name,
      founded_on: formatDay(timeline.foundedDay),
      country: timeline.country.code,
      city: timeline.city,
      sector: timeline.sector,
      funding_stage: STAGES[round.stage] ?? "seed",
      total_funding_usd: round.totalUsd,
      employees,
      founder_name: founder.name,
      founder_email: founder.email,
      website: `https://www.${domain}`,
      status,
      updated_at: new Date(changedDay * DAY_MS + updateMs).toISOString(),
    };
  }
}

/** One week's startup feed as pages of records: every startup founded before the batch date. */
export async function* generateStartups(options: GeneratorOptions): AsyncGenerator<StartupRecord[]> {
  const run = resolveRun("startups", options);
  const world = new StartupWorld(run.seedKey, startupsFor(run.scale));
  const asOfDay = run.day - 1;
  const batch = { batchId: run.batchId, date: run.profile.date };
  const pager = new Pager<StartupRecord>(run.pageSize);
  for (let index = 0; index < world.size; index++) {
    const timeline = world.timeline(index);
    if (timeline.foundedDay > asOfDay) continue;
    const full = pager.push(world.record(timeline, asOfDay, batch));
    if (full) {
      yield full;
      await breathe();
    }
  }
  const rest = pager.rest();
  if (rest) yield rest;
}
