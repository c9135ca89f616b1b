import type { EventType } from "./contracts/events.ts";
import { deliver, type Hop, type HopDeps, type MessagePublishedEvent } from "./hop.ts";

/**
 * The function body registered with the functions framework for a hop: only decoding and delivery;
 * dependencies come from `getDeps`, resolved on the first event rather than at module load.
 */
export function cloudEventEntry<T extends EventType>(
  hop: Hop<T>,
  getDeps: () => Promise<HopDeps>,
): (cloudEvent: MessagePublishedEvent) => Promise<void> {
  return async (cloudEvent) => {
    await deliver(hop, cloudEvent, await getDeps());
  };
}

/** Same as cloudEventEntry for a hop whose event type is only known at run time. */
export function anyCloudEventEntry(
  hop: { [T in EventType]: Hop<T> }[EventType],
  getDeps: () => Promise<HopDeps>,
): (cloudEvent: MessagePublishedEvent) => Promise<void> {
  return cloudEventEntry(hop as unknown as Hop<EventType>, getDeps);
}
