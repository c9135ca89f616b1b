# One Cloud Run function (gen2) with an identity of its own: nothing else runs as this account, and
# it holds only the roles its code uses.
resource "google_service_account" "this" {
  project      = var.project
  account_id   = var.name
  display_name = "winter-days function ${var.entry_point}"
  description  = "Runtime identity of the ${var.name} Cloud Run function."
}

resource "google_project_iam_member" "this" {
  for_each = var.project_roles

  project = var.project
  role    = each.value
  member  = google_service_account.this.member
}

# Cloud Run checks secret access when it deploys a revision, so the grant comes first.
resource "google_secret_manager_secret_iam_member" "this" {
  for_each = var.secret_environment

  project   = var.project
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.this.member
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project
  location    = var.region
  name        = var.name
  description = "winter-days ${var.entry_point}"
  labels      = var.labels

  build_config {
    runtime           = var.runtime
    entry_point       = var.entry_point
    service_account   = var.build.service_account_id
    docker_repository = var.build.docker_repository

    source {
      storage_source {
        bucket = var.source_archive.bucket
        object = var.source_archive.object
      }
    }

    # Runtime security patches without a redeploy.
    automatic_update_policy {}
  }

  service_config {
    service_account_email            = google_service_account.this.email
    timeout_seconds                  = var.service.timeout_seconds
    available_memory                 = "${var.service.memory_mib}Mi"
    max_instance_count               = var.service.max_instances
    min_instance_count               = var.service.min_instances
    max_instance_request_concurrency = 1
    ingress_settings                 = var.service.ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = var.environment

    dynamic "secret_environment_variables" {
      for_each = var.secret_environment
      content {
        key        = secret_environment_variables.key
        project_id = var.project
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  # No event_trigger: events arrive through an explicit push subscription, whose dead-letter policy
  # terraform controls (see terraform/pubsub.tf).

  depends_on = [google_project_iam_member.this, google_secret_manager_secret_iam_member.this]
}

# Invocation is a Cloud Run permission on the function's underlying service.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = var.invokers

  project  = var.project
  location = var.region
  name     = google_cloudfunctions2_function.this.service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}
