import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorClientOptions, PubSubEventBus } from "../../lib/adapters/gcp/pubsub.ts";
import { type RunningEmulator, startEmulator } from "../support/emulator.ts";
import { contractTopology, eventBusContract, pullUntil } from "./events.contract.ts";

// What Google's Pub/Sub emulator (gcloud 528) does, found by running against it:
// - it implements retry policies and dead-letter policies: delivery_attempt counts 1..max on a
//   subscription with a dead-letter policy (0 elsewhere, which the adapter reads as 1), an expired
//   lease counts as an attempt, and after the max-th failed attempt the message is forwarded with
//   the four CloudPubSubDeadLetter* attributes (source subscription by its short name, its project,
//   publish time in ISO 8601 with milliseconds, delivery count);
// - it forwards to the dead-letter topic only when the source subscription is pulled again once
//   that next delivery is due, where the service forwards in the background (see the case below);
// - it redelivers the first nack at once and applies the backoff from the second on;
// - it ignores stale ack ids, and accepts ack deadlines under Pub/Sub's 10 s minimum (the contract
//   stays within the service's limits anyway).
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator("pubsub");
});

afterAll(async () => {
  await emulator?.stop();
});

function busOnEmulator(): PubSubEventBus {
  // Every case gets its own topics and subscriptions on the one emulator.
  return new PubSubEventBus({
    projectId: emulator.projectId,
    prefix: `c${randomBytes(4).toString("hex")}`,
    clientOptions: emulatorClientOptions(emulator.host),
    pullWaitMs: 500,
  });
}

eventBusContract("PubSubEventBus on the Pub/Sub emulator", async () => {
  const bus = busOnEmulator();
  return {
    bus,
    project: emulator.projectId,
    deployedSubscription: (logical) => bus.deployedName(logical),
    dispose: () => bus.close(),
  };
});

describe("the Pub/Sub emulator, where it differs from the service", () => {
  it("forwards an exhausted message to the dead-letter topic only once the source subscription is pulled again", async () => {
    const bus = busOnEmulator();
    try {
      await bus.ensureTopology(contractTopology);
      await bus.publish("orders", { data: Buffer.from("poison") });
      for (let attempt = 1; attempt <= 5; attempt++) {
        const [delivery] = await pullUntil(bus, "orders-work", 1);
        await bus.nack("orders-work", [delivery?.ackId ?? ""]);
      }
      // Longer than the 2 s maximum backoff: the next delivery is due by now.
      await sleep(2500);

      const beforeSourcePull = await bus.pull("orders-dead-letter-keep", 1);
      const sourcePull = await bus.pull("orders-work", 10);
      const afterSourcePull = await pullUntil(bus, "orders-dead-letter-keep", 1);

      expect(beforeSourcePull).toEqual([]);
      expect(sourcePull).toEqual([]);
      expect(afterSourcePull.map((m) => m.data.toString())).toEqual(["poison"]);
    } finally {
      await bus.close();
    }
  });
});
