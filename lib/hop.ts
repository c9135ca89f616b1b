import type { Config } from "./config.ts";
import type { EventsByType, EventType, WinterEvent } from "./contracts/events.ts";
import type { Contracts } from "./contracts/validator.ts";
import { classifyFailure, errorClass, errorMessage, PermanentError, SchemaViolation } from "./errors.ts";
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
  /**
   * Set (to why) when the event was deliberately ignored: it names a batch that is no longer the
   * date's current one. Nothing is recorded in the ledger, whose entry belongs to the current batch.
   */
  dropped?: string;
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

/**
 * Largest message data a hop reads as an event. Events are documents of a few kilobytes; data far
 * larger is not an event of this platform, and validating it in full (every problem of a
 * million-item array) would cost a function instance seconds and gigabytes before refusing it.
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/**
 * Checks what the schemas cannot: the batch id names the event's own source and date
 * (`<source>-<batch date>-<hash>`), as every producer builds it. An event whose id names another
 * batch would act on that batch's documents and files under this one's date.
 */
function checkBatchId(event: WinterEvent, where: string): WinterEvent {
  const prefix = `${event.source}-${event.batch_date}-`;
  if (!event.batch_id.startsWith(prefix)) {
    throw new SchemaViolation(`${event.event_type} event at ${where}`, [
      `/batch_id: ${JSON.stringify(event.batch_id)} is not a batch of ${event.source} on ${event.batch_date} (${prefix}<hash>)`,
    ]);
  }
  return event;
}

/** Whether the ledger records this very message as handled by this hop for this batch. */
async function alreadyHandled(
  deps: HopDeps,
  hop: string,
  event: WinterEvent,
  eventId: string,
): Promise<boolean> {
  const record = (await deps.ledger.get(event.batch_date))?.hops?.[hop]?.[event.source];
  return record?.state === "succeeded" && record.event_id === eventId && record.batch_id === event.batch_id;
}

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
  if (raw.length > MAX_EVENT_BYTES) {
    throw new PermanentError(
      "malformed-message",
      `${where}: data is ${raw.length} bytes; an event is at most ${MAX_EVENT_BYTES} bytes`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new PermanentError("malformed-message", `${where}: data is not JSON (${errorMessage(error)})`);
  }
  return {
    raw,
    attributes: message.attributes ?? {},
    event: checkBatchId(deps.contracts.event(parsed, where), where),
  };
}

/**
 * Pulls what can be known about a batch out of data that failed validation, for the ledger: its
 * batch date, when the data is JSON with a real calendar date there (anything else would name a
 * ledger document after an impossible date).
 */
function batchDateOf(cloudEvent: MessagePublishedEvent): string | undefined {
  try {
    const raw = Buffer.from(cloudEvent.data?.message?.data ?? "", "base64");
    const date = (JSON.parse(raw.toString("utf8")) as { batch_date?: unknown }).batch_date;
    return typeof date === "string" &&
      /^\d{4}-\d{2}-\d{2}$/.test(date) &&
      new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date
      ? date
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
    if (publishing && (await alreadyHandled(deps, hop.name, event, eventId))) {
      // A redelivery of a message this hop already finished: the ledger is written after the
      // hop's events were published, so there is nothing left to do. Running it again would be
      // harmless but would publish its events again, and every hop after would multiply them.
      log.info(`${hop.name}: message ${eventId} was already handled; acknowledged`, { outcome: "duplicate" });
      return { outcome: "succeeded", published: [] };
    }
    const outcome = await hop.handle(event as EventsByType[T], { deps, log, eventId, deliveryAttempt });
    if (outcome.dropped !== undefined) {
      log.notice(`${hop.name} dropped the event: ${outcome.dropped}`, { outcome: "dropped" });
      return { outcome: "succeeded", published: [] };
    }
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
    // The event is undefined when it failed validation: its date is then read from the raw data.
    const batchDate = event?.batch_date ?? batchDateOf(cloudEvent);
    const reason = error instanceof PermanentError ? error.reason : undefined;
    const finalState = kind === "transient" ? "retrying" : deadLettering ? "dead-lettered" : "rejected";
    // The ledger first: a ledger write that fails makes the delivery fail and come back, and the
    // message must not have been dead-lettered already by then (it would be dead-lettered twice).
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
        error: { class: errorClass(error), message: boundedMessage(error), ...(reason ? { reason } : {}) },
      });
    }
    if (kind === "permanent" && deadLettering) {
      await deadLetter(hop.name, cloudEvent, deps, error, started);
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

/** Longest error message the ledger keeps: a Firestore document holds at most 1 MiB. */
const LEDGER_MESSAGE_LIMIT = 4096;

/** The error's message, cut to what a ledger entry keeps (a schema violation can list thousands of paths). */
function boundedMessage(error: unknown): string {
  const message = errorMessage(error).toWellFormed();
  if (message.length <= LEDGER_MESSAGE_LIMIT) return message;
  // A cut through a surrogate pair leaves half a character: made U+FFFD, as Firestore needs UTF-8.
  return `${message.slice(0, LEDGER_MESSAGE_LIMIT).toWellFormed()}… (${message.length - LEDGER_MESSAGE_LIMIT} more characters)`;
}

/** Pub/Sub's limit on an attribute value, in bytes. */
const ATTRIBUTE_VALUE_BYTES = 1024;

/**
 * Text cut to what Pub/Sub accepts as an attribute value: valid UTF-8 (a lone surrogate from the
 * data becomes U+FFFD) of at most 1024 bytes, never splitting a character. A longer value would
 * make the dead-letter publish itself fail.
 */
function attributeValue(text: string): string {
  const wellFormed = text.toWellFormed();
  if (Buffer.byteLength(wellFormed) <= ATTRIBUTE_VALUE_BYTES) return wellFormed;
  let out = "";
  let bytes = 0;
  for (const character of wellFormed) {
    bytes += Buffer.byteLength(character);
    if (bytes > ATTRIBUTE_VALUE_BYTES) break;
    out += character;
  }
  return out;
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
    [FAILURE_ATTRIBUTES.message]: attributeValue(errorMessage(error)),
    [FAILURE_ATTRIBUTES.firstSeen]: started.toISOString(),
  };
  await deps.events.publish(subscription.dead_letter_topic, {
    data: Buffer.from(message.data ?? "", "base64"),
    attributes,
  });
}
