terraform {
  # 1.9: variable validation may refer to other variables; optional() defaults need 1.3.
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 7.0, < 8.0"
    }
    # Only for google_project_service_identity, which creates service agents before they are
    # granted anything (the Dataform agent otherwise appears with the first repository).
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 7.0, < 8.0"
    }
  }
}
