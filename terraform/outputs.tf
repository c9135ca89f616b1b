output "lake_bucket" {
  description = "The lake bucket (WINTER_DAYS_LAKE_BUCKET)."
  value       = google_storage_bucket.lake.name
}

output "sources_bucket" {
  description = "Bucket of the function source archives."
  value       = google_storage_bucket.sources.name
}

output "function_urls" {
  description = "run.app URL of each function (reachable only from inside the project, with an identity token)."
  value       = { for name, f in module.function : name => f.uri }
}

output "topics" {
  description = "Logical topic name -> deployed topic id."
  value       = { for name, t in google_pubsub_topic.this : name => t.id }
}

output "subscriptions" {
  description = "Logical subscription name -> deployed subscription id."
  value = merge(
    { for name, s in google_pubsub_subscription.push : name => s.id },
    { for name, s in google_pubsub_subscription.keep : name => s.id },
  )
}

output "dataform_repository" {
  description = "Dataform repository resource name (WINTER_DAYS_DATAFORM_REPOSITORY)."
  value       = google_dataform_repository.this.id
}

output "workflow" {
  description = "Name of the backfill workflow, null until workflows/pipeline.workflows.yaml exists."
  value       = one(google_workflows_workflow.pipeline[*].name)
}

output "pipeline_spec_uri" {
  description = "gs:// URI of the uploaded churn pipeline spec, null until the spec exists."
  value       = length(google_storage_bucket_object.pipeline_spec) == 0 ? null : "gs://${google_storage_bucket.lake.name}/${google_storage_bucket_object.pipeline_spec[0].name}"
}

output "pipeline_root" {
  description = "Vertex pipeline root under the lake's mlops/ prefix."
  value       = local.pipeline_root
}

output "pii_hash_key_secret" {
  description = "Secret Manager secret holding the PII hash key; add its first version before the functions deploy."
  value       = google_secret_manager_secret.pii_hash_key.secret_id
}

output "service_accounts" {
  description = "Every identity this stack creates, by role."
  value = merge(
    { for name, f in module.function : "function:${name}" => f.service_account_email },
    {
      build        = google_service_account.build.email
      push_invoker = google_service_account.push_invoker.email
      scheduler    = google_service_account.scheduler.email
      workflow     = google_service_account.workflow.email
      dataform     = google_service_account.dataform.email
      vertex       = google_service_account.vertex.email
    },
  )
}

output "bronze_tables" {
  description = "The bronze external tables Dataform reads, by source (dataset.table)."
  value       = { for source, t in google_bigquery_table.bronze : source => "${t.dataset_id}.${t.table_id}" }
}

output "pii_hash_key_table" {
  description = "The table (dataset.table) to copy the PII hash key into from Secret Manager (docs/deploy.md)."
  value       = "${google_bigquery_table.pii_hash_key.dataset_id}.${google_bigquery_table.pii_hash_key.table_id}"
}
