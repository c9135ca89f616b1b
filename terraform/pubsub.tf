# Topics and subscriptions, all generated from topology/topology.json (see locals.tf); deployed names
# are <prefix>-<logical name>, the names the functions derive from WINTER_DAYS_PREFIX.
#
# Why push subscriptions instead of Eventarc triggers: an Eventarc Pub/Sub trigger creates and owns
# its own subscription, and terraform cannot give that subscription a dead-letter policy. A permanent
# failure would then be retried until the retention runs out and be lost. An explicit push
# subscription delivers the same Pub/Sub message to the function (functions-framework turns it into
# the same messagePublished CloudEvent) and keeps "every subscription has a dead-letter topic" true
# in the cloud as it is offline.

resource "google_pubsub_topic" "this" {
  for_each = local.topics

  name   = "${var.prefix}-${each.key}"
  labels = { kind = try(each.value.dead_letter, false) ? "dead-letter" : "event" }

  depends_on = [google_project_service.enabled]
}

# Event hops: Pub/Sub pushes to the function's URL with an OIDC token of the push identity, retries
# with backoff, and after max_delivery_attempts moves the message to the hop's dead-letter topic.
resource "google_pubsub_subscription" "push" {
  for_each = local.push_subscriptions

  name                       = "${var.prefix}-${each.key}"
  topic                      = google_pubsub_topic.this[each.value.topic].id
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = "${local.topology.message_retention_seconds}s"

  push_config {
    push_endpoint = module.function[each.value.function].uri

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = module.function[each.value.function].uri
    }
  }

  retry_policy {
    minimum_backoff = "${each.value.retry.minimum_backoff_seconds}s"
    maximum_backoff = "${each.value.retry.maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.this[each.value.dead_letter_topic].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  # Subscriptions expire after 31 idle days by default; a quiet hop must not lose its subscription.
  expiration_policy {
    ttl = ""
  }

  depends_on = [
    terraform_data.topology_guard,
    google_pubsub_topic_iam_member.dead_letter_publisher,
  ]
}

# Dead letters and audit trails: plain pull subscriptions that keep messages for people and for replay.
resource "google_pubsub_subscription" "keep" {
  for_each = local.keep_subscriptions

  name                       = "${var.prefix}-${each.key}"
  topic                      = google_pubsub_topic.this[each.value.topic].id
  ack_deadline_seconds       = try(each.value.ack_deadline_seconds, 60)
  message_retention_duration = "${local.topology.message_retention_seconds}s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }

  depends_on = [terraform_data.topology_guard]
}

# Without these two grants dead-lettering fails silently: the Pub/Sub service agent must be able to
# publish to each dead-letter topic and to acknowledge the message on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.dead_letter_topics

  topic  = google_pubsub_topic.this[each.key].id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_subscriptions

  subscription = google_pubsub_subscription.push[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
