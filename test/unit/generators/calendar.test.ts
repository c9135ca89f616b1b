import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DayClock,
  dayProfile,
  formatDay,
  parseBatchDate,
  weekday,
} from "../../../generators/calendar.ts";
import { ConfigError } from "../../../lib/errors.ts";

describe("calendar", () => {
  it("formats timestamps exactly as toISOString does, clamped into the day", () => {
    const day = parseBatchDate("2026-11-26");
    const clock = new DayClock(day);
    const mismatches = [];
    for (let ms = 0; ms < DAY_MS; ms += 4_999) {
      if (clock.at(ms) !== new Date(day * DAY_MS + ms).toISOString()) mismatches.push(ms);
    }
    expect(mismatches).toEqual([]);
    expect(clock.at(DAY_MS + 60_000)).toBe("2026-11-26T23:59:59.999Z");
    expect(clock.at(-1)).toBe("2026-11-26T00:00:00.000Z");
  });

  it("reads real dates only", () => {
    expect(formatDay(parseBatchDate("2028-02-29"))).toBe("2028-02-29");
    expect(() => parseBatchDate("2026-02-29")).toThrow(ConfigError);
    expect(() => parseBatchDate("2026-1-5")).toThrow(/not a valid YYYY-MM-DD/);
    expect(weekday(parseBatchDate("2026-11-23"))).toBe(0);
  });

  it("peaks on Black Friday and in December, closes stores on Christmas Day", () => {
    const profile = (date: string) => dayProfile(parseBatchDate(date));
    expect(profile("2026-11-27").demand).toBeGreaterThan(2 * profile("2026-11-20").demand);
    expect(profile("2026-12-15").demand).toBeGreaterThan(2 * profile("2026-06-16").demand);
    expect(profile("2026-12-25").storesOpen).toBe(0);
    expect(profile("2027-01-12").discountChance).toBeGreaterThan(profile("2026-10-12").discountChance);
  });
});
