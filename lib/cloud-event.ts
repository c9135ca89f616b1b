import { randomUUID } from "node:crypto";
import { MESSAGE_PUBLISHED, type MessagePublishedEvent } from "./hop.ts";
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
