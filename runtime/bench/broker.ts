import path from "node:path";
import { emulatorClientOptions, PubSubEventBus } from "../../lib/adapters/gcp/pubsub.ts";
import { LocalBroker } from "../../lib/adapters/local/broker.ts";
import { measureEventBus } from "../../lib/adapters/local/broker-bench.ts";
import { Contracts } from "../../lib/contracts/validator.ts";
import type { EventBus } from "../../lib/ports/events.ts";
import { loadTopology } from "../../lib/topology.ts";
import type { BrokerFigure, BusKind } from "./figures.ts";
import { currentRssMiB, peakRssMiB, roundSeconds } from "./memory.ts";

export interface BrokerTask {
  kind: "broker";
  bus: BusKind;
  scale: string;
  messages: number;
  /** local: folder for a fresh broker file. */
  dataDir?: string;
  /** emulator: `host:port` and project of a running Pub/Sub emulator. */
  emulatorHost?: string;
  projectId?: string;
}

/** Payload of every message: about what a winter-days event weighs (its JSON is under 1 KiB). */
export const MESSAGE_BYTES = 1024;
const WARM_UP_MESSAGES = 200;

export const BUS_LABELS: Record<BusKind, string> = {
  local: "offline broker (SQLite, durable)",
  emulator: "Google Pub/Sub emulator",
};

function openBus(task: BrokerTask): EventBus {
  if (task.bus === "local") {
    if (!task.dataDir) throw new Error("the local broker bench needs a dataDir");
    return new LocalBroker(path.join(task.dataDir, `broker-${task.scale}.sqlite`), { project: "bench" });
  }
  if (!task.emulatorHost || !task.projectId) throw new Error("the emulator bench needs its host and project");
  return new PubSubEventBus({
    projectId: task.projectId,
    // Fresh topics and subscriptions per scale: nothing left over from another run is pulled.
    prefix: `bench-${task.scale.replace(/[^a-z0-9]/g, "")}`,
    clientOptions: emulatorClientOptions(task.emulatorHost),
  });
}

/**
 * Messages per second through one bus, end to end: publish `messages` messages to a topic of the
 * topology, then pull and ack them all from its subscription. A short untimed run first warms up
 * the code paths and the connection.
 */
export async function benchBus(task: BrokerTask): Promise<BrokerFigure> {
  const topology = loadTopology(new Contracts());
  const bus = openBus(task);
  try {
    await measureEventBus(bus, topology, WARM_UP_MESSAGES, { messageBytes: MESSAGE_BYTES });
    const baselineRssMiB = currentRssMiB();
    const measured = await measureEventBus(bus, topology, task.messages, { messageBytes: MESSAGE_BYTES });
    return {
      bus: task.bus,
      label: BUS_LABELS[task.bus],
      scale: task.scale,
      messages: measured.messages,
      messageBytes: MESSAGE_BYTES,
      seconds: roundSeconds(measured.seconds),
      messagesPerSecond: Math.round(measured.perSecond),
      publishSeconds: roundSeconds(measured.publishSeconds),
      consumeSeconds: roundSeconds(measured.consumeSeconds),
      baselineRssMiB,
      peakRssMiB: peakRssMiB(),
    };
  } finally {
    await bus.close();
  }
}
