# Identities other than the functions' own (terraform/modules/function). No workload here runs as the
# Compute Engine default service account; each account below has one job.

# Cloud Build, when it turns the source archive into function images.
resource "google_service_account" "build" {
  account_id   = "${var.prefix}-build"
  display_name = "winter-days function builds"
  description  = "Cloud Build identity for building the winter-days functions (instead of the default compute account)."

  depends_on = [google_project_service.enabled]
}

# The identity Pub/Sub presents (OIDC token) when it pushes an event to a hop function.
resource "google_service_account" "push_invoker" {
  account_id   = "${var.prefix}-push"
  display_name = "winter-days Pub/Sub push"
  description  = "OIDC identity of the push subscriptions; may only invoke the event hops."

  depends_on = [google_project_service.enabled]
}

# Cloud Scheduler, when it starts the generators.
resource "google_service_account" "scheduler" {
  account_id   = "${var.prefix}-scheduler"
  display_name = "winter-days scheduler"
  description  = "OIDC identity of the Cloud Scheduler jobs; may only invoke the generate function."

  depends_on = [google_project_service.enabled]
}

# The backfill workflow, when it calls the hops over HTTP.
resource "google_service_account" "workflow" {
  account_id   = "${var.prefix}-workflow"
  display_name = "winter-days backfill workflow"
  description  = "Runs the pipeline workflow; may only invoke the hop functions and write its logs."

  depends_on = [google_project_service.enabled]
}

# Dataform workflow invocations (the SQL from bronze to gold) run as this account.
resource "google_service_account" "dataform" {
  account_id   = "${var.prefix}-dataform"
  display_name = "winter-days Dataform execution"
  description  = "Executes the Dataform project: reads bronze, writes the staging, warehouse and assertions datasets."

  depends_on = [google_project_service.enabled]
}

# Vertex AI pipeline jobs (churn training and scoring) run as this account.
resource "google_service_account" "vertex" {
  account_id   = "${var.prefix}-vertex"
  display_name = "winter-days Vertex pipelines"
  description  = "Runs the churn PipelineJob: reads features, writes models and predictions under mlops/."

  depends_on = [google_project_service.enabled]
}

# --- Build -----------------------------------------------------------------------------------------

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter"])

  project = var.project
  role    = each.value
  member  = google_service_account.build.member
}

# Cloud Run functions stages uploaded sources in its own gcf-v2-* buckets before Cloud Build reads
# them; the condition keeps the lake (and everything else) out of the builder's reach.
resource "google_project_iam_member" "build_staged_sources" {
  project = var.project
  role    = "roles/storage.objectViewer"
  member  = google_service_account.build.member

  condition {
    title       = "function-sources-only"
    description = "Cloud Run functions' own source staging buckets."
    expression  = "resource.name.startsWith(\"projects/_/buckets/gcf-v2-\")"
  }
}

resource "google_storage_bucket_iam_member" "build_sources" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build" {
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

# --- Push ------------------------------------------------------------------------------------------

# Only for projects whose Pub/Sub service agent predates 2021-04-08 (see var.pubsub_agent_token_creator);
# granted on the push identity alone, never project-wide.
resource "google_service_account_iam_member" "pubsub_agent_token_creator" {
  count = var.pubsub_agent_token_creator ? 1 : 0

  service_account_id = google_service_account.push_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# --- Workflow --------------------------------------------------------------------------------------

resource "google_project_iam_member" "workflow" {
  for_each = toset(["roles/logging.logWriter"])

  project = var.project
  role    = each.value
  member  = google_service_account.workflow.member
}

# --- Dataform --------------------------------------------------------------------------------------

resource "google_project_iam_member" "dataform" {
  for_each = toset(["roles/bigquery.jobUser"])

  project = var.project
  role    = each.value
  member  = google_service_account.dataform.member
}

resource "google_bigquery_dataset_iam_member" "dataform" {
  for_each = local.datasets

  dataset_id = google_bigquery_dataset.this[each.key].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.dataform.member
}

# Bronze is read through external tables, with the executing account's credentials.
resource "google_storage_bucket_iam_member" "dataform_lake" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.dataform.member
}

# Dataform's service agent mints the execution account's tokens (strict act-as mode).
resource "google_service_account_iam_member" "dataform_agent_token_creator" {
  service_account_id = google_service_account.dataform.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.dataform_service_agent
}

# --- Vertex ----------------------------------------------------------------------------------------

resource "google_project_iam_member" "vertex" {
  for_each = toset(["roles/aiplatform.user", "roles/bigquery.jobUser"])

  project = var.project
  role    = each.value
  member  = google_service_account.vertex.member
}

# Features are read from and predictions written to the warehouse (BigQuery ML inside the pipeline).
resource "google_bigquery_dataset_iam_member" "vertex_warehouse" {
  dataset_id = google_bigquery_dataset.this["warehouse"].dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.vertex.member
}

# The pipeline root and prediction files under mlops/; bronze stays out of reach.
resource "google_storage_bucket_iam_member" "vertex_mlops" {
  bucket = google_storage_bucket.lake.name
  role   = "roles/storage.objectUser"
  member = google_service_account.vertex.member

  condition {
    title       = "mlops-only"
    description = "Objects under mlops/ and bucket-level listing."
    expression  = "resource.type == \"storage.googleapis.com/Bucket\" || resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.lake.name}/objects/${local.mlops_prefix}\")"
  }
}

# Pipeline components launch their own Vertex jobs as the pipeline's account.
resource "google_service_account_iam_member" "vertex_self" {
  service_account_id = google_service_account.vertex.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.vertex.member
}
