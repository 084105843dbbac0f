//! A citizen's applications as the widget shows them: drafts, receipts, status timelines and
//! attachments — ids, statuses and the citizen's own answers, never another citizen's data.

use serde::{Deserialize, Serialize};

use crate::{citizen::SignedInCitizen, consent::GivenConsent, services::values::FormValues};

/// The form being filled: its future application id (a repeated submit finds the application
/// by it) and the answers saved so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub application_id: String,
    pub values: FormValues,
    pub attachments: Vec<AttachmentView>,
}

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
}

/// One status of an application's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusView {
    /// Position in the timeline, from 1; server-sent events carry it as their id.
    pub seq: i64,
    pub status_code: u32,
    pub name_ru: String,
    /// RFC 3339.
    pub at: String,
    pub is_final: bool,
}

/// What the citizen gets at once when an application is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub application_id: String,
    pub service_code: String,
    pub timeline: Vec<StatusView>,
}

/// A citizen back after a reload: signed in again from the frame's refresh cookie, with the
/// consent already given for the service, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resumed {
    pub citizen: SignedInCitizen,
    pub consent: Option<GivenConsent>,
}

/// The largest feedback comment, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 1_000;
