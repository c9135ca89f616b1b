import {
  base,
  da,
  de,
  de_AT,
  de_CH,
  en,
  en_GB,
  en_IN,
  en_US,
  es,
  Faker,
  fr,
  it,
  type LocaleDefinition,
  nl,
  pl,
  sv,
} from "@faker-js/faker";
import { Rng } from "./random.ts";

/**
 * Faker for entity attributes (people's names, company words), seeded per entity.
 *
 * Faker's own Mersenne Twister costs ~30 µs to re-seed; plugging in our xoshiro128** as its
 * randomizer brings a seeded name down to about a microsecond, which matters because every buying
 * customer needs one per day. E-mail addresses are built from the name here rather than with
 * `faker.internet.email`, which costs twice as much as the name and only knows global providers.
 * Faker is never used per fact row.
 */

interface Locale {
  definitions: LocaleDefinition[];
  /** Mail providers people of the country use. */
  providers: readonly string[];
}

const GLOBAL_PROVIDERS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com"];

const LOCALES: Record<string, Locale> = {
  DE: {
    definitions: [de, en, base],
    providers: ["gmx.de", "web.de", "t-online.de", "gmail.com", "outlook.de"],
  },
  AT: { definitions: [de_AT, de, en, base], providers: ["gmx.at", "aon.at", "gmail.com", "outlook.com"] },
  CH: { definitions: [de_CH, de, en, base], providers: ["bluewin.ch", "gmx.ch", "gmail.com", "outlook.com"] },
  NL: { definitions: [nl, en, base], providers: ["ziggo.nl", "kpnmail.nl", "gmail.com", "outlook.com"] },
  FR: { definitions: [fr, en, base], providers: ["orange.fr", "free.fr", "gmail.com", "outlook.fr"] },
  IT: { definitions: [it, en, base], providers: ["libero.it", "virgilio.it", "gmail.com"] },
  PL: { definitions: [pl, en, base], providers: ["wp.pl", "onet.pl", "gmail.com"] },
  DK: { definitions: [da, en, base], providers: ["mail.dk", "gmail.com", "outlook.dk"] },
  SE: { definitions: [sv, en, base], providers: ["telia.com", "gmail.com", "outlook.com"] },
  ES: { definitions: [es, en, base], providers: ["telefonica.net", "gmail.com", "hotmail.es"] },
  GB: { definitions: [en_GB, en, base], providers: ["btinternet.com", "gmail.com", "outlook.com"] },
  IN: { definitions: [en_IN, en, base], providers: ["rediffmail.com", "gmail.com", "yahoo.co.in"] },
  US: { definitions: [en_US, en, base], providers: GLOBAL_PROVIDERS },
};

export interface PersonName {
  name: string;
  email: string;
}

const SPECIAL_LETTERS: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  ø: "o",
  ł: "l",
  đ: "d",
  œ: "oe",
  þ: "th",
  ð: "d",
};

/** Lowercase ASCII letters and digits of a name: "Jürgen" → "jurgen", "Łukasz" → "lukasz". */
export function asciiFold(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[ßæøłđœþð]/g, (letter) => SPECIAL_LETTERS[letter] ?? "")
    .replace(/[^a-z0-9]+/g, "");
}

export class PersonNames {
  readonly #rng = new Rng();
  readonly #fakers = new Map<string, Faker>();

  /** A Faker in the locale of `country` (English where we have none), seeded with `key`. */
  seeded(country: string, key: number): Faker {
    let faker = this.#fakers.get(country);
    if (!faker) {
      const rng = this.#rng;
      faker = new Faker({
        locale: (LOCALES[country] ?? LOCALES.US)?.definitions ?? [en, base],
        randomizer: {
          next: () => rng.next(),
          seed: (seed) => {
            rng.reseed(Array.isArray(seed) ? seed.reduce((a, b) => Math.imul(a ^ b, 0x9e3779b1), 0) : seed);
          },
        },
      });
      this.#fakers.set(country, faker);
    }
    faker.seed(key);
    return faker;
  }

  /**
   * A person's full name and e-mail, the same for the same (country, key). The address is at
   * `emailDomain` when given (a founder at their company), else at a provider common in the country.
   */
  person(country: string, key: number, emailDomain?: string): PersonName {
    const faker = this.seeded(country, key);
    const sex = faker.person.sexType();
    const firstName = faker.person.firstName(sex);
    const lastName = faker.person.lastName(sex);
    // Faker's draws came from this stream, so what follows is as deterministic as the name.
    const rng = this.#rng;
    const first = asciiFold(firstName) || "customer";
    const last = asciiFold(lastName) || String(key >>> 0);
    const style = rng.int(6);
    const local =
      style === 0
        ? `${first}.${last}`
        : style === 1
          ? `${first}_${last}`
          : style === 2
            ? `${first[0]}${last}`
            : style === 3
              ? `${first}.${last}${rng.int(100)}`
              : style === 4
                ? `${first}${last}${1950 + rng.int(56)}`
                : `${last}.${first}`;
    const provider = emailDomain ?? rng.pick((LOCALES[country] ?? LOCALES.US)?.providers ?? GLOBAL_PROVIDERS);
    return { name: `${firstName} ${lastName}`, email: `${local}@${provider}` };
  }
}
