import { messagePublishedEvent } from "../../lib/cloud-event.ts";
import { type BatchLanded, makeEvent } from "../../lib/contracts/events.ts";
import type { MessagePublishedEvent } from "../../lib/hop.ts";

let counter = 0;

/** A batch.landed event for tests; override any field. */
export function batchLanded(overrides: Partial<BatchLanded> = {}): BatchLanded {
  return {
    ...makeEvent("batch.landed", {
      source: "clickstream",
      batch_date: "2026-11-20",
      batch_id: "clickstream-2026-11-20-0a1b2c3d",
      location: "gs://lake/clickstream/batch_date=2026-11-20/",
      record_count: 3,
      producer: "generate",
      record_schema: "clickstream.v2.0.0",
    }),
    ...overrides,
  };
}

/** Wraps raw message data (any bytes) in the CloudEvent a push subscription delivers. */
export function cloudEventOf(
  data: Buffer | string | object,
  options: {
    topic?: string;
    subscription?: string;
    attempt?: number;
    attributes?: Record<string, string>;
  } = {},
): MessagePublishedEvent {
  const bytes = Buffer.isBuffer(data)
    ? data
    : Buffer.from(typeof data === "string" ? data : JSON.stringify(data));
  counter++;
  return messagePublishedEvent(
    {
      ackId: `ack-${counter}`,
      messageId: `m-${counter}`,
      data: bytes,
      attributes: options.attributes ?? {},
      publishTime: new Date("2026-11-20T06:00:00Z"),
      deliveryAttempt: options.attempt ?? 1,
    },
    {
      project: "winter-days-local",
      topic: options.topic ?? "batch-landed",
      subscription: options.subscription ?? "export",
    },
  );
}
