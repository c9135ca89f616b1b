// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.


/**
 * The churn pipeline job for a batch date was submitted.
 */
export type VertexSubmitted = (EventEnvelope & {
event_type: "vertex.submitted"
schema_version: "1.0.0"
source: "churn"
batch_date?: unknown
batch_id?: unknown
location?: unknown
record_count?: unknown
produced_at?: unknown
producer?: unknown
/**
 * Vertex AI PipelineJob resource name.
 */
pipeline_job: string
})

/**
 * Fields every winter-days event carries. Events travel as the data of a Pub/Sub message; the message attributes repeat event_type and schema_version so subscribers can route without parsing.
 */
export interface EventEnvelope {
/**
 * Event type, e.g. batch.landed.
 */
event_type: string
/**
 * Version of the event schema the data follows.
 */
schema_version: string
/**
 * Data source for batch events; warehouse or churn for the date-level stages.
 */
source: ("sales" | "clickstream" | "startups" | "warehouse" | "churn")
/**
 * Business date of the batch.
 */
batch_date: string
/**
 * Deterministic id of the batch: <source>-<date>-<hash>.
 */
batch_id: string
/**
 * Where the data is: a gs:// URI or prefix, a firestore:// collection, or a resource name.
 */
location: string
/**
 * Number of records at location for this batch.
 */
record_count: number
/**
 * When the producer emitted the event.
 */
produced_at: string
/**
 * Name of the generator or hop that emitted the event.
 */
producer: string
}
