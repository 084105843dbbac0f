//! The Partner API's rules, behind the HTTP layer (`http::partner_api`): what a partner may list,
//! publish, price, sync and read. Every refusal names its code and, where one is to blame, the
//! field; every write is one storage transaction.

pub mod catalog;
pub mod listings;
pub mod statuses;

use std::sync::Arc;

use crate::{
    clock::SharedClock,
    sandbox::control::SandboxControl,
    storage::{SharedStorage, StorageError},
    webhooks::outbox::Outbox,
};

/// How a refusal is answered over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// 400: the request cannot be read (e.g. a bad cursor).
    BadRequest,
    /// 422: a field's value is not acceptable.
    Invalid,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 403
    Forbidden,
    /// 500: okno's fault, logged; the message says nothing more.
    Internal,
}

/// A refused Partner API request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    pub kind: RefusalKind,
    pub code: &'static str,
    pub message: String,
    /// The field at fault, as a path into the request document (`positions[2].service_id`).
    pub field: Option<String>,
}

impl Refusal {
    pub fn invalid(
        code: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Refusal {
            kind: RefusalKind::Invalid,
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn new(kind: RefusalKind, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            kind,
            code,
            message: message.into(),
            field: None,
        }
    }
}

impl From<StorageError> for Refusal {
    fn from(error: StorageError) -> Self {
        tracing::error!(%error, "partner API storage failed");
        Refusal::new(
            RefusalKind::Internal,
            "internal_error",
            "okno could not complete this request; nothing was changed. Try again later.",
        )
    }
}

/// Checks a required text field's length in characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, Refusal> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Refusal::invalid(
            "field_empty",
            field,
            format!("`{field}` must not be empty."),
        ));
    }
    if trimmed.chars().count() > max {
        return Err(Refusal::invalid(
            "field_too_long",
            field,
            format!("`{field}` is longer than {max} characters."),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Opaque pagination cursors: `(time, id)` of the last item seen, base64url.
pub mod cursor {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    use super::{Refusal, RefusalKind};

    pub fn encode(at: i64, id: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{at}:{id}"))
    }

    /// The position after which to continue; the start when `cursor` is absent or empty.
    pub fn decode(field: &str, cursor: Option<&str>) -> Result<(i64, String), Refusal> {
        let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
            return Ok((i64::MIN, String::new()));
        };
        let bad = || Refusal {
            kind: RefusalKind::BadRequest,
            code: "invalid_cursor",
            message: format!("`{field}` is not a cursor okno returned; start without it."),
            field: Some(field.to_owned()),
        };
        let text = URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(bad)?;
        let (at, id) = text.split_once(':').ok_or_else(bad)?;
        Ok((at.parse().map_err(|_| bad())?, id.to_owned()))
    }
}

/// The Partner API's services, shared by its handlers.
pub struct PartnerApi {
    pub storage: SharedStorage,
    pub clock: SharedClock,
    pub outbox: Arc<Outbox>,
    /// The sandbox portal's control API, when test mode runs against a sandbox: a test-mode
    /// status change of a filed application moves its sandbox order.
    pub sandbox: Option<SandboxControl>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_a_bad_request() {
        let encoded = cursor::encode(1_700_000_000_123, "app_1");
        assert_eq!(
            cursor::decode("updated_after", Some(&encoded)),
            Ok((1_700_000_000_123, "app_1".to_owned()))
        );
        assert_eq!(cursor::decode("c", None).map(|c| c.0), Ok(i64::MIN));
        let refused = cursor::decode("updated_after", Some("%%%")).err();
        assert_eq!(
            refused.map(|r| (r.code, r.kind)),
            Some(("invalid_cursor", RefusalKind::BadRequest))
        );
        let no_colon =
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, "x");
        assert!(cursor::decode("c", Some(&no_colon)).is_err());
    }

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(text("title", "  A  ", 5), Ok("A".to_owned()));
        assert_eq!(
            text("title", "   ", 5).err().map(|r| r.code),
            Some("field_empty")
        );
        assert_eq!(
            text("title", "абвгде", 5).err().map(|r| r.code),
            Some("field_too_long")
        );
    }
}
