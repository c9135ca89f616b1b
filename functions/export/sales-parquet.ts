import type { SalesRecord } from "../../lib/contracts/records.ts";
import type { ParquetColumn } from "../../lib/parquet.ts";

const text = (pick: (r: SalesRecord) => string) => pick;

/**
 * Bronze Parquet layout of a sales record: every field of sales.v2.0.0, typed, except batch_date,
 * which is the hive partition in the object path (`batch_date=YYYY-MM-DD/`): BigQuery's
 * hive-partitioned external table refuses a partition key that is also a column of the file.
 */
export const SALES_PARQUET_COLUMNS: Array<ParquetColumn<SalesRecord>> = [
  { name: "schema_version", kind: "string", value: text((r) => r.schema_version) },
  { name: "sale_id", kind: "string", value: text((r) => r.sale_id) },
  { name: "batch_id", kind: "string", value: text((r) => r.batch_id) },
  { name: "sold_at", kind: "timestamp", value: (r) => new Date(r.sold_at) },
  { name: "customer_id", kind: "string", value: text((r) => r.customer_id) },
  { name: "customer_email", kind: "string", value: text((r) => r.customer_email) },
  { name: "customer_name", kind: "string", value: text((r) => r.customer_name) },
  { name: "region", kind: "string", value: text((r) => r.region) },
  { name: "store_id", kind: "string", value: text((r) => r.store_id) },
  { name: "channel", kind: "string", value: text((r) => r.channel) },
  { name: "product_id", kind: "string", value: text((r) => r.product_id) },
  { name: "product_category", kind: "string", value: text((r) => r.product_category) },
  { name: "quantity", kind: "int32", value: (r) => r.quantity },
  { name: "unit_price", kind: "double", value: (r) => r.unit_price },
  { name: "discount", kind: "double", value: (r) => r.discount },
  { name: "currency", kind: "string", value: text((r) => r.currency) },
  { name: "payment_method", kind: "string", value: text((r) => r.payment_method) },
];
