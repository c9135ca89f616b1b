import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { ClickstreamRecord, SalesRecord, StartupRecord } from "../../lib/contracts/records.ts";

/**
 * Small deterministic bronze days for the Dataform tests, written the way the lake holds them:
 * `<lakeRoot>/<source>/batch_date=YYYY-MM-DD/part-00000.(parquet|jsonl)`. Every record matches its
 * schemas/records/*.v2.0.0.json; `plant` adds rows that staging must reject or deduplicate.
 */
export interface DayOptions {
  batchDate: string;
  customers: number;
  sales: number;
  clicks: number;
  startups: number;
  seed: number;
  /** Adds one invalid sale (quantity 0), one duplicated sale and one duplicated click. */
  plant?: boolean;
}

export interface GeneratedDay {
  sales: SalesRecord[];
  clickstream: ClickstreamRecord[];
  startups: StartupRecord[];
  /** Raw PII values written to bronze: must never appear in staging or marts. */
  pii: string[];
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen",
  "Thompson",
  "Perlman",
  "Wirth",
];
const REGIONS = ["North", "South", "East", "West", "Central"] as const;
const CATEGORIES = ["outerwear", "knitwear", "footwear", "accessories", "ski", "home", "gifts"] as const;
const EVENTS = [
  "page_view",
  "product_view",
  "search",
  "add_to_cart",
  "remove_from_cart",
  "checkout",
] as const;

export function generateDay(options: DayOptions): GeneratedDay {
  const next = random(options.seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const hex = (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join("");
  const compact = options.batchDate.replaceAll("-", "");
  const batchHash = hex(8);
  const at = (seconds: number) =>
    new Date(Date.parse(`${options.batchDate}T00:00:00Z`) + seconds * 1000).toISOString();
  const customer = (n: number) => {
    const first = FIRST[n % FIRST.length] ?? "Ada";
    const last = LAST[Math.floor(n / FIRST.length) % LAST.length] ?? "Lovelace";
    return {
      id: `C-${String(n + 1).padStart(7, "0")}`,
      name: `${first} ${last} ${n}`,
      email: `${first.toLowerCase()}.${last.toLowerCase()}.${n}@example.test`,
    };
  };
  const sales: SalesRecord[] = [];
  for (let i = 0; i < options.sales; i++) {
    const who = customer(Math.floor(next() * options.customers));
    sales.push({
      schema_version: "2.0.0",
      sale_id: `S-${compact}-${batchHash}-${String(i + 1).padStart(7, "0")}`,
      batch_id: `sales-${options.batchDate}-${batchHash}`,
      batch_date: options.batchDate,
      sold_at: at(Math.floor(next() * 86_000)),
      customer_id: who.id,
      customer_email: who.email,
      customer_name: who.name,
      region: pick(REGIONS),
      store_id: `ST-${String(1 + Math.floor(next() * 20)).padStart(3, "0")}`,
      channel: pick(["store", "online", "phone"] as const),
      product_id: `P-${String(1 + Math.floor(next() * 500)).padStart(5, "0")}`,
      product_category: pick(CATEGORIES),
      quantity: 1 + Math.floor(next() * 4),
      unit_price: Math.round(next() * 20_000) / 100,
      discount: pick([0, 0, 0.1, 0.25]),
      currency: "EUR",
      payment_method: pick(["card", "cash", "paypal", "invoice", "gift_card"] as const),
    });
  }
  const clickstream: ClickstreamRecord[] = [];
  for (let i = 0; i < options.clicks; i++) {
    const loggedIn = next() < 0.8;
    const who = customer(Math.floor(next() * options.customers));
    const type = pick(EVENTS);
    clickstream.push({
      schema_version: "2.0.0",
      event_id: `E-${compact}-${batchHash}-${String(i + 1).padStart(7, "0")}`,
      batch_id: `clickstream-${options.batchDate}-${batchHash}`,
      batch_date: options.batchDate,
      event_time: at(Math.floor(next() * 86_000)),
      session_id: `SE-${hex(16)}`,
      customer_id: loggedIn ? who.id : null,
      anonymous_id: `A-${hex(12)}`,
      event_type: type,
      page_url: type === "search" ? "/search?q=scarf" : "/p/P-00042",
      product_id:
        type === "search" || type === "page_view"
          ? null
          : `P-${String(1 + Math.floor(next() * 500)).padStart(5, "0")}`,
      referrer: pick(["direct", "search", "social", "email", "ads"] as const),
      device: pick(["desktop", "mobile", "tablet"] as const),
      user_agent: "Mozilla/5.0 (X11; Linux x86_64)",
      ip_address: `203.0.${Math.floor(next() * 250)}.${1 + (i % 250)}`,
      country: "DE",
    });
  }
  const startups: StartupRecord[] = [];
  for (let i = 0; i < options.startups; i++) {
    const founder = customer(1000 + i);
    startups.push({
      schema_version: "2.0.0",
      startup_id: `SU-${String(i + 1).padStart(6, "0")}`,
      batch_id: `startups-${options.batchDate}-${batchHash}`,
      batch_date: options.batchDate,
      name: `Frost Labs ${i}`,
      founded_on: "2021-03-04",
      country: "FI",
      city: "Helsinki",
      sector: "climate",
      funding_stage: "seed",
      total_funding_usd: 1_500_000 + i,
      employees: 5 + i,
      founder_name: founder.name,
      founder_email: founder.email,
      website: `https://frost-labs-${i}.example.test`,
      status: "active",
      updated_at: at(3600 + i),
    });
  }
  if (options.plant) {
    const first = sales[0];
    const click = clickstream[0];
    if (first) {
      sales.push({ ...first, sold_at: at(1) }); // an older copy of the same sale: superseded
      sales.push({ ...first, sale_id: `S-${compact}-${batchHash}-9999999`, quantity: 0 }); // rejected
    }
    if (click) clickstream.push({ ...click });
  }
  const pii = [
    ...sales.flatMap((s) => [s.customer_email, s.customer_name]),
    ...clickstream.map((c) => c.ip_address),
    ...startups.flatMap((s) => [s.founder_email, s.founder_name]),
  ];
  return { sales, clickstream, startups, pii: [...new Set(pii)] };
}

function partition(lakeRoot: string, source: string, batchDate: string): string {
  const dir = path.join(lakeRoot, source, `batch_date=${batchDate}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const jsonl = (records: object[]) =>
  records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");

/** Writes the day's bronze files; sales become Parquet (sold_at and batch_date typed, as the export writes them). */
export async function writeDay(lakeRoot: string, day: GeneratedDay, batchDate: string): Promise<void> {
  if (day.clickstream.length > 0) {
    writeFileSync(
      path.join(partition(lakeRoot, "clickstream", batchDate), "part-00000.jsonl"),
      jsonl(day.clickstream),
    );
  }
  if (day.startups.length > 0) {
    writeFileSync(
      path.join(partition(lakeRoot, "startups", batchDate), "part-00000.jsonl"),
      jsonl(day.startups),
    );
  }
  if (day.sales.length > 0) {
    const dir = partition(lakeRoot, "sales", batchDate);
    const staging = path.join(dir, "sales.jsonl.tmp");
    writeFileSync(staging, jsonl(day.sales));
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      await connection.run(`
        COPY (
          SELECT * REPLACE (CAST(sold_at AS TIMESTAMPTZ) AS sold_at, CAST(batch_date AS DATE) AS batch_date,
                            CAST(quantity AS INTEGER) AS quantity)
          FROM read_json('${staging}', format = 'newline_delimited')
        ) TO '${path.join(dir, "part-00000.parquet")}' (FORMAT parquet)`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const { rmSync } = await import("node:fs");
    rmSync(staging);
  }
}
