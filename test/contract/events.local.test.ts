import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBroker } from "../../lib/adapters/local/broker.ts";
import { eventBusContract } from "./events.contract.ts";

eventBusContract("LocalBroker", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wd-broker-contract-"));
  // 1/50 of Pub/Sub's time: 10 s ack deadlines last 200 ms, 1 s backoffs 20 ms.
  const bus = new LocalBroker(join(dir, "broker.sqlite"), {
    backoffScale: 0.02,
    project: "contract-project",
  });
  return {
    bus,
    project: "contract-project",
    deployedSubscription: (logical) => logical,
    dispose: async () => {
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
