/**
 * A dependency down for a while (the object store, the warehouse, the documents store that holds
 * the sales source and the run ledger), then back: the hops that need it fail transiently, are
 * retried with backoff, and the chain completes as if nothing had happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HopDeps } from "../../lib/hop.ts";
import { RunLedger } from "../../lib/ledger.ts";
import type { RunSummary } from "../../runtime/chain.ts";
import { Outage, unavailableDocuments, unavailableObjects, unavailableWarehouse } from "../support/faults.ts";
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

interface Scenario {
  name: string;
  outages: () => Outage[];
  /** The dependencies each hop gets while the outages are on. */
  deps: (platform: TestPlatform, outages: Outage[], hop: string) => HopDeps;
  /** Hops that must have needed more than one attempt. */
  retried: string[];
}

function withObjects(platform: TestPlatform, outage: Outage): HopDeps {
  return { ...platform.deps, objects: unavailableObjects(platform.objects, outage) };
}

function withWarehouse(platform: TestPlatform, outage: Outage, base: HopDeps = platform.deps): HopDeps {
  const warehouse = unavailableWarehouse(platform.warehouse, outage);
  return { ...base, warehouse: async () => warehouse };
}

const [first, second] = [0, 1];

const SCENARIOS: Scenario[] = [
  {
    name: "the object store down for its first 6 calls",
    outages: () => [new Outage("object store", { calls: 6 })],
    deps: (platform, [outage]) => withObjects(platform, outage as Outage),
    retried: ["export"],
  },
  {
    name: "the warehouse down for its first 4 calls",
    outages: () => [new Outage("warehouse", { calls: 4 })],
    deps: (platform, [outage]) => withWarehouse(platform, outage as Outage),
    retried: ["predictions-load"],
  },
  {
    name: "the object store and the warehouse down for 200 ms while predictions load",
    outages: () => [new Outage("object store", { ms: 200 }), new Outage("warehouse", { ms: 200 })],
    deps: (platform, outages, hop) =>
      hop === "predictions-load"
        ? withWarehouse(platform, outages[second] as Outage, withObjects(platform, outages[first] as Outage))
        : platform.deps,
    retried: ["predictions-load"],
  },
  {
    name: "the documents store (sales source and run ledger) down for 150 ms",
    outages: () => [new Outage("documents store", { ms: 150 })],
    deps: (platform, [outage]) => {
      const documents = unavailableDocuments(platform.deps.documents, outage as Outage);
      return {
        ...platform.deps,
        documents,
        ledger: new RunLedger(documents, platform.deps.config.ledgerCollection, platform.deps.now),
      };
    },
    retried: ["export"],
  },
];

describe.each(SCENARIOS)(`$name (seed ${seed})`, (scenario) => {
  let platform: TestPlatform;
  let result: RunSummary;
  let outages: Outage[];

  beforeAll(async () => {
    platform = await openFaultPlatform();
    await landBatches(platform, seed);
    outages = scenario.outages();
    const functions = hopFunctions((hop) => scenario.deps(platform, outages, hop));
    result = await summary(platform, seed, await deliverAll(platform, { functions }));
  }, 120_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("refused calls while the dependency was down, then recovered", () => {
    for (const outage of outages) {
      expect(outage.refused, `${outage.what}, seed ${seed}`).toBeGreaterThan(0);
      expect(outage.over, `${outage.what}, seed ${seed}`).toBe(true);
      expect(outage.calls, `${outage.what}, seed ${seed}`).toBeGreaterThan(outage.refused);
    }
  });

  it("still puts every generated record in gold exactly once, with a true ledger and no dead letters", async () => {
    await expectChainDelivered(platform, result, { label: `${scenario.name}, seed ${seed}` });
  });

  it("records in the ledger that the affected hops needed more than one attempt", async () => {
    const run = await platform.deps.ledger.get(DATE);
    for (const hop of scenario.retried) {
      const attempts = Object.values(run?.hops[hop] ?? {}).map((r) => r.attempts);
      expect(Math.max(0, ...attempts), `${hop}, seed ${seed}: ${attempts.join(", ")}`).toBeGreaterThan(1);
    }
  });
});
