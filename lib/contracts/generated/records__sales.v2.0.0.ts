// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.


/**
 * One sale line as the point-of-sale systems write it to Firestore (collection winter_sales). Contains PII (customer_email, customer_name) that must never leave bronze.
 */
export interface SalesRecord {
/**
 * Record schema version.
 */
schema_version: "2.0.0"
/**
 * Unique sale line id: S-<yyyymmdd>-<batch hash>-<sequence>.
 */
sale_id: string
/**
 * Batch that landed this record.
 */
batch_id: string
/**
 * Business date of the batch (UTC).
 */
batch_date: string
/**
 * When the sale happened (UTC, within batch_date).
 */
sold_at: string
/**
 * Stable customer key.
 */
customer_id: string
/**
 * PII: customer e-mail.
 */
customer_email: string
/**
 * PII: customer full name.
 */
customer_name: string
/**
 * Sales region of the store or delivery address.
 */
region: ("North" | "South" | "East" | "West" | "Central")
/**
 * Store (or web shop) that made the sale.
 */
store_id: string
/**
 * Sales channel.
 */
channel: ("store" | "online" | "phone")
/**
 * Product key.
 */
product_id: string
/**
 * Product category.
 */
product_category: ("outerwear" | "knitwear" | "footwear" | "accessories" | "ski" | "home" | "gifts")
/**
 * Units sold.
 */
quantity: number
/**
 * Unit list price in currency units.
 */
unit_price: number
/**
 * Discount rate applied to the line, 0..1.
 */
discount: number
/**
 * ISO 4217 currency of unit_price.
 */
currency: "EUR"
/**
 * Payment method.
 */
payment_method: ("card" | "cash" | "paypal" | "invoice" | "gift_card")
}
