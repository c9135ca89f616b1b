// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.


/**
 * One web or app interaction, landed as JSONL. ip_address is PII and must never leave bronze.
 */
export interface ClickstreamRecord {
/**
 * Record schema version.
 */
schema_version: "2.0.0"
/**
 * Unique click event id.
 */
event_id: string
/**
 * Batch that landed this record.
 */
batch_id: string
/**
 * Business date of the batch (UTC).
 */
batch_date: string
/**
 * When the interaction happened (UTC).
 */
event_time: string
/**
 * Web session key.
 */
session_id: string
/**
 * Customer key when the visitor is logged in, else null.
 */
customer_id: (string | null)
/**
 * Cookie id of the browser.
 */
anonymous_id: string
/**
 * Kind of interaction.
 */
event_type: ("page_view" | "product_view" | "search" | "add_to_cart" | "remove_from_cart" | "checkout")
/**
 * Path of the page, e.g. /p/P-00042.
 */
page_url: string
/**
 * Product shown or added, if any.
 */
product_id: (string | null)
/**
 * Traffic source of the session.
 */
referrer: ("direct" | "search" | "social" | "email" | "ads")
/**
 * Device class.
 */
device: ("desktop" | "mobile" | "tablet")
/**
 * Browser user agent string.
 */
user_agent: string
/**
 * PII: client IP address (IPv4).
 */
ip_address: string
/**
 * ISO 3166-1 alpha-2 country of the client.
 */
country: string
}
