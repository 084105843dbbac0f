//! A citizen's applications as the widget shows them: drafts, receipts, status timelines and
//! attachments — ids, statuses and the citizen's own answers, never another citizen's data.

use serde::{Deserialize, Serialize};

use crate::{
    citizen::{CitizenProfile, SignedInCitizen},
    consent::GivenConsent,
    error::AppError,
    services::{AttachmentRule, FormSchema, values::FormValues},
};

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
    pub name_en: String,
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
    /// The citizen's newest application for the service, to show its timeline again.
    pub latest: Option<Receipt>,
}

/// The largest feedback comment, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 1_000;

/// The answers of a draft, with the profile's prefills where the draft has none.
pub fn prefilled(form: &FormSchema, draft: FormValues, profile: &CitizenProfile) -> FormValues {
    let mut values = draft;
    for field in &form.fields {
        if values.get(&field.name).is_none()
            && let Some(value) = field.prefill.and_then(|p| profile.prefill(p))
        {
            values.insert(field.name.clone(), value);
        }
    }
    values
}

/// The form's rule for a file about to be uploaded, with the server's refusal codes: the browser
/// checks before uploading, the server again on arrival (and then the file's own first bytes).
pub fn check_file(
    rule: &AttachmentRule,
    attached: usize,
    size: f64,
    content_type: &str,
) -> Result<(), AppError> {
    if attached >= usize::from(rule.max_files) {
        return Err(AppError::AttachmentsTooMany);
    }
    if size > f64::from(rule.max_bytes_each) {
        return Err(AppError::AttachmentTooLarge);
    }
    if !rule.mime_types.iter().any(|t| t == content_type) {
        return Err(AppError::AttachmentTypeNotAllowed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        identifiers::IdentifierKind,
        services::{AccountLevel, Field, FieldKind, ProfileField},
    };

    fn rule() -> AttachmentRule {
        AttachmentRule {
            max_files: 2,
            max_bytes_each: 5 * 1024 * 1024,
            mime_types: vec!["application/pdf".into(), "image/png".into()],
            label_ru: None,
        }
    }

    #[test]
    fn files_are_refused_before_upload_with_the_servers_codes() {
        assert_eq!(check_file(&rule(), 0, 1000.0, "application/pdf"), Ok(()));
        assert_eq!(
            check_file(&rule(), 0, 5.0 * 1024.0 * 1024.0 + 1.0, "application/pdf"),
            Err(AppError::AttachmentTooLarge)
        );
        assert_eq!(
            check_file(&rule(), 0, 10.0, "application/x-msdownload"),
            Err(AppError::AttachmentTypeNotAllowed)
        );
        assert_eq!(
            check_file(&rule(), 2, 10.0, "image/png"),
            Err(AppError::AttachmentsTooMany)
        );
    }

    fn field(name: &str, kind: FieldKind, prefill: ProfileField) -> Field {
        Field {
            name: name.into(),
            label_ru: name.into(),
            label_en: name.into(),
            help_ru: None,
            required: true,
            kind,
            prefill: Some(prefill),
        }
    }

    #[test]
    fn the_profile_fills_only_what_the_draft_lacks() {
        let text = FieldKind::Text {
            max_len: 100,
            multiline: false,
        };
        let snils = FieldKind::Identifier {
            identifier: IdentifierKind::Snils,
        };
        let form = FormSchema {
            version: 1,
            fields: vec![
                field("last_name", text, ProfileField::LastName),
                field("snils", snils, ProfileField::Snils),
            ],
            attachments: rule(),
        };
        let profile = CitizenProfile {
            last_name: Some("Иванова".into()),
            first_name: None,
            middle_name: None,
            birth_date: None,
            snils: Some("526-018-159 61".into()),
            level: AccountLevel::Confirmed,
        };
        let draft: FormValues = [("last_name", "Петрова")].into_iter().collect();
        let values = prefilled(&form, draft, &profile);
        assert_eq!(
            values.get("last_name"),
            Some("Петрова"),
            "the citizen's own answer stays"
        );
        assert_eq!(values.get("snils"), Some("526-018-159 61"));
    }
}
