import { randomUUID } from "node:crypto";
import type { HttpFunction, Request } from "@google-cloud/functions-framework";
import type { EventType } from "./contracts/events.ts";
import { errorMessage } from "./errors.ts";
import {
  deliver,
  type Hop,
  type HopDeps,
  MESSAGE_PUBLISHED,
  type MessagePublishedEvent,
  type PubSubMessageData,
} from "./hop.ts";

type AnyHop = { [T in EventType]: Hop<T> }[EventType];

/** How a request reached the function; decides what a permanent failure means for the caller. */
export type Arrival = "cloudevent" | "push" | "direct";

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Recognises the three ways a hop is called and turns each into the messagePublished CloudEvent the
 * hop runtime takes:
 * - a CloudEvent (binary `ce-*` headers, or structured `application/cloudevents+json`), as Eventarc sends;
 * - a Pub/Sub push body `{message, subscription, deliveryAttempt}`, as terraform's explicit push
 *   subscriptions send (they keep deliveryAttempt, which the CloudEvent conversion drops);
 * - the event document itself, as the backfill workflow sends.
 */
export function toCloudEvent(req: Request): { arrival: Arrival; cloudEvent: MessagePublishedEvent } {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const ceType = header(req, "ce-type");
  if (ceType) {
    return {
      arrival: "cloudevent",
      cloudEvent: {
        id: header(req, "ce-id") ?? randomUUID(),
        type: ceType,
        source: header(req, "ce-source") ?? "",
        data: body as unknown as PubSubMessageData,
      },
    };
  }
  if ((header(req, "content-type") ?? "").startsWith("application/cloudevents+json") || body.specversion) {
    return { arrival: "cloudevent", cloudEvent: body as unknown as MessagePublishedEvent };
  }
  const message = body.message as PubSubMessageData["message"] | undefined;
  if (message && typeof body.subscription === "string") {
    return {
      arrival: "push",
      cloudEvent: {
        id: message.messageId ?? message.message_id ?? randomUUID(),
        type: MESSAGE_PUBLISHED,
        source: `//pubsub.googleapis.com/${body.subscription}`,
        data: {
          message,
          subscription: body.subscription,
          ...(typeof body.deliveryAttempt === "number" ? { deliveryAttempt: body.deliveryAttempt } : {}),
        },
      },
    };
  }
  return {
    arrival: "direct",
    cloudEvent: {
      id: `direct-${randomUUID()}`,
      type: MESSAGE_PUBLISHED,
      source: "//winter-days/direct",
      data: { message: { data: Buffer.from(JSON.stringify(body)).toString("base64"), attributes: {} } },
    },
  };
}

/**
 * The HTTP function of a hop. Success answers 200 with what the hop published (the workflow reads
 * it); a transient failure answers 503 so Pub/Sub push and the workflow's retry predicate retry; a
 * permanent failure is dead-lettered and acknowledged (200) for subscription deliveries, and
 * answered 422 to a direct caller.
 */
export function httpEntry(hop: AnyHop, getDeps: () => Promise<HopDeps>): HttpFunction {
  return async (req, res) => {
    const deps = await getDeps();
    const { arrival, cloudEvent } = toCloudEvent(req);
    cloudEvent.traceparent ??= header(req, "traceparent");
    try {
      const result = await deliver(hop as unknown as Hop<EventType>, cloudEvent, deps, {
        deadLetter: arrival !== "direct",
        publish: arrival !== "direct",
      });
      res.status(result.outcome === "rejected" ? 422 : 200).json(result);
    } catch (error) {
      res.status(503).json({ outcome: "retrying", error: errorMessage(error) });
    }
  };
}
