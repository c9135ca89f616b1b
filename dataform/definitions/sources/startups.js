// Bronze startups: weekly JSONL at gs://<lake>/startups/batch_date=YYYY-MM-DD/part-*.jsonl.
// An external table (hive-partitioned on batch_date) that terraform creates; see
// docs/decisions/0002-dataform-sources.md. Offline, the local runner creates the same relation.
declare({
  schema: dataform.projectConfig.vars.bronze_dataset,
  name: "startups",
  description:
    "Bronze startup profiles (schemas/records/startup.v2.0.0.json); founder name and e-mail are PII.",
});
