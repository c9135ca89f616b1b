resource "google_project_service" "enabled" {
  for_each = toset(var.apis)

  project = var.project
  service = each.value
  # Other workloads in the project may use the same APIs: destroying this stack leaves them on.
  disable_on_destroy = false
}

# Service agents are created lazily by Google; creating them here lets IAM grants to them succeed on
# the first apply.
resource "google_project_service_identity" "pubsub" {
  provider = google-beta
  project  = var.project
  service  = "pubsub.googleapis.com"

  depends_on = [google_project_service.enabled]
}

resource "google_project_service_identity" "dataform" {
  provider = google-beta
  project  = var.project
  service  = "dataform.googleapis.com"

  depends_on = [google_project_service.enabled]
}

locals {
  # service-<project number>@gcp-sa-pubsub.iam.gserviceaccount.com
  pubsub_service_agent = "serviceAccount:${google_project_service_identity.pubsub.email}"
  # service-<project number>@gcp-sa-dataform.iam.gserviceaccount.com
  dataform_service_agent = "serviceAccount:${google_project_service_identity.dataform.email}"
}
