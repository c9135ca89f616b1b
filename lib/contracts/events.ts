import type { BatchLanded } from "./generated/events__batch.landed.v1.0.0.ts";
import type { BronzeReady } from "./generated/events__bronze.ready.v1.0.0.ts";
import type { DataformCompleted } from "./generated/events__dataform.completed.v1.0.0.ts";
import type { DataformFailed } from "./generated/events__dataform.failed.v1.0.0.ts";
import type { DataformInvoked } from "./generated/events__dataform.invoked.v1.0.0.ts";
import type { PredictionsLoaded } from "./generated/events__predictions.loaded.v1.0.0.ts";
import type { PredictionsReady } from "./generated/events__predictions.ready.v1.0.0.ts";
import type { VertexFailed } from "./generated/events__vertex.failed.v1.0.0.ts";
import type { VertexSubmitted } from "./generated/events__vertex.submitted.v1.0.0.ts";

export type {
  BatchLanded,
  BronzeReady,
  DataformCompleted,
  DataformFailed,
  DataformInvoked,
  PredictionsLoaded,
  PredictionsReady,
  VertexFailed,
  VertexSubmitted,
};

/** Every event type with the TypeScript shape generated from its schema. */
export interface EventsByType {
  "batch.landed": BatchLanded;
  "bronze.ready": BronzeReady;
  "dataform.invoked": DataformInvoked;
  "dataform.completed": DataformCompleted;
  "dataform.failed": DataformFailed;
  "vertex.submitted": VertexSubmitted;
  "vertex.failed": VertexFailed;
  "predictions.ready": PredictionsReady;
  "predictions.loaded": PredictionsLoaded;
}

export type EventType = keyof EventsByType;
export type WinterEvent = EventsByType[EventType];

/** The schema version this code writes for every event type; older or newer versions are refused. */
export const EVENT_SCHEMA_VERSION = "1.0.0";

export const EVENT_TYPES: readonly EventType[] = [
  "batch.landed",
  "bronze.ready",
  "dataform.invoked",
  "dataform.completed",
  "dataform.failed",
  "vertex.submitted",
  "vertex.failed",
  "predictions.ready",
  "predictions.loaded",
];

type Stamped = "event_type" | "schema_version" | "produced_at";

/** Builds an event of `type`, stamping type, schema version and production time. */
export function makeEvent<T extends EventType>(
  type: T,
  fields: Omit<EventsByType[T], Stamped>,
  now: Date = new Date(),
): EventsByType[T] {
  return {
    ...fields,
    event_type: type,
    schema_version: EVENT_SCHEMA_VERSION,
    produced_at: now.toISOString(),
  } as EventsByType[T];
}
