# The one topology of the platform, the same file the local runtime is wired from
# (lib/topology.ts). Every topic, subscription and function below is generated from it.
locals {
  topology = jsondecode(file("${path.module}/../topology/topology.json"))

  topics             = { for t in local.topology.topics : t.name => t }
  dead_letter_topics = { for t in local.topology.topics : t.name => t if try(t.dead_letter, false) }
  push_subscriptions = { for s in local.topology.subscriptions : s.name => s if s.kind == "push" }
  keep_subscriptions = { for s in local.topology.subscriptions : s.name => s if s.kind == "keep" }
  functions          = { for f in local.topology.functions : f.name => f }

  # Event type -> logical topic name, to grant each function publish on exactly what it emits.
  topic_by_event_type = { for t in local.topology.topics : t.event_type => t.name if try(t.event_type, null) != null }

  # Functions invoked by a push subscription (event hops) and functions invoked over HTTP only: the
  # generator, which Cloud Scheduler starts, and the operators' tools (dlq-replay).
  event_functions    = { for name, f in local.functions : name => f if try(f.trigger_subscription, null) != null }
  http_functions     = { for name, f in local.functions : name => f if try(f.trigger_http, false) }
  scheduled_function = "generate"
  operator_functions = { for name, f in local.http_functions : name => f if name != local.scheduled_function }

  # The hops the backfill workflow (workflows/pipeline.workflows.yaml) calls over HTTP: the generator
  # and every event hop, never an operator tool.
  workflow_hops = { for name, f in local.functions : name => f if name == local.scheduled_function || try(f.trigger_subscription, null) != null }

  # Dead letters are kept by the keep subscriptions of the dead-letter topics.
  dead_letter_keep_subscriptions = { for name, s in local.keep_subscriptions : name => s if contains(keys(local.dead_letter_topics), s.topic) }

  lake_bucket    = "${var.project}-${var.prefix}-lake"
  sources_bucket = "${var.project}-${var.prefix}-sources"

  # Pipeline artefacts live under mlops/ in the lake: pipeline specs, the pipeline root, predictions.
  mlops_prefix       = "mlops/"
  pipeline_spec_path = "${path.module}/${var.vertex.pipeline_spec}"
  pipeline_spec_name = "${local.mlops_prefix}pipelines/${basename(var.vertex.pipeline_spec)}"
  pipeline_root      = "gs://${local.lake_bucket}/${local.mlops_prefix}pipeline-root"

  workflow_path    = "${path.module}/${var.workflow_source}"
  workflow_enabled = fileexists(local.workflow_path)

  archive_path = "${path.module}/${var.functions.source_archive}"

  # The datasets Dataform writes.
  datasets = {
    staging    = "winter_days_staging"
    warehouse  = "winter_days_warehouse"
    assertions = "winter_days_assertions"
  }
  # What Dataform reads besides its own tables (dataform/workflow_settings.yaml vars bronze_dataset
  # and pii_hash_key_ref): the bronze external tables and the PII hash key.
  bronze_dataset = "winter_days_bronze"
  secure_dataset = "winter_days_secure"

  dataform_repository = coalesce(var.dataform.repository, var.prefix)
}

# Cross-references the topology schema cannot express, checked before anything is planned.
resource "terraform_data" "topology_guard" {
  input = sha256(jsonencode(local.topology))

  lifecycle {
    precondition {
      condition     = alltrue([for s in values(local.push_subscriptions) : can(s.dead_letter_topic) && contains(keys(local.dead_letter_topics), try(s.dead_letter_topic, ""))])
      error_message = "Every push subscription in topology.json needs a dead_letter_topic that is a dead-letter topic."
    }
    precondition {
      condition     = alltrue([for s in values(local.push_subscriptions) : can(s.max_delivery_attempts) && can(s.retry.minimum_backoff_seconds) && can(s.ack_deadline_seconds) && can(local.functions[s.function])])
      error_message = "Every push subscription in topology.json needs function, ack_deadline_seconds, max_delivery_attempts and retry."
    }
    precondition {
      condition     = alltrue([for name in keys(local.dead_letter_topics) : contains([for s in values(local.keep_subscriptions) : s.topic], name)])
      error_message = "Every dead-letter topic in topology.json needs a keep subscription, or Pub/Sub drops what lands there."
    }
    precondition {
      condition     = alltrue([for name in keys(local.functions) : contains(keys(local.function_access), name)])
      error_message = "Every function in topology.json needs an entry in local.function_access (terraform/functions.tf)."
    }
    precondition {
      condition     = alltrue([for f in values(local.functions) : alltrue([for type in f.publishes : contains(keys(local.topic_by_event_type), type)])])
      error_message = "A function in topology.json publishes an event type that no topic carries."
    }
    precondition {
      condition     = contains(keys(local.http_functions), local.scheduled_function)
      error_message = "topology.json must have the HTTP function generate that Cloud Scheduler starts."
    }
    precondition {
      # A replay republishes a dead letter to the topic its hop reads: it must be allowed on all of them.
      condition     = alltrue([for name, a in local.function_access : alltrue([for s in values(local.push_subscriptions) : contains(local.functions[name].publishes, local.topics[s.topic].event_type)]) if a.dead_letters != null && contains(keys(local.functions), name)])
      error_message = "A function that replays dead letters (dlq-replay) must publish, in topology.json, the event type of every push subscription's topic."
    }
  }
}
