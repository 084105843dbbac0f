//! okno's service registry: [`services`] describes each service okno offers — what the widget's
//! service pages and forms render from (format: `app::services`). The sandbox portal publishes
//! the same services in its catalogue dictionary.
//!
//! Where the portal's own code is known (`real_code: true`) it is used; the other services get
//! 11-digit codes from `10000001101` up, made up for the sandbox. `target_code` is always `-`
//! and the code. The descriptions live in two submodules by theme; this module holds the
//! helpers that keep each of them compact.

mod civic;
mod social;

use app::identifiers::IdentifierKind;
use app::services::{
    AttachmentRule, Choice, Deadline, Fee, Field, FieldKind, FormSchema, MAX_ATTACHMENT_BYTES,
    ProfileField, ServiceDescription,
};

/// The catalogue, built once.
pub fn all() -> &'static [ServiceDescription] {
    static ALL: std::sync::OnceLock<Vec<ServiceDescription>> = std::sync::OnceLock::new();
    ALL.get_or_init(services)
}

/// The service with this portal code.
pub fn find(code: &str) -> Option<&'static ServiceDescription> {
    all().iter().find(|service| service.code == code)
}

/// Every service in the catalogue: social ones first, then taxes, property, documents and fines.
pub fn services() -> Vec<ServiceDescription> {
    let mut all = social::services();
    all.extend(civic::services());
    all
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

/// Adds a Russian note to a deadline or a fee.
trait Noted {
    fn noted(self, note: &str) -> Self;
}

impl Noted for Deadline {
    fn noted(self, note: &str) -> Self {
        Self {
            note_ru: Some(note.to_owned()),
            ..self
        }
    }
}

impl Noted for Fee {
    fn noted(self, note: &str) -> Self {
        Self {
            note_ru: Some(note.to_owned()),
            ..self
        }
    }
}

fn working_days(days: u16) -> Deadline {
    Deadline {
        working_days: Some(days),
        calendar_days: None,
        note_ru: None,
    }
}

fn calendar_days(days: u16) -> Deadline {
    Deadline {
        working_days: None,
        calendar_days: Some(days),
        note_ru: None,
    }
}

/// A deadline stated in words only.
fn deadline_in_words(note: &str) -> Deadline {
    Deadline {
        working_days: None,
        calendar_days: None,
        note_ru: Some(note.to_owned()),
    }
}

fn free() -> Fee {
    Fee {
        amount_kopecks: 0,
        note_ru: None,
    }
}

fn rubles(amount: u64) -> Fee {
    Fee {
        amount_kopecks: amount * 100,
        note_ru: None,
    }
}

/// Version 1 of a form with these fields and attachments.
fn form(fields: Vec<Field>, attachments: AttachmentRule) -> FormSchema {
    FormSchema {
        version: 1,
        fields,
        attachments,
    }
}

fn no_attachments() -> AttachmentRule {
    AttachmentRule {
        max_files: 0,
        max_bytes_each: 0,
        mime_types: Vec::new(),
        label_ru: None,
    }
}

/// Up to `max_files` scans or photos (PDF, JPEG, PNG) of at most 5 MiB each.
fn scans(max_files: u8, label_ru: &str) -> AttachmentRule {
    AttachmentRule {
        max_files,
        max_bytes_each: MAX_ATTACHMENT_BYTES,
        mime_types: strings(&["application/pdf", "image/jpeg", "image/png"]),
        label_ru: Some(label_ru.to_owned()),
    }
}

/// A required field without hint or prefill.
fn field(name: &str, label_ru: &str, label_en: &str, kind: FieldKind) -> Field {
    Field {
        name: name.to_owned(),
        label_ru: label_ru.to_owned(),
        label_en: label_en.to_owned(),
        help_ru: None,
        required: true,
        kind,
        prefill: None,
    }
}

/// Adjustments to a field made by the helpers below.
trait FieldOptions {
    fn optional(self) -> Self;
    fn help(self, help_ru: &str) -> Self;
    fn prefilled(self, prefill: ProfileField) -> Self;
}

impl FieldOptions for Field {
    fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }

    fn help(self, help_ru: &str) -> Self {
        Self {
            help_ru: Some(help_ru.to_owned()),
            ..self
        }
    }

    fn prefilled(self, prefill: ProfileField) -> Self {
        Self {
            prefill: Some(prefill),
            ..self
        }
    }
}

fn text(name: &str, label_ru: &str, label_en: &str, max_len: u16) -> Field {
    let kind = FieldKind::Text {
        max_len,
        multiline: false,
    };
    field(name, label_ru, label_en, kind)
}

fn long_text(name: &str, label_ru: &str, label_en: &str, max_len: u16) -> Field {
    let kind = FieldKind::Text {
        max_len,
        multiline: true,
    };
    field(name, label_ru, label_en, kind)
}

fn date(name: &str, label_ru: &str, label_en: &str) -> Field {
    let kind = FieldKind::Date {
        not_after_today: false,
    };
    field(name, label_ru, label_en, kind)
}

/// A date not later than today.
fn past_date(name: &str, label_ru: &str, label_en: &str) -> Field {
    let kind = FieldKind::Date {
        not_after_today: true,
    };
    field(name, label_ru, label_en, kind)
}

/// Options as `(value, label_ru, label_en)`.
fn choices(options: &[(&str, &str, &str)]) -> Vec<Choice> {
    let choice = |&(value, label_ru, label_en): &(&str, &str, &str)| Choice {
        value: value.to_owned(),
        label_ru: label_ru.to_owned(),
        label_en: label_en.to_owned(),
    };
    options.iter().map(choice).collect()
}

fn select(name: &str, label_ru: &str, label_en: &str, options: &[(&str, &str, &str)]) -> Field {
    let kind = FieldKind::Select {
        options: choices(options),
    };
    field(name, label_ru, label_en, kind)
}

fn radio(name: &str, label_ru: &str, label_en: &str, options: &[(&str, &str, &str)]) -> Field {
    let kind = FieldKind::Radio {
        options: choices(options),
    };
    field(name, label_ru, label_en, kind)
}

/// A box that must be ticked: a confirmation or a consent.
fn confirmation(name: &str, label_ru: &str, label_en: &str) -> Field {
    field(name, label_ru, label_en, FieldKind::Checkbox)
}

fn number(name: &str, label_ru: &str, label_en: &str, min: i64, max: i64) -> Field {
    field(name, label_ru, label_en, FieldKind::Number { min, max })
}

/// An identifier field labelled as the identifier itself (`ИНН`, `СНИЛС`, …).
fn identifier(name: &str, identifier: IdentifierKind) -> Field {
    let kind = FieldKind::Identifier { identifier };
    field(name, identifier.label_ru(), identifier.label_en(), kind)
}

fn last_name() -> Field {
    text("last_name", "Фамилия", "Last name", 100).prefilled(ProfileField::LastName)
}

fn first_name() -> Field {
    text("first_name", "Имя", "First name", 100).prefilled(ProfileField::FirstName)
}

fn middle_name() -> Field {
    text("middle_name", "Отчество", "Patronymic", 100)
        .optional()
        .help("Если есть")
        .prefilled(ProfileField::MiddleName)
}

fn birth_date() -> Field {
    past_date("birth_date", "Дата рождения", "Date of birth").prefilled(ProfileField::BirthDate)
}

fn birth_place() -> Field {
    text("birth_place", "Место рождения", "Place of birth", 300)
        .help("Как в паспорте")
        .prefilled(ProfileField::BirthPlace)
}

fn gender() -> Field {
    let options = [("M", "Мужской", "Male"), ("F", "Женский", "Female")];
    radio("gender", "Пол", "Sex", &options).prefilled(ProfileField::Gender)
}

fn snils() -> Field {
    identifier("snils", IdentifierKind::Snils).prefilled(ProfileField::Snils)
}

fn inn() -> Field {
    identifier("inn", IdentifierKind::Inn).prefilled(ProfileField::Inn)
}

fn passport() -> Field {
    let kind = FieldKind::Identifier {
        identifier: IdentifierKind::Passport,
    };
    field(
        "passport",
        "Серия и номер паспорта",
        "Passport series and number",
        kind,
    )
    .prefilled(ProfileField::PassportSeriesNumber)
}

fn passport_issue_date() -> Field {
    past_date(
        "passport_issue_date",
        "Дата выдачи паспорта",
        "Passport issue date",
    )
    .prefilled(ProfileField::PassportIssueDate)
}

fn passport_issuer_code() -> Field {
    identifier("passport_issuer_code", IdentifierKind::PassportIssuerCode)
        .prefilled(ProfileField::PassportIssuerCode)
}

fn passport_issued_by() -> Field {
    text(
        "passport_issued_by",
        "Кем выдан паспорт",
        "Passport issued by",
        300,
    )
    .prefilled(ProfileField::PassportIssuedBy)
}

fn mobile_phone() -> Field {
    let kind = FieldKind::Identifier {
        identifier: IdentifierKind::Phone,
    };
    field("mobile_phone", "Мобильный телефон", "Mobile phone", kind)
        .prefilled(ProfileField::MobilePhone)
}

fn email() -> Field {
    field("email", "Электронная почта", "E-mail", FieldKind::Email).prefilled(ProfileField::Email)
}

fn registration_address() -> Field {
    field(
        "registration_address",
        "Адрес регистрации",
        "Registered address",
        FieldKind::Address,
    )
    .prefilled(ProfileField::RegistrationAddress)
}

fn residence_address() -> Field {
    let label_ru = "Адрес фактического проживания";
    field(
        "residence_address",
        label_ru,
        "Residential address",
        FieldKind::Address,
    )
    .prefilled(ProfileField::ResidenceAddress)
}

/// БИК and settlement account of the citizen's bank account (a «Мир» card account for payments).
fn bank_account() -> [Field; 2] {
    [
        identifier("bik", IdentifierKind::Bik).help("9 цифр, есть в реквизитах счёта"),
        identifier("account", IdentifierKind::SettlementAccount).help("20 цифр, начинается с 408"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::services::{AccountLevel, Agency, RegionRule};
    use std::collections::HashSet;

    const REAL_CODES: [&str; 4] = ["10000000109", "10000000110", "60080315", "10000000804"];

    #[test]
    fn the_catalogue_covers_every_agency_with_unique_codes() {
        let services = services();
        assert!(services.len() >= 13, "{} services", services.len());
        let codes: HashSet<_> = services.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(codes.len(), services.len(), "codes repeat");
        for agency in Agency::ALL {
            assert!(services.iter().any(|s| s.agency == agency), "{agency:?}");
        }
        for code in REAL_CODES {
            let service = services.iter().find(|s| s.code == code);
            assert!(service.is_some_and(|s| s.real_code), "{code}");
        }
        for service in &services {
            let code = service.code.as_str();
            assert_eq!(service.target_code, format!("-{code}"));
            if !REAL_CODES.contains(&code) {
                assert!(!service.real_code, "{code}");
                assert!(code.len() == 11 && code.starts_with("100000011"), "{code}");
                assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
            }
        }
    }

    #[test]
    fn every_form_passes_its_check_and_every_text_is_filled_in() {
        for service in services() {
            let code = &service.code;
            assert_eq!(service.form.check(), Ok(()), "{code}");
            assert!((4..=9).contains(&service.form.fields.len()), "{code}");
            assert!(
                !service.title.is_empty() && !service.summary.is_empty(),
                "{code}"
            );
            assert!(!service.documents.is_empty(), "{code}");
            assert_ne!(
                service.deadline.describe_ru(),
                "Срок не установлен",
                "{code}"
            );
        }
    }

    #[test]
    fn levels_and_regions_vary() {
        let services = services();
        for level in [
            AccountLevel::Simplified,
            AccountLevel::Standard,
            AccountLevel::Confirmed,
        ] {
            assert!(
                services.iter().any(|s| s.required_level == level),
                "{level:?}"
            );
        }
        let regional: Vec<_> = services
            .iter()
            .filter(|s| s.regions != RegionRule::AllRussia)
            .collect();
        assert!(!regional.is_empty());
        for service in regional {
            assert!(service.regions.allows("45000000000"), "{}", service.code);
            assert!(!service.regions.allows("03000000000"), "{}", service.code);
        }
    }

    #[test]
    fn every_description_survives_json() {
        for service in services() {
            let json = serde_json::to_string(&service).unwrap();
            let back: ServiceDescription = serde_json::from_str(&json).unwrap();
            assert_eq!(back, service, "{}", service.code);
        }
    }

    #[test]
    fn scopes_follow_the_prefills() {
        let services = services();
        let pension = services.iter().find(|s| s.code == "10000000109").unwrap();
        assert_eq!(
            pension.required_scopes(),
            ["fullname", "mobile", "openid", "snils"]
        );
        let fine = services.iter().find(|s| s.agency == Agency::Fines).unwrap();
        let uin = FieldKind::Identifier {
            identifier: IdentifierKind::Uin,
        };
        assert!(fine.form.fields.iter().any(|field| field.kind == uin));
    }
}
