/**
 * At-least-once delivery, taken literally: every message the chain publishes is handed to its hop
 * twice, at the same time or once more after it was acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../../runtime/chain.ts";
import { duplicatingBus } from "../support/faults.ts";
import type { TestPlatform } from "../support/local-platform.ts";
import {
  deliverAll,
  expectChainDelivered,
  landBatches,
  openFaultPlatform,
  suiteSeed,
  summary,
} from "./chain-harness.ts";

const seed = suiteSeed();

describe(`every delivery duplicated (seed ${seed})`, () => {
  let platform: TestPlatform;
  let result: RunSummary;
  let bus: ReturnType<typeof duplicatingBus>;

  beforeAll(async () => {
    platform = await openFaultPlatform();
    await landBatches(platform, seed);
    bus = duplicatingBus(platform.broker, seed);
    result = await summary(platform, seed, await deliverAll(platform, { bus }));
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("hands out copies both at once and after the acknowledgement", () => {
    expect(bus.duplicated.concurrent, `seed ${seed}`).toBeGreaterThan(0);
    expect(bus.duplicated.sequential, `seed ${seed}`).toBeGreaterThan(0);
  });

  it("still puts every generated record in gold exactly once, with a true ledger and no dead letters", async () => {
    await expectChainDelivered(platform, result, { label: `duplicates, seed ${seed}` });
  });

  it("counts the duplicates in the ledger instead of failing the batch", async () => {
    const run = await platform.deps.ledger.get("2026-11-23");
    const duplicates = Object.values(run?.hops ?? {})
      .flatMap((bySource) => Object.values(bySource))
      .reduce((sum, record) => sum + (record.duplicate_deliveries ?? 0), 0);
    expect(duplicates, `seed ${seed}`).toBeGreaterThan(0);
  });
});
