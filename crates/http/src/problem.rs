//! RFC 9457 problem details: every error of the API, mapped in this one place from the
//! service's error kinds to a status, a stable `type`/`code`, and a human `detail`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ombud_domain::DomainError;
use ombud_service::ServiceError;
use serde::Serialize;

/// A problem+json answer.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// `https://ombud.dev/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The stable code (`version_conflict`, `invalid_transition`...).
    pub code: &'static str,
    /// A short summary of the code.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
    /// The offending field, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem with `status`, `code` and `detail`.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            kind: format!("https://ombud.dev/problems/{code}"),
            code,
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
        }
    }

    /// 400: the request could not be read.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "Malformed request",
            detail,
        )
    }

    /// 401: no or unknown bearer token.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Not authenticated",
            detail,
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        let detail = e.with_causes();
        match e {
            ServiceError::Refused(refusal) => match refusal {
                DomainError::NoSuchCase => Problem::new(
                    StatusCode::NOT_FOUND,
                    "unknown_case",
                    "No such case",
                    detail,
                ),
                DomainError::NotPermitted { .. } => Problem::new(
                    StatusCode::FORBIDDEN,
                    "not_permitted",
                    "Role not permitted",
                    detail,
                ),
                // Only a report naming another office than the actor's gets here (a command on
                // another office's case reads as absent): the actor's own office is named.
                DomainError::OutsideOffice { actor_office, .. } => Problem::new(
                    StatusCode::FORBIDDEN,
                    "outside_office",
                    "Not your office",
                    format!("you may act only for office {actor_office}"),
                ),
                DomainError::InvalidTransition { .. } => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_transition",
                    "Not possible in the case's state",
                    detail,
                ),
                DomainError::Validation { field, .. } => Problem {
                    field: Some(field.to_owned()),
                    ..Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation",
                        "Invalid field",
                        detail,
                    )
                },
                DomainError::Unmet { .. } => Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "requirement_unmet",
                    "A requirement is not met",
                    detail,
                ),
            },
            ServiceError::Conflict { .. } => Problem::new(
                StatusCode::CONFLICT,
                "version_conflict",
                "The case moved on",
                detail,
            ),
            ServiceError::IdempotencyKeyReused { .. } => Problem::new(
                StatusCode::CONFLICT,
                "idempotency_key_reused",
                "Idempotency key used for another command",
                detail,
            ),
            ServiceError::Forbidden(_) => Problem::new(
                StatusCode::FORBIDDEN,
                "not_permitted",
                "Role not permitted",
                detail,
            ),
            ServiceError::NotFound(_) => Problem::new(
                StatusCode::NOT_FOUND,
                "unknown_case",
                "No such case",
                detail,
            ),
            ServiceError::Invalid(_) => Problem::malformed(detail),
            ServiceError::Unavailable {
                maybe_recorded: false,
                ..
            } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "log_unavailable",
                "Event log unavailable: nothing was recorded; retry with the same Idempotency-Key",
                detail,
            ),
            ServiceError::Unavailable {
                maybe_recorded: true,
                ..
            } => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "log_unavailable",
                "Event log unavailable: the command may have been recorded; retry with the same \
                 Idempotency-Key (it never records twice)",
                detail,
            ),
            ServiceError::Integrity(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "integrity_incident",
                "Integrity incident: tell the DPO and the operators",
                detail,
            ),
            ServiceError::NotYet(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_yet_projected",
                "The read models have not reached min_seq yet",
                detail,
            ),
            ServiceError::Corrupt { .. } => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "corrupt_trail",
                "The case's trail does not verify",
                detail,
            ),
            ServiceError::Sealing(_)
            | ServiceError::Log(_)
            | ServiceError::ReadModels(_)
            | ServiceError::Internal(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                detail,
            ),
        }
    }
}
