# Firestore (native mode): the sales source collection and the run ledger.
resource "google_firestore_database" "this" {
  name        = var.firestore.database
  location_id = coalesce(var.firestore.location, var.region)
  type        = "FIRESTORE_NATIVE"

  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = var.deletion_protection ? "ABANDON" : "DELETE"

  depends_on = [google_project_service.enabled]
}

# Silver, gold and the Dataform assertions. Dataform owns the tables; terraform owns the datasets and
# who may touch them.
resource "google_bigquery_dataset" "this" {
  for_each = local.datasets

  dataset_id                 = each.value
  location                   = var.bigquery_location
  description                = "winter-days ${each.key} layer"
  delete_contents_on_destroy = !var.deletion_protection

  depends_on = [google_project_service.enabled]
}

# The Dataform repository the dataform-invoke hop compiles and invokes; workflow invocations run as
# the Dataform execution account (iam.tf), never as the Dataform service agent.
resource "google_dataform_repository" "this" {
  name            = local.dataform_repository
  region          = var.region
  display_name    = "winter-days"
  service_account = google_service_account.dataform.email

  dynamic "git_remote_settings" {
    for_each = var.dataform.git_remote == null ? [] : [var.dataform.git_remote]
    content {
      url                                 = git_remote_settings.value.url
      default_branch                      = git_remote_settings.value.default_branch
      authentication_token_secret_version = git_remote_settings.value.token_secret_version
    }
  }

  workspace_compilation_overrides {
    default_database = coalesce(var.dataform.compilation_overrides.default_database, var.project)
    schema_suffix    = var.dataform.compilation_overrides.schema_suffix
    table_prefix     = var.dataform.compilation_overrides.table_prefix
  }

  depends_on = [google_service_account_iam_member.dataform_agent_token_creator]
}

# The Dataform service agent reads the git token to fetch the project from its remote.
resource "google_secret_manager_secret_iam_member" "dataform_git_token" {
  count = var.dataform.git_remote == null ? 0 : 1

  project   = split("/", var.dataform.git_remote.token_secret_version)[1]
  secret_id = split("/", var.dataform.git_remote.token_secret_version)[3]
  role      = "roles/secretmanager.secretAccessor"
  member    = local.dataform_service_agent
}
