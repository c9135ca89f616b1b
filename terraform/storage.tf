# The lake: bronze batches (sales/, clickstream/, startups/, _truth/) and, under mlops/, the
# pipeline specs, the Vertex pipeline root and the predictions.
resource "google_storage_bucket" "lake" {
  name     = local.lake_bucket
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  # Hops overwrite deterministic object names on redelivery; versions keep what a bad run replaced.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age                   = 90
      matches_storage_class = ["STANDARD"]
      matches_prefix        = local.bronze_prefixes
    }
    action {
      type          = "SetStorageClass"
      storage_class = "COLDLINE"
    }
  }

  lifecycle_rule {
    condition {
      age            = 365
      matches_prefix = local.bronze_prefixes
    }
    action {
      type = "Delete"
    }
  }

  # Versioning would otherwise keep every overwritten or expired object forever.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

locals {
  # Bronze ages out; mlops/ (specs, models, predictions) is kept until someone deletes it.
  bronze_prefixes = ["sales/", "clickstream/", "startups/", "_truth/"]
}

# Function source archives: one object per content hash, so a new archive redeploys the functions.
resource "google_storage_bucket" "sources" {
  name     = local.sources_bucket
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  # Cloud Build copies the archive when it builds; old archives are only history.
  lifecycle_rule {
    condition {
      age = 60
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "functions_source" {
  bucket = google_storage_bucket.sources.name
  name   = "functions/${try(filesha256(local.archive_path), "missing")}.zip"
  source = local.archive_path

  lifecycle {
    precondition {
      condition     = fileexists(local.archive_path)
      error_message = "No function source archive at ${var.functions.source_archive}: run `npm run package:functions` first."
    }
  }
}

# The compiled churn pipeline spec that vertex-submit launches; skipped until it is committed.
resource "google_storage_bucket_object" "pipeline_spec" {
  count = fileexists(local.pipeline_spec_path) ? 1 : 0

  bucket         = google_storage_bucket.lake.name
  name           = local.pipeline_spec_name
  source         = local.pipeline_spec_path
  source_md5hash = filemd5(local.pipeline_spec_path)
  content_type   = "application/json"
}
