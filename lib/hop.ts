import type { Config } from "./config.ts";
import type { EventsByType, EventType, WinterEvent } from "./contracts/events.ts";
import type { Contracts } from "./contracts/validator.ts";
import { classifyFailure, errorClass, errorMessage, PermanentError } from "./errors.ts";
import type { RunLedger } from "./ledger.ts";
import { type Logger, traceOf } from "./log.ts";
import type { DocumentStore } from "./ports/documents.ts";
import type { Attributes, EventBus } from "./ports/events.ts";
import type { ChurnPipelines } from "./ports/ml.ts";
import type { ObjectStore } from "./ports/objects.ts";
import type { Transformations } from "./ports/transformations.ts";
import type { Warehouse } from "./ports/warehouse.ts";
import { subscriptionOf, type Topology, topicFor } from "./topology.ts";

/** Everything a hop may use, passed in by the function entry (cloud) or the local runtime. */
export interface HopDeps {
  config: Config;
  contracts: Contracts;
  topology: Topology;
  events: EventBus;
  objects: ObjectStore;
  documents: DocumentStore;
  /** Opened on first use: most hops never touch the warehouse. */
  warehouse: () => Promise<Warehouse>;
  /** Dataform: compilation results and workflow invocations. */
  transformations: Transformations;
  /** Vertex AI churn pipeline jobs. */
  pipelines: ChurnPipelines;
  ledger: RunLedger;
  log: Logger;
  now: () => Date;
}

export interface HopContext {
  deps: HopDeps;
  log: Logger;
  /** The Pub/Sub message id of the delivery. */
  eventId: string;
  /** 1 on first delivery when the transport reports it; otherwise 1. */
  deliveryAttempt: number;
}

/** What a hop did: the events it wants published, and counts for the ledger and metrics. */
export interface HopOutcome {
  publish: WinterEvent[];
  rowsIn?: number;
  rowsOut?: number;
  details?: Record<string, unknown>;
}

/** A hop: a pure handler of one event type over ports. Its function entry adds only decoding. */
export interface Hop<T extends EventType> {
  name: string;
  consumes: T;
  /** The layer whose rows `rowsOut` counts, for the rows-per-layer log metric. */
  layer?: "bronze" | "gold" | "predictions";
  handle(event: EventsByType[T], ctx: HopContext): Promise<HopOutcome>;
}

/** The Pub/Sub message inside a `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent. */
export interface PubSubMessageData {
  message: {
    data?: string;
    attributes?: Attributes;
    messageId?: string;
    message_id?: string;
    publishTime?: string;
  };
  subscription?: string;
  deliveryAttempt?: number;
}

export interface MessagePublishedEvent {
  id: string;
  type: string;
  source: string;
  data?: PubSubMessageData;
  /** W3C trace context, as Eventarc and Pub/Sub push forward it. */
  traceparent?: string;
}

export const MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished";

/** Serialises an event as a Pub/Sub message: JSON data plus routing attributes. */
export function toMessage(event: WinterEvent): { data: Buffer; attributes: Attributes } {
  return {
    data: Buffer.from(JSON.stringify(event)),
    attributes: {
      event_type: event.event_type,
      schema_version: event.schema_version,
      batch_date: event.batch_date,
      source: event.source,
    },
  };
}

/** Publishes events to the topics that carry their types. */
export async function publishEvents(
  deps: Pick<HopDeps, "events" | "topology">,
  events: WinterEvent[],
): Promise<void> {
  for (const event of events) {
    await deps.events.publish(topicFor(deps.topology, event.event_type).name, toMessage(event));
  }
}

/** Attributes our own dead-lettering adds beside Pub/Sub's, so operators see why and where. */
export const FAILURE_ATTRIBUTES = {
  reason: "winter_days_failure_reason",
  hop: "winter_days_failure_hop",
  errorClass: "winter_days_error_class",
  message: "winter_days_error_message",
  firstSeen: "winter_days_first_seen",
} as const;

function decode(
  cloudEvent: MessagePublishedEvent,
  deps: HopDeps,
): { raw: Buffer; attributes: Attributes; event: WinterEvent } {
  const message = cloudEvent.data?.message;
  const where = `message ${cloudEvent.id}`;
  if (cloudEvent.type !== MESSAGE_PUBLISHED || !message) {
    throw new PermanentError(
      "malformed-message",
      `${where}: expected a ${MESSAGE_PUBLISHED} CloudEvent, got ${cloudEvent.type}`,
    );
  }
  const raw = Buffer.from(message.data ?? "", "base64");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new PermanentError("malformed-message", `${where}: data is not JSON (${errorMessage(error)})`);
  }
  return { raw, attributes: message.attributes ?? {}, event: deps.contracts.event(parsed, where) };
}

/** Pulls what can be known about a batch out of data that failed validation, for the ledger. */
function batchDateOf(raw: Buffer): string | undefined {
  try {
    const value = JSON.parse(raw.toString("utf8")) as { batch_date?: unknown };
    return typeof value.batch_date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value.batch_date)
      ? value.batch_date
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a hop on one delivery and decides its fate, the way every function of this platform does:
 * success publishes the hop's events and records it; a permanent failure is sent to the
 * subscription's dead-letter topic with the reason, recorded, and acknowledged (the function returns);
 * a transient failure is recorded and rethrown so the subscription redelivers with backoff.
 */
export type Delivery =
  | { outcome: "succeeded"; published: WinterEvent[]; rowsIn?: number; rowsOut?: number }
  | { outcome: "dead-lettered" | "rejected"; reason: string; error: string };

export interface DeliverOptions {
  /**
   * True (the default) for subscription deliveries: a permanent failure goes to the dead-letter
   * topic and is acknowledged. False for direct calls (a workflow step), whose caller gets the
   * failure back as "rejected" instead.
   */
  deadLetter?: boolean;
  /**
   * True (the default) for subscription deliveries. False for direct calls: the caller (the backfill
   * workflow) carries the events to the next hop itself, so publishing them too would run the chain
   * twice.
   */
  publish?: boolean;
}

export async function deliver<T extends EventType>(
  hop: Hop<T>,
  cloudEvent: MessagePublishedEvent,
  deps: HopDeps,
  options: DeliverOptions = {},
): Promise<Delivery> {
  const deadLettering = options.deadLetter ?? true;
  const publishing = options.publish ?? true;
  const started = deps.now();
  const eventId =
    cloudEvent.data?.message?.messageId ?? cloudEvent.data?.message?.message_id ?? cloudEvent.id;
  const deliveryAttempt = cloudEvent.data?.deliveryAttempt ?? 1;
  let log = deps.log.child(
    { hop: hop.name, event_id: eventId },
    traceOf(deps.config.project, cloudEvent.traceparent),
  );
  let decoded: ReturnType<typeof decode> | undefined;
  try {
    decoded = decode(cloudEvent, deps);
    const event = decoded.event;
    if (event.event_type !== hop.consumes) {
      throw new PermanentError(
        "unknown-event-type",
        `hop ${hop.name} consumes ${hop.consumes}, not ${event.event_type}`,
      );
    }
    log = log.child({ batch_date: event.batch_date, source: event.source, batch_id: event.batch_id });
    const outcome = await hop.handle(event as EventsByType[T], { deps, log, eventId, deliveryAttempt });
    if (publishing) await publishEvents(deps, outcome.publish);
    const finished = deps.now();
    const durationMs = finished.getTime() - started.getTime();
    await deps.ledger.recordHop(event.batch_date, {
      hop: hop.name,
      source: event.source,
      batch_id: event.batch_id,
      state: "succeeded",
      attempts: deliveryAttempt,
      event_id: eventId,
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      duration_ms: durationMs,
      ...(outcome.rowsIn === undefined ? {} : { rows_in: outcome.rowsIn }),
      ...(outcome.rowsOut === undefined ? {} : { rows_out: outcome.rowsOut }),
      ...(outcome.details === undefined ? {} : { details: outcome.details }),
    });
    log.info(`${hop.name} succeeded`, {
      outcome: "succeeded",
      duration_ms: durationMs,
      rows_in: outcome.rowsIn,
      rows_out: outcome.rowsOut,
      ...(hop.layer ? { layer: hop.layer } : {}),
      published: outcome.publish.map((e) => e.event_type),
    });
    return {
      outcome: "succeeded",
      published: outcome.publish,
      ...(outcome.rowsIn === undefined ? {} : { rowsIn: outcome.rowsIn }),
      ...(outcome.rowsOut === undefined ? {} : { rowsOut: outcome.rowsOut }),
    };
  } catch (error) {
    const kind = classifyFailure(error);
    const finished = deps.now();
    const event = decoded?.event;
    const batchDate = event?.batch_date ?? (decoded ? batchDateOf(decoded.raw) : undefined);
    const reason = error instanceof PermanentError ? error.reason : undefined;
    if (kind === "permanent" && deadLettering) {
      await deadLetter(hop.name, cloudEvent, deps, error, started);
    }
    const finalState = kind === "transient" ? "retrying" : deadLettering ? "dead-lettered" : "rejected";
    if (batchDate) {
      await deps.ledger.recordHop(batchDate, {
        hop: hop.name,
        source: event?.source ?? "unknown",
        batch_id: event?.batch_id ?? "unknown",
        state: finalState,
        attempts: deliveryAttempt,
        event_id: eventId,
        started_at: started.toISOString(),
        finished_at: finished.toISOString(),
        duration_ms: finished.getTime() - started.getTime(),
        error: { class: errorClass(error), message: errorMessage(error), ...(reason ? { reason } : {}) },
      });
    }
    const fields = { outcome: finalState, error, reason, attempt: deliveryAttempt };
    if (kind === "permanent") {
      log.error(`${hop.name} failed permanently (${finalState})`, fields);
      return {
        outcome: deadLettering ? "dead-lettered" : "rejected",
        reason: reason ?? "unknown",
        error: errorMessage(error),
      };
    }
    log.warn(`${hop.name} failed; will be retried`, fields);
    throw error;
  }
}

async function deadLetter(
  hopName: string,
  cloudEvent: MessagePublishedEvent,
  deps: HopDeps,
  error: unknown,
  started: Date,
): Promise<void> {
  const subscription = subscriptionOf(deps.topology, hopName);
  if (!subscription?.dead_letter_topic)
    throw new Error(`hop ${hopName} has no dead-letter topic in the topology`);
  const message = cloudEvent.data?.message ?? {};
  const attributes: Attributes = {
    ...(message.attributes ?? {}),
    // The same source attributes Pub/Sub sets (short subscription name, project apart), so one
    // replay path serves both kinds of dead letter.
    CloudPubSubDeadLetterSourceSubscription: subscription.name,
    CloudPubSubDeadLetterSourceSubscriptionProject: deps.config.project,
    CloudPubSubDeadLetterSourceTopicPublishTime: message.publishTime ?? started.toISOString(),
    CloudPubSubDeadLetterSourceDeliveryCount: String(cloudEvent.data?.deliveryAttempt ?? 1),
    [FAILURE_ATTRIBUTES.reason]: error instanceof PermanentError ? error.reason : "unknown",
    [FAILURE_ATTRIBUTES.hop]: hopName,
    [FAILURE_ATTRIBUTES.errorClass]: errorClass(error),
    [FAILURE_ATTRIBUTES.message]: errorMessage(error).slice(0, 1024),
    [FAILURE_ATTRIBUTES.firstSeen]: started.toISOString(),
  };
  await deps.events.publish(subscription.dead_letter_topic, {
    data: Buffer.from(message.data ?? "", "base64"),
    attributes,
  });
}
