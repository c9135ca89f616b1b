provider "google" {
  project = var.project
  region  = var.region

  default_labels = merge(var.labels, {
    app    = "winter-days"
    prefix = var.prefix
  })
}

provider "google-beta" {
  project = var.project
  region  = var.region
}
