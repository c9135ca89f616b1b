// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.


/**
 * One startup company profile from the weekly partner feed, landed as JSONL. founder_name and founder_email are PII.
 */
export interface StartupRecord {
/**
 * Record schema version.
 */
schema_version: "2.0.0"
/**
 * Stable startup key.
 */
startup_id: string
/**
 * Batch that landed this record.
 */
batch_id: string
/**
 * Business date of the batch (UTC).
 */
batch_date: string
/**
 * Company name.
 */
name: string
/**
 * Incorporation date.
 */
founded_on: string
/**
 * ISO 3166-1 alpha-2 country of the head office.
 */
country: string
/**
 * City of the head office.
 */
city: string
/**
 * Industry sector.
 */
sector: ("fintech" | "healthtech" | "climate" | "retail" | "mobility" | "saas" | "ai" | "edtech")
/**
 * Latest funding stage.
 */
funding_stage: ("pre-seed" | "seed" | "series-a" | "series-b" | "series-c" | "growth")
/**
 * Total funding raised, USD.
 */
total_funding_usd: number
/**
 * Head count.
 */
employees: number
/**
 * PII: lead founder's name.
 */
founder_name: string
/**
 * PII: lead founder's e-mail.
 */
founder_email: string
/**
 * Company website.
 */
website: string
/**
 * Operating status.
 */
status: ("active" | "acquired" | "closed")
/**
 * When the partner last updated the profile.
 */
updated_at: string
}
