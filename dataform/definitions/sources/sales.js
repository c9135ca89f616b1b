// Bronze sales: Parquet exported from Firestore, gs://<lake>/sales/batch_date=YYYY-MM-DD/part-*.parquet.
// An external table (hive-partitioned on batch_date) that terraform creates; see
// docs/decisions/0002-dataform-sources.md. Offline, the local runner creates the same relation.
declare({
  schema: dataform.projectConfig.vars.bronze_dataset,
  name: "sales",
  description:
    "Bronze sales lines (schemas/records/sales.v2.0.0.json); contains PII, never selected raw downstream.",
});
