/**
 * Half of the first attempts fail transiently before the hop's code runs (a cold start, a dropped
 * connection): the subscription redelivers them, and the ledger counts the attempts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyHop, HOPS } from "../../functions/hops.ts";
import type { EventType } from "../../lib/contracts/events.ts";
import type { Hop } from "../../lib/hop.ts";
import type { RunSummary } from "../../runtime/chain.ts";
import { type FlakyLog, flakyOnFirstAttempt } from "../support/faults.ts";
import type { TestPlatform } from "../support/local-platform.ts";
import {
  DATE,
  deliverAll,
  expectChainDelivered,
  hopFunctions,
  landBatches,
  openFaultPlatform,
  suiteSeed,
  summary,
} from "./chain-harness.ts";

const seed = suiteSeed();
/** Hops that poll a running job: their attempts also count the polls while the job runs. */
const POLLERS = new Set(["dataform-poll", "vertex-poll"]);

describe(`half of first attempts failing transiently (seed ${seed})`, () => {
  let platform: TestPlatform;
  let result: RunSummary;
  const refused: FlakyLog = new Map();

  beforeAll(async () => {
    platform = await openFaultPlatform();
    await landBatches(platform, seed);
    const flaky = HOPS.map(
      (hop) => flakyOnFirstAttempt(hop as Hop<EventType>, seed, refused) as unknown as AnyHop,
    );
    result = await summary(
      platform,
      seed,
      await deliverAll(platform, { functions: hopFunctions(platform.deps, flaky) }),
    );
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("refuses some first attempts and lets others through", () => {
    expect(refused.size, `seed ${seed}`).toBeGreaterThan(0);
    expect(refused.size, `seed ${seed}`).toBeLessThan(result.hops.length);
  });

  it("still puts every generated record in gold exactly once, with a true ledger and no dead letters", async () => {
    await expectChainDelivered(platform, result, { label: `transient first attempts, seed ${seed}` });
  });

  it("records the attempt that succeeded: later than the first where it was refused, the first elsewhere", async () => {
    const run = await platform.deps.ledger.get(DATE);
    for (const [hop, bySource] of Object.entries(run?.hops ?? {})) {
      for (const [source, record] of Object.entries(bySource)) {
        const key = `${hop}/${source}/${record.batch_id}`;
        const label = `${key}, seed ${seed}`;
        if (refused.has(key)) expect(record.attempts, label).toBeGreaterThanOrEqual(2);
        else if (!POLLERS.has(hop)) expect(record.attempts, label).toBe(1);
      }
    }
  });
});
