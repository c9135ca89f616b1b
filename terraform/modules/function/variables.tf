variable "project" {
  description = "Project id."
  type        = string
}

variable "region" {
  description = "Region of the function and its Cloud Run service."
  type        = string
}

variable "name" {
  description = "Deployed name of the function; also the id of its own service account."
  type        = string

  validation {
    # A service account id is 6-30 characters: the function's identity is named after it.
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.name))
    error_message = "name must be 6-30 lowercase letters, digits and dashes (it is also the service account id)."
  }
}

variable "entry_point" {
  description = "Name the function is registered under in the source (functions-framework target)."
  type        = string
}

variable "runtime" {
  description = "Cloud Run functions runtime."
  type        = string
  default     = "nodejs24"
}

variable "source_archive" {
  description = "The uploaded source archive the function is built from."
  type = object({
    bucket = string
    object = string
  })
}

variable "build" {
  description = "Who builds the function image and where the image is kept (never the default compute account)."
  type = object({
    service_account_id = string
    docker_repository  = string
  })
}

variable "service" {
  description = "Runtime settings of the function's Cloud Run service."
  type = object({
    timeout_seconds = number
    memory_mib      = number
    max_instances   = optional(number, 10)
    min_instances   = optional(number, 0)
    ingress         = optional(string, "ALLOW_INTERNAL_ONLY")
  })

  validation {
    condition     = var.service.timeout_seconds >= 1 && var.service.timeout_seconds <= 3600
    error_message = "service.timeout_seconds must be between 1 and 3600."
  }

  validation {
    condition     = var.service.memory_mib >= 128 && var.service.memory_mib <= 32768
    error_message = "service.memory_mib must be between 128 and 32768."
  }
}

variable "environment" {
  description = "Plain environment variables."
  type        = map(string)
  default     = {}
}

variable "secret_environment" {
  description = "Environment variables read from Secret Manager (secret id in this project and version); the function's account is granted access to each."
  type = map(object({
    secret  = string
    version = optional(string, "latest")
  }))
  default = {}
}

variable "project_roles" {
  description = "Project-level roles the function's code needs (resource-level grants are made by the caller)."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for role in var.project_roles : !contains(["roles/owner", "roles/editor", "roles/viewer"], role)])
    error_message = "Basic roles are never granted to a function."
  }
}

variable "invokers" {
  description = "Who may invoke the function (roles/run.invoker on its service): a static key -> IAM member."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for member in values(var.invokers) : !contains(["allUsers", "allAuthenticatedUsers"], member)])
    error_message = "Functions are never public."
  }
}

variable "labels" {
  description = "Labels of the function."
  type        = map(string)
  default     = {}
}
