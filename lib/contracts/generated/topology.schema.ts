// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.


/**
 * Topics, subscriptions, dead-letter topics and functions of the platform. One file, read by the local runtime and by terraform.
 */
export interface Topology {
$schema?: string
description?: string
/**
 * How long a subscription keeps unacknowledged messages.
 */
message_retention_seconds: number
topics: TopicSpec[]
subscriptions: SubscriptionSpec[]
functions: FunctionSpec[]
}
export interface TopicSpec {
name: string
/**
 * The one event type published to this topic.
 */
event_type?: string
/**
 * True for a dead-letter topic.
 */
dead_letter?: boolean
}
export interface SubscriptionSpec {
name: string
topic: string
/**
 * push: delivers to a function; keep: holds messages for people and replay (dead letters, audit).
 */
kind: ("push" | "keep")
/**
 * Function a push subscription delivers to.
 */
function?: string
ack_deadline_seconds?: number
max_delivery_attempts?: number
retry?: RetrySpec
dead_letter_topic?: string
}
export interface RetrySpec {
minimum_backoff_seconds: number
maximum_backoff_seconds: number
}
export interface FunctionSpec {
/**
 * Function name, folder under functions/ and entry point.
 */
name: string
/**
 * Push subscription that delivers its events.
 */
trigger_subscription?: string
/**
 * Invoked over HTTP only (scheduler, workflows).
 */
trigger_http?: boolean
/**
 * Event type it handles.
 */
consumes?: string
publishes: string[]
timeout_seconds: number
memory_mib: number
}
