# What each function's code touches, and nothing more. One row per function of topology.json; the
# roles table in docs/deploy.md is this table in prose. Publishing rights are not listed here: every
# function may publish exactly to the topics of the event types topology.json says it emits.
#   project_roles: project-level roles (Firestore, Vertex AI and BigQuery jobs have no finer scope)
#   lake:          role on the whole lake bucket
#   mlops:         role on the lake's mlops/ objects only (plus listing the bucket)
#   warehouse:     role on the winter_days_warehouse dataset
#   dataform:      role on the Dataform repository
#   act_as:        service accounts it launches work as (Dataform execution, Vertex pipeline)
#   dead_letters:  role on every dead-letter keep subscription
locals {
  function_access = {
    generate = {
      # Sales land in Firestore, clickstream and startups as JSONL in bronze; the ledger is Firestore.
      project_roles = ["roles/datastore.user"]
      lake          = "roles/storage.objectUser"
      mlops         = null
      warehouse     = null
      dataform      = null
      act_as        = []
      dead_letters  = null
    }
    export = {
      # Reads the sales documents, writes Parquet (overwriting on redelivery), checks JSONL in place.
      project_roles = ["roles/datastore.user"]
      lake          = "roles/storage.objectUser"
      mlops         = null
      warehouse     = null
      dataform      = null
      act_as        = []
      dead_letters  = null
    }
    dataform-invoke = {
      # Creates a compilation result and a workflow invocation that runs as the Dataform account.
      project_roles = ["roles/datastore.user"]
      lake          = null
      mlops         = null
      warehouse     = null
      dataform      = "roles/dataform.editor"
      act_as        = ["dataform"]
      dead_letters  = null
    }
    dataform-poll = {
      # Reads the invocation state and, on failure, its actions.
      project_roles = ["roles/datastore.user"]
      lake          = null
      mlops         = null
      warehouse     = null
      dataform      = "roles/dataform.viewer"
      act_as        = []
      dead_letters  = null
    }
    vertex-submit = {
      # Creates the PipelineJob from the spec under mlops/pipelines/, running as the Vertex account.
      project_roles = ["roles/datastore.user", "roles/aiplatform.user"]
      lake          = null
      mlops         = "roles/storage.objectViewer"
      warehouse     = null
      dataform      = null
      act_as        = ["vertex"]
      dead_letters  = null
    }
    vertex-poll = {
      # Reads the PipelineJob state.
      project_roles = ["roles/datastore.user", "roles/aiplatform.viewer"]
      lake          = null
      mlops         = null
      warehouse     = null
      dataform      = null
      act_as        = []
      dead_letters  = null
    }
    predictions-load = {
      # Loads the prediction and metrics files under mlops/ into fact_predictions_churn and
      # model_metrics (partition replace per batch date), creating the tables when missing.
      project_roles = ["roles/datastore.user", "roles/bigquery.jobUser"]
      lake          = null
      mlops         = "roles/storage.objectViewer"
      warehouse     = "roles/bigquery.dataEditor"
      dataform      = null
      act_as        = []
      dead_letters  = null
    }
    dlq-replay = {
      # Operators replay dead letters: leases and acknowledges them on the keep subscriptions and
      # republishes each to its hop's input topic (the topology lets it publish exactly those).
      project_roles = []
      lake          = null
      mlops         = null
      warehouse     = null
      dataform      = null
      act_as        = []
      dead_letters  = "roles/pubsub.subscriber"
    }
  }

  # Accounts a function may act as, by the short names used in act_as above.
  act_as_targets = {
    dataform = google_service_account.dataform.name
    vertex   = google_service_account.vertex.name
  }

  function_env = {
    WINTER_DAYS_MODE                     = "gcp"
    GOOGLE_CLOUD_PROJECT                 = var.project
    WINTER_DAYS_PREFIX                   = var.prefix
    WINTER_DAYS_REGION                   = var.region
    WINTER_DAYS_LAKE_BUCKET              = google_storage_bucket.lake.name
    WINTER_DAYS_DATAFORM_REPOSITORY      = google_dataform_repository.this.id
    WINTER_DAYS_DATAFORM_SERVICE_ACCOUNT = google_service_account.dataform.email
    WINTER_DAYS_BIGQUERY_LOCATION        = var.bigquery_location
    WINTER_DAYS_FIRESTORE_DATABASE       = google_firestore_database.this.name
    WINTER_DAYS_VERTEX_SERVICE_ACCOUNT   = google_service_account.vertex.email
    WINTER_DAYS_VERTEX_PIPELINE_TEMPLATE = "gs://${google_storage_bucket.lake.name}/${local.pipeline_spec_name}"
    WINTER_DAYS_VERTEX_PIPELINE_ROOT     = local.pipeline_root
  }

  # Who invokes which function: the push subscription's identity for event hops, Cloud Scheduler for
  # the generator, the backfill workflow for every hop it calls, and the operators for their tools.
  function_invokers = {
    for name, f in local.functions : name => merge(
      contains(keys(local.event_functions), name) ? { push = google_service_account.push_invoker.member } : {},
      name == local.scheduled_function ? { scheduler = google_service_account.scheduler.member } : {},
      local.workflow_enabled && contains(keys(local.workflow_hops), name) ? { workflow = google_service_account.workflow.member } : {},
      contains(keys(local.operator_functions), name) ? { for member in var.operators.members : "operator:${member}" => member } : {},
    )
  }

  # Operators call their tools from their own machines or Cloud Shell, outside the project's network.
  function_ingress = { for name, f in local.functions : name => contains(keys(local.operator_functions), name) ? var.operators.ingress : var.functions.ingress }
}

# Function images, kept apart from anything else in the project and pruned.
resource "google_artifact_registry_repository" "functions" {
  location      = var.region
  repository_id = "${var.prefix}-functions"
  description   = "Images Cloud Build makes from the winter-days function source."
  format        = "DOCKER"

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "30d"
    }
  }

  depends_on = [google_project_service.enabled]
}

# The PII hash key. Terraform creates the secret, never its value (which would sit in the state):
# docs/deploy.md adds the first version with gcloud.
resource "google_secret_manager_secret" "pii_hash_key" {
  secret_id = "${var.prefix}-pii-hash-key"

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

module "function" {
  source   = "./modules/function"
  for_each = local.functions

  project     = var.project
  region      = var.region
  name        = "${var.prefix}-${each.key}"
  entry_point = each.key
  runtime     = var.functions.runtime
  labels      = { hop = each.key }

  source_archive = {
    bucket = google_storage_bucket.sources.name
    object = google_storage_bucket_object.functions_source.output_name
  }

  build = {
    service_account_id = google_service_account.build.id
    docker_repository  = google_artifact_registry_repository.functions.id
  }

  service = {
    timeout_seconds = each.value.timeout_seconds
    memory_mib      = each.value.memory_mib
    max_instances   = var.functions.max_instances
    ingress         = local.function_ingress[each.key]
  }

  # No function reads the PII hash key: Dataform hashes in BigQuery from winter_days_secure, which
  # docs/deploy.md fills from the secret. So no function is granted the secret.
  environment = local.function_env

  project_roles = local.function_access[each.key].project_roles
  invokers      = local.function_invokers[each.key]

  depends_on = [
    terraform_data.topology_guard,
    google_artifact_registry_repository_iam_member.build,
    google_project_iam_member.build,
    google_project_iam_member.build_staged_sources,
    google_storage_bucket_iam_member.build_sources,
  ]
}

# --- Resource-level grants of the function identities -------------------------------------------

resource "google_pubsub_topic_iam_member" "function_publishes" {
  for_each = merge([
    for name, f in local.functions : {
      for type in f.publishes : "${name}/${local.topic_by_event_type[type]}" => {
        function = name
        topic    = local.topic_by_event_type[type]
      }
    }
  ]...)

  topic  = google_pubsub_topic.this[each.value.topic].id
  role   = "roles/pubsub.publisher"
  member = module.function[each.value.function].member
}

resource "google_storage_bucket_iam_member" "function_lake" {
  for_each = { for name, a in local.function_access : name => a.lake if a.lake != null && contains(keys(local.functions), name) }

  bucket = google_storage_bucket.lake.name
  role   = each.value
  member = module.function[each.key].member
}

resource "google_storage_bucket_iam_member" "function_mlops" {
  for_each = { for name, a in local.function_access : name => a.mlops if a.mlops != null && contains(keys(local.functions), name) }

  bucket = google_storage_bucket.lake.name
  role   = each.value
  member = module.function[each.key].member

  # Objects under mlops/ plus the bucket itself, so that listing a prediction prefix works; bronze
  # object contents stay out of reach.
  condition {
    title       = "mlops-only"
    description = "Objects under mlops/ and bucket-level listing."
    expression  = "resource.type == \"storage.googleapis.com/Bucket\" || resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.lake.name}/objects/${local.mlops_prefix}\")"
  }
}

resource "google_bigquery_dataset_iam_member" "function_warehouse" {
  for_each = { for name, a in local.function_access : name => a.warehouse if a.warehouse != null && contains(keys(local.functions), name) }

  dataset_id = google_bigquery_dataset.this["warehouse"].dataset_id
  role       = each.value
  member     = module.function[each.key].member
}

resource "google_dataform_repository_iam_member" "function" {
  for_each = { for name, a in local.function_access : name => a.dataform if a.dataform != null && contains(keys(local.functions), name) }

  project    = var.project
  region     = var.region
  repository = google_dataform_repository.this.name
  role       = each.value
  member     = module.function[each.key].member
}

resource "google_service_account_iam_member" "function_act_as" {
  for_each = merge([
    for name, a in local.function_access : {
      for target in a.act_as : "${name}/${target}" => { function = name, target = target }
    } if contains(keys(local.functions), name)
  ]...)

  service_account_id = local.act_as_targets[each.value.target]
  role               = "roles/iam.serviceAccountUser"
  member             = module.function[each.value.function].member
}

# dlq-replay leases, acknowledges and gives back dead letters on every dead-letter keep subscription.
resource "google_pubsub_subscription_iam_member" "function_dead_letters" {
  for_each = merge([
    for name, a in local.function_access : {
      for subscription in keys(local.dead_letter_keep_subscriptions) : "${name}/${subscription}" => {
        function     = name
        subscription = subscription
        role         = a.dead_letters
      }
    } if a.dead_letters != null && contains(keys(local.functions), name)
  ]...)

  subscription = google_pubsub_subscription.keep[each.value.subscription].id
  role         = each.value.role
  member       = module.function[each.value.function].member
}
