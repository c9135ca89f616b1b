import type { ClickstreamRecord } from "../lib/contracts/records.ts";
import type { Device } from "./customers.ts";
import { cumulative, type Rng } from "./random.ts";

/** The web side of the shop: user agents, IP addresses, referrers, countries and pages. */

export type Referrer = ClickstreamRecord["referrer"];
export const REFERRERS: readonly Referrer[] = ["direct", "search", "social", "email", "ads"];

const CHROME = [128, 129, 130, 131];
const FIREFOX = [130, 131, 132];
const SAFARI = ["17.5", "17.6", "18.0", "18.1"];
const IOS = ["17_5", "17_6", "18_0", "18_1"];
const ANDROID_PHONES = ["SM-S918B", "SM-A546B", "Pixel 8", "Pixel 7a", "SM-S921B"];
const ANDROID_TABLETS = ["SM-X700", "SM-X200", "Lenovo TB-J616F"];

/** A realistic user agent string for a device class. */
export function userAgent(rng: Rng, device: Device): string {
  const chrome = rng.pick(CHROME);
  const u = rng.next();
  if (device === "mobile") {
    if (u < 0.55) {
      const os = rng.pick(IOS);
      return `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${os.replace("_", ".")} Mobile/15E148 Safari/604.1`;
    }
    return `Mozilla/5.0 (Linux; Android ${rng.pick([13, 14, 15])}; ${rng.pick(ANDROID_PHONES)}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Mobile Safari/537.36`;
  }
  if (device === "tablet") {
    if (u < 0.7) {
      const os = rng.pick(IOS);
      return `Mozilla/5.0 (iPad; CPU OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${os.replace("_", ".")} Mobile/15E148 Safari/604.1`;
    }
    return `Mozilla/5.0 (Linux; Android 14; ${rng.pick(ANDROID_TABLETS)}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
  }
  if (u < 0.5) {
    return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
  }
  if (u < 0.65) {
    return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36 Edg/${chrome}.0.0.0`;
  }
  if (u < 0.8) {
    return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${rng.pick(SAFARI)} Safari/605.1.15`;
  }
  if (u < 0.92) {
    const firefox = rng.pick(FIREFOX);
    return `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${firefox}.0) Gecko/20100101 Firefox/${firefox}.0`;
  }
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`;
}

// First octets of blocks allocated to European and US access networks: never private, loopback,
// multicast or reserved space.
const PUBLIC_FIRST_OCTETS = [
  2, 5, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 109, 176,
  178, 185, 188, 193, 194, 195, 212, 213, 217,
];

/** A public IPv4 address, dotted. */
export function ipv4(rng: Rng): string {
  return `${rng.pick(PUBLIC_FIRST_OCTETS)}.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
}

/** Where visitors without an account come from. */
const VISITOR_COUNTRIES = [
  "DE",
  "AT",
  "CH",
  "NL",
  "US",
  "GB",
  "FR",
  "PL",
  "IT",
  "ES",
  "SE",
  "DK",
  "BE",
  "CZ",
];
const VISITOR_COUNTRY_CDF = cumulative([
  0.55, 0.07, 0.05, 0.04, 0.07, 0.05, 0.04, 0.03, 0.03, 0.02, 0.02, 0.01, 0.01, 0.01,
]);

export function visitorCountry(rng: Rng): string {
  return VISITOR_COUNTRIES[rng.pickIndex(VISITOR_COUNTRY_CDF)] ?? "DE";
}

/** Countries customers browse from when travelling. */
export const TRAVEL_COUNTRIES = ["ES", "IT", "FR", "AT", "CH", "NL", "GB", "US", "PT", "GR"];

/** Session traffic sources: customers come back directly and by e-mail, strangers find the shop. */
export const CUSTOMER_REFERRERS = cumulative([0.38, 0.25, 0.1, 0.15, 0.12]);
export const VISITOR_REFERRERS = cumulative([0.2, 0.38, 0.17, 0.02, 0.23]);

const SEARCH_TERMS = [
  "down jacket",
  "wool socks",
  "ski goggles",
  "snow boots",
  "cashmere scarf",
  "gloves",
  "thermal underwear",
  "beanie",
  "scented candle",
  "gift set",
  "parka",
  "fleece",
  "ski helmet",
  "advent calendar",
];

/** `/search?q=…` with a winter search term. */
export function searchUrl(rng: Rng): string {
  return `/search?q=${rng.pick(SEARCH_TERMS).replaceAll(" ", "+")}`;
}

/** Browsing by UTC hour: all day with an evening peak (Central European customers). */
export const BROWSING_HOURS = cumulative([
  0.4, 0.22, 0.12, 0.08, 0.07, 0.1, 0.3, 0.55, 0.7, 0.8, 0.85, 0.9, 0.95, 0.9, 0.85, 0.85, 0.9, 1.0, 1.2,
  1.45, 1.55, 1.35, 1.0, 0.65,
]);
