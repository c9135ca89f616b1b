import { describe, expect, it } from "vitest";
import { toJsonlParts } from "../../../generators/jsonl.ts";
import { generateStartups, isStartupsDay } from "../../../generators/startups.ts";
import type { StartupRecord } from "../../../lib/contracts/records.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { collect } from "./collect.ts";

const MONDAYS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"];
const STAGES = ["pre-seed", "seed", "series-a", "series-b", "series-c", "growth"];

describe("isStartupsDay", () => {
  it("is due on Mondays only", () => {
    expect(MONDAYS.every(isStartupsDay)).toBe(true);
    expect(["2026-11-24", "2026-11-28", "2026-11-29"].some(isStartupsDay)).toBe(false);
  });
});

describe("generateStartups", () => {
  it("gives the same bytes for the same seed and date", async () => {
    const serialise = async (seed: number) => {
      const parts = [];
      for await (const part of toJsonlParts(
        generateStartups({ seed, date: MONDAYS[0] ?? "", scale: "small" }),
        {
          rowsPerPart: 100,
        },
      )) {
        parts.push(part.body);
      }
      return Buffer.concat(parts);
    };
    const first = await serialise(42);
    expect((await serialise(42)).equals(first)).toBe(true);
    expect((await serialise(1)).equals(first)).toBe(false);
  });

  it("feeds a stable population whose profiles evolve slowly from week to week", async () => {
    const weeks: Map<string, StartupRecord>[] = [];
    for (const date of MONDAYS) {
      const records = await collect(generateStartups({ seed: 42, date, scale: "small" }));
      weeks.push(new Map(records.map((r) => [r.startup_id, r])));
    }
    const first = weeks[0] ?? new Map();
    expect(first.size).toBeGreaterThan(300);
    let stageChanges = 0;
    let statusChanges = 0;
    for (let w = 1; w < weeks.length; w++) {
      const previous = weeks[w - 1] ?? new Map();
      const current = weeks[w] ?? new Map();
      // Nobody disappears; new startups may appear.
      expect([...previous.keys()].filter((id) => !current.has(id))).toEqual([]);
      for (const [id, before] of previous) {
        const after = current.get(id);
        if (!after) continue;
        expect([
          after.name,
          after.founded_on,
          after.country,
          after.city,
          after.sector,
          after.founder_email,
        ]).toEqual([
          before.name,
          before.founded_on,
          before.country,
          before.city,
          before.sector,
          before.founder_email,
        ]);
        expect(STAGES.indexOf(after.funding_stage)).toBeGreaterThanOrEqual(
          STAGES.indexOf(before.funding_stage),
        );
        expect(after.total_funding_usd).toBeGreaterThanOrEqual(before.total_funding_usd);
        if (after.funding_stage !== before.funding_stage) stageChanges++;
        if (after.status !== before.status) {
          statusChanges++;
          expect(before.status).toBe("active");
        }
        if (after.updated_at !== before.updated_at) expect(after.updated_at > before.updated_at).toBe(true);
      }
    }
    // Over five weeks a few startups raise a round and fewer close or exit.
    expect(stageChanges).toBeGreaterThan(0);
    expect(stageChanges).toBeLessThan(first.size * 0.1);
    expect(statusChanges).toBeLessThan(first.size * 0.05);
  });

  it("produces records that match startup.v2.0.0, updated before the feed date", async () => {
    const contracts = new Contracts();
    const records = await collect(generateStartups({ seed: 42, date: "2026-11-23", scale: "small" }));
    records.forEach((record, i) => {
      contracts.record("startups", record, `startup ${i}`);
    });
    expect(records.filter((r) => r.updated_at >= "2026-11-23" || r.founded_on >= "2026-11-23")).toEqual([]);
    expect(new Set(records.map((r) => r.status))).toEqual(new Set(["active", "acquired", "closed"]));
    expect(records.filter((r) => !r.website.includes(r.founder_email.split("@")[1] ?? "?"))).toEqual([]);
  });
});
