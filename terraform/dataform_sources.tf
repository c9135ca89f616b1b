# What the Dataform project reads besides its own tables, which deployment creates and Dataform only
# declares (dataform/definitions/sources/, docs/decisions/0002-dataform-sources.md): the bronze
# external tables over the lake and the PII hash key. Offline, lib/adapters/local/dataform/bronze.ts
# creates the same relations in DuckDB.

locals {
  # One external table per source, hive-partitioned on batch_date: gs://<lake>/<source>/batch_date=D/.
  bronze_tables = {
    sales = {
      format      = "PARQUET"
      extension   = "parquet"
      description = "Bronze sales lines, the Parquet the export hop writes from Firestore (schemas/records/sales.v2.0.0.json). Contains PII: read only by the Dataform project."
    }
    clickstream = {
      format      = "NEWLINE_DELIMITED_JSON"
      extension   = "jsonl"
      description = "Bronze click events, JSONL as the generator lands them (schemas/records/clickstream.v2.0.0.json). Contains PII (ip_address): read only by the Dataform project."
    }
    startups = {
      format      = "NEWLINE_DELIMITED_JSON"
      extension   = "jsonl"
      description = "Bronze startup profiles, weekly JSONL (schemas/records/startup.v2.0.0.json). Contains PII (founder name and e-mail): read only by the Dataform project."
    }
  }
}

resource "google_bigquery_dataset" "bronze" {
  dataset_id                 = local.bronze_dataset
  location                   = var.bigquery_location
  description                = "winter-days bronze: external tables over the lake's batch files."
  delete_contents_on_destroy = true

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table" "bronze" {
  for_each = local.bronze_tables

  dataset_id  = google_bigquery_dataset.bronze.dataset_id
  table_id    = each.key
  description = each.value.description
  # The table holds no data (the lake does), and a record schema change must be able to replace it.
  deletion_protection = false

  external_data_configuration {
    source_format = each.value.format
    autodetect    = false
    # Generated from schemas/records/ by terraform/bronze/schemas.ts; test/terraform checks it is current.
    schema                = file("${path.module}/bronze/${each.key}.schema.json")
    source_uris           = ["gs://${google_storage_bucket.lake.name}/${each.key}/*.${each.value.extension}"]
    ignore_unknown_values = each.value.format == "NEWLINE_DELIMITED_JSON"

    hive_partitioning_options {
      mode              = "CUSTOM"
      source_uri_prefix = "gs://${google_storage_bucket.lake.name}/${each.key}/{batch_date:DATE}"
      # The first run of an incremental staging table reads all of bronze, without a date filter.
      require_partition_filter = false
    }
  }
}

# Dataform reads bronze as its own identity: table data here, the files through its lake grant (iam.tf).
resource "google_bigquery_dataset_iam_member" "dataform_bronze" {
  dataset_id = google_bigquery_dataset.bronze.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.dataform.member
}

# The PII hash key, copied from Secret Manager by an operator (docs/deploy.md) and readable by the
# Dataform execution account alone. The access list is authoritative: it replaces BigQuery's default
# readers and writers (the project's viewers and editors); the owners keep control of the dataset.
resource "google_bigquery_dataset" "secure" {
  dataset_id                 = local.secure_dataset
  location                   = var.bigquery_location
  description                = "winter-days secrets for the Dataform project; readable only by ${google_service_account.dataform.email}."
  delete_contents_on_destroy = !var.deletion_protection

  access {
    role          = "OWNER"
    special_group = "projectOwners"
  }

  access {
    role          = "READER"
    user_by_email = google_service_account.dataform.email
  }

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table" "pii_hash_key" {
  dataset_id          = google_bigquery_dataset.secure.dataset_id
  table_id            = "pii_hash_key"
  description         = "One row: the key of the keyed hash that pseudonymises PII in silver (dataform/includes/pii.js). Copied from Secret Manager secret ${google_secret_manager_secret.pii_hash_key.secret_id}."
  deletion_protection = var.deletion_protection

  schema = jsonencode([
    {
      name        = "hash_key"
      type        = "STRING"
      mode        = "REQUIRED"
      description = "The PII hash key, at least 16 characters (assertion assert_pii_hash_key_present)."
    },
  ])
}
