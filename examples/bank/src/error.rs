//! The bank's errors and their HTTP answers: JSON `{"error", "message"}`, never internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use latchkey_guard::Rejection;
use serde_json::json;

#[derive(Debug, Clone, thiserror::Error)]
pub enum BankError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("insufficient funds")]
    InsufficientFunds,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(String),
    /// The guard's refusal (a step-up challenge, RFC 9470), answered as the guard answers it.
    #[error("{}", .0.description())]
    Authentication(Rejection),
}

impl BankError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::InsufficientFunds | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Authentication(rejection) => rejection.clone().into_response().status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::InsufficientFunds => "insufficient_funds",
            Self::Conflict(_) => "conflict",
            Self::Unprocessable(_) => "unprocessable",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal_error",
            Self::Authentication(rejection) => rejection.code().unwrap_or("unauthorized"),
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> serde_json::Value {
        json!({ "error": self.code(), "message": self.to_string() })
    }
}

impl From<sqlx::Error> for BankError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => Self::Unavailable,
            other => Self::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for BankError {
    fn into_response(self) -> Response {
        if let Self::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        if let Self::Authentication(rejection) = self {
            return rejection.into_response();
        }
        (self.status(), Json(self.body())).into_response()
    }
}
