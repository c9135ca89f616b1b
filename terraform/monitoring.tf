# Metrics come from the hops' structured logs (lib/log.ts, lib/hop.ts): one JSON line per entry with
# jsonPayload fields outcome, duration_ms, rows_out and layer, and the entry labels batch_date, source
# and hop (logging.googleapis.com/labels; some entries also carry jsonPayload.hop, so both are read).
# batch_date is deliberately not a metric label: one time series per day would grow without bound;
# find a day's entries in the logs instead.

locals {
  # Entries written by this deployment's functions (gen2 functions run as Cloud Run services).
  function_logs = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=~\"^${var.prefix}-\""
  hop_logs      = "${local.function_logs} AND (labels.hop:* OR jsonPayload.hop:*)"

  # Outcomes the hops log when a delivery did not succeed (lib/hop.ts and the hops). A poll hop's
  # StillRunning is the normal way to wait for a job, not a failure.
  failed_delivery = "(jsonPayload.outcome=~\"^(retrying|dead-lettered|failed|rejected)$\" OR severity>=ERROR) AND NOT jsonPayload.error.name=\"StillRunning\""

  log_metrics = {
    batch_duration = "${var.prefix}-batch-duration"
    rows           = "${var.prefix}-rows-per-layer"
    hop_failures   = "${var.prefix}-hop-failures"
    function_error = "${var.prefix}-function-errors"
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]

  push_subscription_pattern = join("|", [for name in keys(local.push_subscriptions) : "${var.prefix}-${name}"])
}

resource "google_logging_metric" "batch_duration" {
  name        = local.log_metrics.batch_duration
  description = "Time each hop spent on a batch (jsonPayload.duration_ms), by hop, source and outcome."
  filter      = "${local.hop_logs} AND jsonPayload.duration_ms:*"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "ms"
    display_name = "winter-days batch duration per hop"

    labels {
      key         = "hop"
      value_type  = "STRING"
      description = "Hop (function) name."
    }
    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Batch source: sales, clickstream or startups."
    }
    labels {
      key         = "outcome"
      value_type  = "STRING"
      description = "How the hop ended for this delivery."
    }
  }

  value_extractor = "EXTRACT(jsonPayload.duration_ms)"
  label_extractors = {
    hop     = "EXTRACT(labels.hop)"
    source  = "EXTRACT(labels.source)"
    outcome = "EXTRACT(jsonPayload.outcome)"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 24
      growth_factor      = 2
      scale              = 10
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_logging_metric" "rows" {
  name        = local.log_metrics.rows
  description = "Rows a hop wrote (jsonPayload.rows_out), by layer (bronze, silver, gold, predictions), source and hop."
  filter      = "${local.function_logs} AND jsonPayload.layer:* AND jsonPayload.rows_out:*"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "1"
    display_name = "winter-days rows per layer"

    labels {
      key         = "layer"
      value_type  = "STRING"
      description = "Layer the rows were written to."
    }
    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Batch source."
    }
    labels {
      key         = "hop"
      value_type  = "STRING"
      description = "Hop that wrote them."
    }
  }

  value_extractor = "EXTRACT(jsonPayload.rows_out)"
  label_extractors = {
    layer  = "EXTRACT(jsonPayload.layer)"
    source = "EXTRACT(labels.source)"
    hop    = "EXTRACT(labels.hop)"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 30
      growth_factor      = 2
      scale              = 1
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_logging_metric" "hop_failures" {
  name        = local.log_metrics.hop_failures
  description = "Hop deliveries that failed (transient, retried, or permanent, dead-lettered), by hop, source and outcome."
  filter      = "${local.hop_logs} AND ${local.failed_delivery}"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "winter-days hop failures"

    labels {
      key         = "hop"
      value_type  = "STRING"
      description = "Hop (function) name."
    }
    labels {
      key         = "source"
      value_type  = "STRING"
      description = "Batch source."
    }
    labels {
      key         = "outcome"
      value_type  = "STRING"
      description = "Failure outcome the hop logged."
    }
  }

  label_extractors = {
    hop     = "EXTRACT(labels.hop)"
    source  = "EXTRACT(labels.source)"
    outcome = "EXTRACT(jsonPayload.outcome)"
  }

  depends_on = [google_project_service.enabled]
}

# Anything a function logs at ERROR or above, including crashes that never reach the hop's own logging.
resource "google_logging_metric" "function_errors" {
  name        = local.log_metrics.function_error
  description = "Log entries at ERROR or above from the winter-days functions, by service."
  filter      = "${local.function_logs} AND severity>=ERROR"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "winter-days function errors"

    labels {
      key         = "service"
      value_type  = "STRING"
      description = "Cloud Run service (function) name."
    }
  }

  label_extractors = {
    service = "EXTRACT(resource.labels.service_name)"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alerting.notification_emails)

  display_name = "winter-days: ${each.value}"
  type         = "email"
  labels       = { email_address = each.value }

  depends_on = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "function_errors" {
  display_name          = "${var.prefix}: function errors"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "A function logged errors"
    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.function_errors.name}\" AND resource.type=\"cloud_run_revision\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alerting.function_errors_per_window
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.service"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A winter-days function logged at ERROR. Open the service's logs; permanent failures are also in the hop's `-dead-letter-keep` subscription (docs/operations/dead-letters.md)."
  }
}

# Dataform writes one workflow_invocation_completion entry per invocation, with its terminal state.
resource "google_monitoring_alert_policy" "dataform_failed" {
  display_name          = "${var.prefix}: Dataform invocation FAILED"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Dataform workflow invocation ended FAILED"
    condition_matched_log {
      filter = "resource.type=\"dataform.googleapis.com/Repository\" AND resource.labels.repository_id=\"${google_dataform_repository.this.name}\" AND jsonPayload.terminalState=\"FAILED\""
      label_extractors = {
        invocation = "EXTRACT(jsonPayload.workflowInvocationId)"
      }
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "300s"
    }
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A Dataform workflow invocation of repository ${google_dataform_repository.this.name} failed. The run ledger records the failing actions; dataform-poll published dataform.failed (kept in the dataform-failed-audit subscription)."
  }
}

# vertex-poll publishes vertex.failed when a PipelineJob ends FAILED or CANCELLED.
resource "google_monitoring_alert_policy" "vertex_failed" {
  display_name          = "${var.prefix}: Vertex pipeline job failed"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = local.notification_channels

  conditions {
    display_name = "vertex.failed published"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/topic/send_message_operation_count\" AND resource.type=\"pubsub_topic\" AND resource.labels.topic_id=\"${google_pubsub_topic.this["vertex-failed"].name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "A churn PipelineJob failed. The message in the vertex-failed-audit subscription names the job; open it in Vertex AI > Pipelines."
  }
}

# Anything in a -dead-letter-keep subscription is a batch that stopped: someone has to look.
resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "${var.prefix}: undelivered dead-letter messages"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Messages waiting in a dead-letter keep subscription"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=monitoring.regex.full_match(\"${var.prefix}-.*-dead-letter-keep\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.subscription_id"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      Dead-lettered events are waiting in a `-dead-letter-keep` subscription (the incident names it).
      Runbook: docs/operations/dead-letters.md. Look at them first (`gcloud pubsub subscriptions pull`
      acknowledges nothing), read `winter_days_failure_reason` against the runbook's table of reasons,
      fix the cause, then replay with the function `${var.prefix}-dlq-replay`, a dry run first:
      POST `{"subscription": "<keep subscription>", "dry_run": true}`.
    EOT
  }
}

# A push subscription whose oldest message waits longer than the hop's whole retry budget is stuck.
# Keep subscriptions hold messages on purpose and are left out.
resource "google_monitoring_alert_policy" "oldest_unacked" {
  display_name          = "${var.prefix}: oldest unacked message age"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = local.notification_channels

  conditions {
    display_name = "Oldest unacked message older than ${var.alerting.oldest_unacked_age_seconds}s"
    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=monitoring.regex.full_match(\"${local.push_subscription_pattern}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.alerting.oldest_unacked_age_seconds
      duration        = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.subscription_id"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Messages have waited too long in a subscription: a hop is failing or too slow, or a keep subscription is not being drained."
  }
}

resource "google_monitoring_dashboard" "platform" {
  dashboard_json = templatefile("${path.module}/dashboards/winter-days.json", {
    prefix                 = var.prefix
    batch_duration_metric  = google_logging_metric.batch_duration.name
    rows_metric            = google_logging_metric.rows.name
    hop_failures_metric    = google_logging_metric.hop_failures.name
    function_errors_metric = google_logging_metric.function_errors.name
  })
}
