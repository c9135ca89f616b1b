/**
 * Delivery order is not publish order: the chain gets its messages newest first, or shuffled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../../runtime/chain.ts";
import { type Reordering, reorderingBus } from "../support/faults.ts";
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

/** Whether some message was handed out before one published earlier. */
function inverted(order: Array<{ messageId: string; publishTime: number }>): boolean {
  return order.some((m, i) =>
    order.slice(i + 1).some((later) => Number(later.messageId) < Number(m.messageId)),
  );
}

describe.each<Reordering>(["newest-first", "shuffled"])(
  `deliveries reordered: %s (seed ${seed})`,
  (order) => {
    let platform: TestPlatform;
    let result: RunSummary;
    let bus: ReturnType<typeof reorderingBus>;

    beforeAll(async () => {
      platform = await openFaultPlatform();
      await landBatches(platform, seed);
      bus = reorderingBus(platform.broker, { order, seed });
      result = await summary(platform, seed, await deliverAll(platform, { bus }));
    }, 120_000);
    afterAll(async () => {
      await platform?.dispose();
    });

    it("hands the landed batches and their bronze events out of publish order", () => {
      for (const subscription of ["export", "dataform-invoke"]) {
        const handed = bus.delivered.get(subscription) ?? [];
        expect(handed.length, `${subscription}, seed ${seed}`).toBeGreaterThanOrEqual(3);
        // A shuffle may leave one subscription's three messages in order; it must not leave both.
        if (order === "newest-first") expect(inverted(handed), `${subscription}, seed ${seed}`).toBe(true);
      }
      expect(
        ["export", "dataform-invoke"].some((s) => inverted(bus.delivered.get(s) ?? [])),
        `seed ${seed}`,
      ).toBe(true);
    });

    it("still puts every generated record in gold exactly once, with a true ledger and no dead letters", async () => {
      await expectChainDelivered(platform, result, { label: `${order}, seed ${seed}` });
    });
  },
);
