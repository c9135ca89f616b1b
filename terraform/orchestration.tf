# Daily and weekly batches: Cloud Scheduler calls the generate function with an OIDC token of its own
# identity; generate lands the batch and publishes batch.landed, and the event chain does the rest.
resource "google_cloud_scheduler_job" "generate" {
  for_each = var.schedules.sources

  name        = "${var.prefix}-generate-${each.key}"
  region      = var.region
  description = "Land today's ${each.key} batch."
  schedule    = each.value
  time_zone   = var.schedules.time_zone

  # generate may take its whole timeout on a large batch.
  attempt_deadline = "${min(local.functions["generate"].timeout_seconds, 1800)}s"

  retry_config {
    retry_count          = 3
    min_backoff_duration = "60s"
    max_backoff_duration = "600s"
  }

  http_target {
    http_method = "POST"
    uri         = module.function["generate"].uri
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode(jsonencode({ source = each.key, date = "today" }))

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = module.function["generate"].uri
    }
  }

  depends_on = [google_project_service.enabled]
}

# Backfills: `gcloud workflows run <prefix>-pipeline --data='{"from":…,"to":…}'` calls the same hop
# functions over HTTP. Created once workflows/pipeline.workflows.yaml exists.
resource "google_workflows_workflow" "pipeline" {
  count = local.workflow_enabled ? 1 : 0

  name                = "${var.prefix}-pipeline"
  region              = var.region
  description         = "Backfill: runs the winter-days hops for a range of batch dates."
  service_account     = google_service_account.workflow.id
  call_log_level      = "LOG_ERRORS_ONLY"
  deletion_protection = var.deletion_protection
  source_contents     = file(local.workflow_path)

  # Read with sys.get_env: <FUNCTION>_URL for every hop it calls (GENERATE_URL, EXPORT_URL, …
  # PREDICTIONS_LOAD_URL), plus where the platform lives.
  user_env_vars = merge(
    { for name, f in local.workflow_hops : "${upper(replace(name, "-", "_"))}_URL" => module.function[name].uri },
    {
      WINTER_DAYS_PREFIX      = var.prefix
      WINTER_DAYS_REGION      = var.region
      WINTER_DAYS_LAKE_BUCKET = google_storage_bucket.lake.name
    },
  )

  depends_on = [google_project_iam_member.workflow]
}
