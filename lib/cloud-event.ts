import { randomUUID } from "node:crypto";
import type { WinterEvent } from "./contracts/events.ts";
import { MESSAGE_PUBLISHED, type MessagePublishedEvent, toMessage } from "./hop.ts";
import type { ReceivedMessage } from "./ports/events.ts";

/**
 * The CloudEvent Eventarc delivers for a Pub/Sub message (`google.cloud.pubsub.topic.v1.messagePublished`),
 * built from a pulled message so local functions see exactly what deployed ones see.
 */
export function messagePublishedEvent(
  message: ReceivedMessage,
  names: { project: string; topic: string; subscription: string },
): MessagePublishedEvent & { specversion: "1.0"; time: string; datacontenttype: string } {
  return {
    specversion: "1.0",
    id: message.messageId || randomUUID(),
    type: MESSAGE_PUBLISHED,
    source: `//pubsub.googleapis.com/projects/${names.project}/topics/${names.topic}`,
    time: message.publishTime.toISOString(),
    datacontenttype: "application/json",
    data: {
      message: {
        data: message.data.toString("base64"),
        attributes: message.attributes,
        messageId: message.messageId,
        publishTime: message.publishTime.toISOString(),
      },
      subscription: `projects/${names.project}/subscriptions/${names.subscription}`,
      deliveryAttempt: message.deliveryAttempt,
    },
  };
}

/**
 * An event as its subscription would deliver it, first attempt: for code that runs a hop directly
 * (the history load, the bench) with exactly what the hop receives from Pub/Sub.
 */
export function deliveryOf(
  event: WinterEvent,
  names: { messageId: string; topic: string; subscription: string; project?: string },
): MessagePublishedEvent {
  const { data, attributes } = toMessage(event);
  return messagePublishedEvent(
    {
      ackId: "",
      messageId: names.messageId,
      data,
      attributes,
      publishTime: new Date(event.produced_at),
      deliveryAttempt: 1,
    },
    { project: names.project ?? "local", topic: names.topic, subscription: names.subscription },
  );
}
