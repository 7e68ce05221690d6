//! Reading an `application/x-www-form-urlencoded` body strictly, for every endpoint that
//! takes one (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1) and for the hosted forms.
//!
//! One reader, [`form_body`], decides what is wrong with a body; each kind of endpoint then
//! answers in its own way: the API endpoints with an RFC 6749 §5.2 JSON error ([`read_form`]),
//! the hosted pages with an error page (`routes::authorize::forms`).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, StatusCode};
use latchkey_core::form::{is_form_content_type, FormParams};
use latchkey_core::OAuthError;

use crate::error::ApiError;

/// Why a request has no usable form body.
#[derive(Debug)]
pub enum FormBodyError {
    /// Larger than the endpoint accepts.
    TooLarge,
    /// The body could not be read at all.
    Unreadable(BytesRejection),
    /// The `Content-Type` is not `application/x-www-form-urlencoded`.
    NotAForm,
}

impl From<FormBodyError> for ApiError {
    fn from(error: FormBodyError) -> Self {
        match error {
            FormBodyError::TooLarge => ApiError::PayloadTooLarge,
            FormBodyError::Unreadable(rejection) => {
                OAuthError::invalid_request(format!("cannot read the request body: {rejection}")).into()
            }
            FormBodyError::NotAForm => {
                OAuthError::invalid_request("this endpoint takes an application/x-www-form-urlencoded body")
                    .into()
            }
        }
    }
}

/// The raw body of a form post: read completely and sent as a form.
pub fn form_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, FormBodyError> {
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(inner) if inner.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            FormBodyError::TooLarge
        }
        other => FormBodyError::Unreadable(other),
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !is_form_content_type(content_type) {
        return Err(FormBodyError::NotAForm);
    }
    Ok(body)
}

/// The parameters of an API endpoint's form body, or its JSON error: 413 when too large, 400
/// when not a form, not UTF-8 or with repeated parameters.
pub fn read_form(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<FormParams, ApiError> {
    Ok(FormParams::parse(&form_body(headers, body)?)?)
}
