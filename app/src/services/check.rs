//! Validation of form schemas: [`FormSchema::check`] and the [`SchemaError`] it reports.

use super::{
    AttachmentRule, Choice, Field, FieldKind, FormSchema, MAX_ATTACHMENT_BYTES, ProfileField,
};
use crate::identifiers::IdentifierKind;
use std::collections::HashSet;
use std::fmt;

/// Why [`FormSchema::check`] refused a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// The name is not snake_case.
    InvalidName {
        /// The field at fault.
        field: String,
    },
    /// Another field already has this name.
    DuplicateName {
        /// The field at fault.
        field: String,
    },
    /// A label of the field or of one of its options is blank.
    EmptyLabel {
        /// The field at fault.
        field: String,
    },
    /// A text field allows no characters.
    ZeroLength {
        /// The field at fault.
        field: String,
    },
    /// A number field has `min` above `max`.
    EmptyRange {
        /// The field at fault.
        field: String,
        /// Its smallest value allowed.
        min: i64,
        /// Its largest value allowed.
        max: i64,
    },
    /// A select or radio field has fewer than two options.
    TooFewOptions {
        /// The field at fault.
        field: String,
    },
    /// Two options of the field have the same value.
    DuplicateOption {
        /// The field at fault.
        field: String,
        /// The repeated option value.
        value: String,
    },
    /// An account field has no БИК field in the same form to be checked against.
    AccountWithoutBik {
        /// The field at fault.
        field: String,
    },
    /// The profile field cannot fill a field of this kind.
    PrefillMismatch {
        /// The field at fault.
        field: String,
        /// The profile field that does not fit.
        prefill: ProfileField,
    },
    /// `max_bytes_each` is above 5 MiB, or zero while files are allowed.
    AttachmentSize {
        /// The size limit given.
        max_bytes_each: u32,
    },
    /// Files are allowed but the MIME types are missing or not written as `type/subtype`.
    AttachmentTypes,
}

impl SchemaError {
    /// The name of the field at fault; `None` for the attachment rule.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidName { field }
            | Self::DuplicateName { field }
            | Self::EmptyLabel { field }
            | Self::ZeroLength { field }
            | Self::EmptyRange { field, .. }
            | Self::TooFewOptions { field }
            | Self::DuplicateOption { field, .. }
            | Self::AccountWithoutBik { field }
            | Self::PrefillMismatch { field, .. } => Some(field),
            Self::AttachmentSize { .. } | Self::AttachmentTypes => None,
        }
    }
}

/// `field `name`: reason` (or `attachments: reason`), in English, for schema authors.
impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field() {
            Some(field) => write!(f, "field `{field}`: ")?,
            None => f.write_str("attachments: ")?,
        }
        match self {
            Self::InvalidName { .. } => f.write_str(
                "the name must be snake_case: a-z, digits and single underscores, from a letter",
            ),
            Self::DuplicateName { .. } => f.write_str("another field has the same name"),
            Self::EmptyLabel { .. } => f.write_str("a label of the field or of an option is blank"),
            Self::ZeroLength { .. } => f.write_str("a text field must allow at least 1 character"),
            Self::EmptyRange { min, max, .. } => write!(f, "min {min} is above max {max}"),
            Self::TooFewOptions { .. } => f.write_str("a choice needs at least 2 options"),
            Self::DuplicateOption { value, .. } => write!(f, "option value `{value}` is repeated"),
            Self::AccountWithoutBik { .. } => {
                f.write_str("an account field needs a `bik` identifier field in the same form")
            }
            Self::PrefillMismatch { prefill, .. } => {
                write!(f, "prefill {prefill:?} does not fit this field kind")
            }
            Self::AttachmentSize { max_bytes_each } => write!(
                f,
                "max_bytes_each {max_bytes_each} must be 1 to {MAX_ATTACHMENT_BYTES} when files are allowed, and never above"
            ),
            Self::AttachmentTypes => {
                f.write_str("files are allowed, so list their MIME types as `type/subtype`")
            }
        }
    }
}

impl std::error::Error for SchemaError {}

impl FormSchema {
    /// Checks the rules listed in the module documentation; reports the first problem.
    pub fn check(&self) -> Result<(), SchemaError> {
        let has_bik = self
            .fields
            .iter()
            .any(|field| field.kind.is_identifier(IdentifierKind::Bik));
        let mut names = HashSet::new();
        for field in &self.fields {
            if !is_snake_case(&field.name) {
                return Err(SchemaError::InvalidName {
                    field: field.name.clone(),
                });
            }
            if !names.insert(field.name.as_str()) {
                return Err(SchemaError::DuplicateName {
                    field: field.name.clone(),
                });
            }
            field.check(has_bik)?;
        }
        self.attachments.check()
    }
}

/// `a`–`z`, digits and single underscores, starting with a letter and not ending with `_`.
fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('_')
        && !name.contains("__")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

impl Field {
    /// The rules about one field other than its name; `has_bik`: the form has a БИК field.
    fn check(&self, has_bik: bool) -> Result<(), SchemaError> {
        let field = || self.name.clone();
        if is_blank(&self.label_ru) || is_blank(&self.label_en) {
            return Err(SchemaError::EmptyLabel { field: field() });
        }
        match &self.kind {
            FieldKind::Text { max_len: 0, .. } => {
                return Err(SchemaError::ZeroLength { field: field() });
            }
            &FieldKind::Number { min, max } if min > max => {
                return Err(SchemaError::EmptyRange {
                    field: field(),
                    min,
                    max,
                });
            }
            FieldKind::Select { options } | FieldKind::Radio { options } => {
                check_options(&self.name, options)?;
            }
            FieldKind::Identifier {
                identifier: IdentifierKind::SettlementAccount | IdentifierKind::CorrespondentAccount,
            } if !has_bik => {
                return Err(SchemaError::AccountWithoutBik { field: field() });
            }
            _ => {}
        }
        match self.prefill {
            Some(prefill) if !prefill.fits(&self.kind) => Err(SchemaError::PrefillMismatch {
                field: field(),
                prefill,
            }),
            _ => Ok(()),
        }
    }
}

/// At least two options, labelled, with distinct values.
fn check_options(field: &str, options: &[Choice]) -> Result<(), SchemaError> {
    if options.len() < 2 {
        return Err(SchemaError::TooFewOptions {
            field: field.to_owned(),
        });
    }
    let mut values = HashSet::new();
    for option in options {
        if is_blank(&option.label_ru) || is_blank(&option.label_en) {
            return Err(SchemaError::EmptyLabel {
                field: field.to_owned(),
            });
        }
        if !values.insert(option.value.as_str()) {
            return Err(SchemaError::DuplicateOption {
                field: field.to_owned(),
                value: option.value.clone(),
            });
        }
    }
    Ok(())
}

impl AttachmentRule {
    fn check(&self) -> Result<(), SchemaError> {
        let files_allowed = self.max_files > 0;
        if self.max_bytes_each > MAX_ATTACHMENT_BYTES || (files_allowed && self.max_bytes_each == 0)
        {
            return Err(SchemaError::AttachmentSize {
                max_bytes_each: self.max_bytes_each,
            });
        }
        let well_written = |mime: &String| {
            mime.split_once('/').is_some_and(|(kind, subtype)| {
                !kind.is_empty() && !subtype.is_empty() && !mime.contains(char::is_whitespace)
            })
        };
        if files_allowed
            && (self.mime_types.is_empty() || !self.mime_types.iter().all(well_written))
        {
            return Err(SchemaError::AttachmentTypes);
        }
        Ok(())
    }
}

impl FieldKind {
    /// Whether this is an identifier field of `kind`.
    fn is_identifier(&self, kind: IdentifierKind) -> bool {
        matches!(self, Self::Identifier { identifier } if *identifier == kind)
    }
}

impl ProfileField {
    /// Whether a field of `kind` can hold this profile value.
    fn fits(self, kind: &FieldKind) -> bool {
        use IdentifierKind as Id;
        match self {
            Self::LastName
            | Self::FirstName
            | Self::MiddleName
            | Self::BirthPlace
            | Self::PassportIssuedBy => matches!(kind, FieldKind::Text { .. }),
            Self::BirthDate | Self::PassportIssueDate => matches!(kind, FieldKind::Date { .. }),
            Self::Gender => match kind {
                FieldKind::Select { options } | FieldKind::Radio { options } => ["M", "F"]
                    .iter()
                    .all(|gender| options.iter().any(|option| option.value == *gender)),
                _ => false,
            },
            Self::Snils => kind.is_identifier(Id::Snils),
            Self::Inn => kind.is_identifier(Id::Inn),
            Self::PassportSeriesNumber => kind.is_identifier(Id::Passport),
            Self::PassportIssuerCode => kind.is_identifier(Id::PassportIssuerCode),
            Self::MobilePhone => kind.is_identifier(Id::Phone),
            Self::Email => matches!(kind, FieldKind::Email),
            Self::RegistrationAddress | Self::ResidenceAddress => {
                matches!(kind, FieldKind::Address)
            }
        }
    }
}
