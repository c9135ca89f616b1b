// The key of the keyed hash that pseudonymises PII (includes/pii.js): one row, column hash_key.
// Deployment writes it from Secret Manager into a dataset only the Dataform service account
// reads; offline, the local runner writes the configured key.
declare({
  ...pii.keyTable(),
  description: "Single-row table holding the PII hash key (column hash_key).",
});
