//! RFC 9457 problem details: every error of the admin API is `application/problem+json`
//! with `type`, `title`, `status` and `detail`, `Cache-Control: no-store`. Authentication
//! failures keep their RFC 6750 §3 / RFC 9449 §7.1 challenge (`WWW-Authenticate`); internal
//! failures and outages say nothing of their cause (it goes to the log, as in
//! [`crate::error`]).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use latchkey_core::dpop::NONCE_HEADER;
use latchkey_crypto::CryptoError;
use latchkey_store::StoreError;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, DatabaseFailure};

/// The media type of RFC 9457 §3.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error of the admin API.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    detail: Option<String>,
    /// Headers of the answer, e.g. a `WWW-Authenticate` challenge.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Kept for the metrics when the database caused the error.
    database_failure: Option<DatabaseFailure>,
}

/// The body of RFC 9457 §3.1 (`type` is `about:blank`: the status says what happened).
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, detail: Some(detail.into()), headers: Vec::new(), database_failure: None }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no such {what}"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            kind: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(failure) = self.database_failure {
            response.extensions_mut().insert(failure);
        }
        response
    }
}

/// The status and challenge the server's own error response would have; the detail only
/// for a client's mistake.
impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Self {
        let detail = match &error {
            ApiError::Internal(_) | ApiError::Unavailable(_) => None,
            ApiError::WithDpopNonce(inner, _) => Some(inner.to_string()),
            other => Some(other.to_string()),
        };
        let response = error.into_response(); // logs internal failures
        let database_failure = response.extensions().get::<DatabaseFailure>().copied();
        let nonce = HeaderName::from_bytes(NONCE_HEADER.as_bytes()).ok();
        let kept = [header::WWW_AUTHENTICATE, header::RETRY_AFTER].into_iter().chain(nonce);
        let headers = kept
            .filter_map(|name| response.headers().get(&name).cloned().map(|value| (name, value)))
            .collect();
        Self { status: response.status(), detail, headers, database_failure }
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(what) => Self::new(StatusCode::CONFLICT, format!("{what} already exists")),
            other => ApiError::from(other).into(),
        }
    }
}

/// An admin operation's error (`crate::admin`): a store or crypto failure somewhere in its
/// cause chain is the server's; anything else is a rule the request broke (400), whose
/// message is written for the operator.
impl From<anyhow::Error> for Problem {
    fn from(error: anyhow::Error) -> Self {
        for cause in error.chain() {
            if let Some(store) = cause.downcast_ref::<StoreError>() {
                return store.clone().into();
            }
            if cause.is::<CryptoError>() || cause.is::<ApiError>() {
                return ApiError::Internal(error).into();
            }
        }
        Self::bad_request(format!("{error:#}"))
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Self {
        Self::new(rejection.status(), rejection.body_text())
    }
}
