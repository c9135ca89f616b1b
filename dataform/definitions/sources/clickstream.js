// Bronze clickstream: JSONL at gs://<lake>/clickstream/batch_date=YYYY-MM-DD/part-*.jsonl.
// An external table (hive-partitioned on batch_date) that terraform creates; see
// docs/decisions/0002-dataform-sources.md. Offline, the local runner creates the same relation.
declare({
  schema: dataform.projectConfig.vars.bronze_dataset,
  name: "clickstream",
  description: "Bronze click events (schemas/records/clickstream.v2.0.0.json); ip_address is PII.",
});
