variable "project" {
  description = "Google Cloud project id everything is deployed into."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project must be a Google Cloud project id: 6-30 lowercase letters, digits and dashes, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the lake bucket, Dataform, Workflows, Scheduler and Vertex AI."
  type        = string
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as europe-west1."
  }
}

variable "prefix" {
  description = "Prefix of every resource name (<prefix>-<name>); the functions read the same value as WINTER_DAYS_PREFIX."
  type        = string
  default     = "winter-days"

  validation {
    # 13 characters at most: "<prefix>-predictions-load" must stay a valid 30-character service account id.
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}[a-z0-9]$", var.prefix))
    error_message = "prefix must be 3-13 lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "labels" {
  description = "Extra labels put on every resource that takes labels."
  type        = map(string)
  default     = {}
}

variable "bigquery_location" {
  description = "Location of the BigQuery datasets (WINTER_DAYS_BIGQUERY_LOCATION). Must contain var.region, because the lake is read through external tables."
  type        = string
  default     = "EU"
}

variable "firestore" {
  description = "The Firestore database that holds the sales source and the run ledger."
  type = object({
    database = optional(string, "(default)")
    # null: the region of everything else.
    location = optional(string)
  })
  default = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy stateful resources (buckets with data, datasets, Firestore, the workflow). Set false only for throwaway projects."
  type        = bool
  default     = true
}

variable "functions" {
  description = "Deployment settings shared by every Cloud Run function; per-function timeout and memory come from the topology."
  type = object({
    source_archive = optional(string, "../dist/functions-source.zip")
    runtime        = optional(string, "nodejs24")
    max_instances  = optional(number, 10)
    # Pub/Sub, Workflows and Cloud Scheduler of the same project count as internal traffic.
    ingress = optional(string, "ALLOW_INTERNAL_ONLY")
  })
  default = {}

  validation {
    condition     = contains(["ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB", "ALLOW_ALL"], var.functions.ingress)
    error_message = "functions.ingress must be ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB or ALLOW_ALL."
  }

  validation {
    condition     = var.functions.max_instances >= 1 && var.functions.max_instances <= 1000
    error_message = "functions.max_instances must be between 1 and 1000."
  }
}

variable "operators" {
  description = "The people who run the platform: who may call the operators' functions (dlq-replay, which replays dead letters) and from where."
  type = object({
    # IAM members, such as group:data-oncall@example.com; empty, nobody can call them.
    members = optional(list(string), [])
    # Operators call from their own machines or Cloud Shell, which is not internal traffic; the
    # function still answers only an identity token of one of the members.
    ingress = optional(string, "ALLOW_ALL")
  })
  default = {}

  validation {
    condition     = alltrue([for member in var.operators.members : can(regex("^(user|group|serviceAccount):[^@\\s]+@[^@\\s]+$", member))])
    error_message = "operators.members must be user:, group: or serviceAccount: members with an e-mail address (never allUsers or a whole domain)."
  }

  validation {
    condition     = contains(["ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB", "ALLOW_ALL"], var.operators.ingress)
    error_message = "operators.ingress must be ALLOW_INTERNAL_ONLY, ALLOW_INTERNAL_AND_GCLB or ALLOW_ALL."
  }
}

variable "pubsub_agent_token_creator" {
  description = <<-EOT
    Grant the Pub/Sub service agent roles/iam.serviceAccountTokenCreator on the push-invoker service
    account. Google requires it when the agent was created on or before 2021-04-08 and lacks
    roles/pubsub.serviceAgent; newer projects do not need it. It is granted on that one account only.
  EOT
  type        = bool
  default     = true
}

variable "schedules" {
  description = "Cloud Scheduler cron per generator source (sales and clickstream daily, startups weekly), in time_zone."
  type = object({
    time_zone = optional(string, "Etc/UTC")
    sources = optional(map(string), {
      sales       = "0 2 * * *"
      clickstream = "15 2 * * *"
      startups    = "30 2 * * 1"
    })
  })
  default = {}

  validation {
    condition     = alltrue([for source in keys(var.schedules.sources) : contains(["sales", "clickstream", "startups"], source)])
    error_message = "schedules.sources keys must be generator sources: sales, clickstream, startups."
  }

  validation {
    condition     = alltrue([for cron in values(var.schedules.sources) : length(split(" ", trimspace(cron))) == 5])
    error_message = "Every schedule must be a five-field cron expression."
  }
}

variable "dataform" {
  description = "The Dataform repository. Without git_remote, push the dataform/ project to a workspace yourself."
  type = object({
    repository = optional(string)
    git_remote = optional(object({
      url            = string
      default_branch = optional(string, "main")
      # projects/<p>/secrets/<s>/versions/<v>: an HTTPS token the Dataform service agent may read.
      token_secret_version = string
    }))
    # Overrides for workspace compilations; null default_database means var.project.
    compilation_overrides = optional(object({
      default_database = optional(string)
      schema_suffix    = optional(string)
      table_prefix     = optional(string)
    }), {})
  })
  default = {}

  validation {
    condition     = var.dataform.git_remote == null || can(regex("^projects/[^/]+/secrets/[^/]+/versions/[^/]+$", var.dataform.git_remote.token_secret_version))
    error_message = "dataform.git_remote.token_secret_version must look like projects/<project>/secrets/<secret>/versions/<version>."
  }
}

variable "vertex" {
  description = "The churn pipeline: the compiled pipeline spec to upload (skipped while the file does not exist)."
  type = object({
    pipeline_spec = optional(string, "../vertex/churn_pipeline.json")
  })
  default = {}
}

variable "workflow_source" {
  description = "Cloud Workflows source, relative to this folder; the workflow is created once the file exists."
  type        = string
  default     = "../workflows/pipeline.workflows.yaml"
}

variable "alerting" {
  description = "Who is told, and when. Empty notification_emails still creates the policies (visible in the console)."
  type = object({
    notification_emails        = optional(list(string), [])
    oldest_unacked_age_seconds = optional(number, 7200)
    function_errors_per_window = optional(number, 0)
  })
  default = {}

  validation {
    condition     = alltrue([for email in var.alerting.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", email))])
    error_message = "alerting.notification_emails must be e-mail addresses."
  }

  validation {
    condition     = var.alerting.oldest_unacked_age_seconds >= 60
    error_message = "alerting.oldest_unacked_age_seconds must be at least 60."
  }
}

variable "apis" {
  description = "Services enabled in the project. Terraform never disables them on destroy."
  type        = list(string)
  default = [
    "aiplatform.googleapis.com",
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "dataform.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
    "workflows.googleapis.com",
  ]
}
