output "name" {
  description = "Deployed function name."
  value       = google_cloudfunctions2_function.this.name
}

output "uri" {
  description = "run.app URI of the function's service: the push endpoint and the OIDC audience."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "service" {
  description = "Name of the underlying Cloud Run service."
  value       = google_cloudfunctions2_function.this.service_config[0].service
}

output "service_account_email" {
  description = "The function's own runtime service account."
  value       = google_service_account.this.email
}

output "member" {
  description = "IAM member of the function's runtime service account."
  value       = google_service_account.this.member
}
