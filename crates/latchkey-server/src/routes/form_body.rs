//! Reading an `application/x-www-form-urlencoded` body strictly, for every endpoint that
//! takes one (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use latchkey_core::form::FormParams;
use latchkey_core::OAuthError;

use crate::error::ApiError;

/// The parameters of a form body, or the right error: 413 when too large, 400 when not a
/// form, not UTF-8 or with repeated parameters.
pub fn read_form(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<FormParams, ApiError> {
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(inner) if inner.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        other => OAuthError::invalid_request(format!("cannot read the request body: {other}")).into(),
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = content_type.split(';').next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "this endpoint takes an application/x-www-form-urlencoded body",
        )
        .into());
    }
    Ok(FormParams::parse(&body)?)
}
