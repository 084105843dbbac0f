//! The description of each state service okno offers and the schema of its application form — plain data shared by the browser (WASM) and the server.
//!
//! A [`ServiceDescription`] says what a service is (portal codes, agency, summary, deadline,
//! fee, the account level and regions it needs, the documents to have at hand) and carries the
//! [`FormSchema`] of its application. Both are data, not code: they serialise to JSON with
//! serde, and [`FormSchema::check`] tells whether a schema is well formed. [`values`] checks a
//! citizen's answers against a schema.
//!
//! # The form schema format
//!
//! A form is a list of fields shown top to bottom, then an optional block of file attachments.
//! In JSON:
//!
//! ```json
//! {
//!   "version": 1,
//!   "fields": [
//!     {"name": "snils", "label_ru": "СНИЛС", "label_en": "SNILS", "required": true,
//!      "kind": "identifier", "identifier": "snils", "prefill": "snils"},
//!     {"name": "delivery", "label_ru": "Способ доставки", "label_en": "Delivery method",
//!      "help_ru": "Выберите одно", "required": true, "kind": "radio",
//!      "options": [{"value": "bank", "label_ru": "Банк", "label_en": "Bank"},
//!                  {"value": "post", "label_ru": "Почта", "label_en": "Post"}]}
//!   ],
//!   "attachments": {"max_files": 3, "max_bytes_each": 5242880,
//!                   "mime_types": ["application/pdf", "image/jpeg"],
//!                   "label_ru": "Договор"}
//! }
//! ```
//!
//! `version` identifies the revision of the form: raise it whenever a field is added, removed,
//! renamed or changes kind, so that stored answers can be matched with the schema they were
//! filled against. Optional members (`help_ru`, `prefill`, `label_ru` of attachments) are left
//! out of the JSON when absent.
//!
//! ## Fields
//!
//! Every [`Field`] has a `name` (stable machine name: snake_case, unique in the form; answers
//! are keyed by it), a Russian and an English label, an optional Russian hint (`help_ru`),
//! `required` (an empty answer is refused), its kind (flattened into the field object under
//! `"kind"`, with the kind's own members beside it) and an optional `prefill`.
//!
//! ## Field kinds
//!
//! | `kind` | members | a filled value is |
//! |---|---|---|
//! | `text` | `max_len`, `multiline` | text of at most `max_len` characters; line breaks only when `multiline` |
//! | `date` | `not_after_today` | a calendar date, `YYYY-MM-DD`; not later than today when `not_after_today` |
//! | `select` | `options` | the `value` of one option, chosen from a drop-down list |
//! | `radio` | `options` | the `value` of one option, chosen from radio buttons (for a few options) |
//! | `checkbox` | — | yes or no; a required checkbox must be ticked (consents, confirmations) |
//! | `address` | — | a Russian postal address written in one line, as ESIA's `addressStr` |
//! | `identifier` | `identifier` | a Russian identifier of that [`IdentifierKind`] (`inn`, `snils`, `passport`, `phone`, `enp`, `uin`, `bik`, `settlement_account`, …), checked and normalised by [`crate::identifiers`] |
//! | `email` | — | an e-mail address |
//! | `number` | `min`, `max` | a whole number from `min` to `max` inclusive |
//!
//! An option ([`Choice`]) has a machine `value` and a Russian and an English label. An account
//! (`settlement_account`, `correspondent_account`) is checked against a bank's БИК, so a form
//! with an account field also has a `bik` identifier field.
//!
//! ## Prefill from the ESIA profile
//!
//! `prefill` names the field of the citizen's ESIA (Gosuslugi sign-in) profile that fills the
//! field in advance; the citizen can still correct it. Reading it needs an ESIA scope, and each
//! profile field fits only some field kinds:
//!
//! | `prefill` | ESIA scope | fits a field of kind |
//! |---|---|---|
//! | `last_name`, `first_name`, `middle_name` | `fullname` | `text` |
//! | `birth_date` | `birthdate` | `date` |
//! | `birth_place` | `birthplace` | `text` |
//! | `gender` | `gender` | `select` or `radio` with the options `M` and `F` (ESIA's values) |
//! | `snils` | `snils` | `identifier` `snils` |
//! | `inn` | `inn` | `identifier` `inn` |
//! | `passport_series_number` | `id_doc` | `identifier` `passport` |
//! | `passport_issue_date` | `id_doc` | `date` |
//! | `passport_issuer_code` | `id_doc` | `identifier` `passport_issuer_code` |
//! | `passport_issued_by` | `id_doc` | `text` |
//! | `mobile_phone` | `mobile` | `identifier` `phone` |
//! | `email` | `email` | `email` |
//! | `registration_address`, `residence_address` | `addresses` | `address` |
//!
//! [`ServiceDescription::required_scopes`] lists the scopes a service's prefills need, with
//! `openid`.
//!
//! ## Attachments
//!
//! `attachments` ([`AttachmentRule`]) allows up to `max_files` files (0: the form takes no
//! files), each at most `max_bytes_each` bytes — never more than 5 MiB
//! ([`MAX_ATTACHMENT_BYTES`]) — and each of one of the listed MIME types (such as
//! `application/pdf`, `image/jpeg`, `image/png`). `label_ru` says what to attach.
//!
//! ## Validation rules
//!
//! [`FormSchema::check`] accepts a schema only when:
//!
//! - every field name is snake_case (`a`–`z`, digits and single underscores, starting with a
//!   letter, not ending with an underscore) and no two fields share a name;
//! - no label is blank: neither a field's Russian and English labels nor an option's;
//! - a `text` field allows at least one character, and a `number` field has `min ≤ max`;
//! - a `select` or `radio` field has at least two options, with no value repeated;
//! - an account field has a `bik` field beside it;
//! - every `prefill` fits its field's kind (see the table above);
//! - `max_bytes_each` is at most 5 MiB, and when files are allowed it is above zero and the MIME
//!   type list is non-empty, each entry written as `type/subtype`.
//!
//! It reports the first problem found as a [`SchemaError`].

use crate::{identifiers::IdentifierKind, lang::Lang};
use serde::{Deserialize, Serialize};

mod check;
pub mod values;
pub use check::SchemaError;

/// The largest attachment a form may accept: 5 MiB.
pub const MAX_ATTACHMENT_BYTES: u32 = 5 * 1024 * 1024;

/// No-break space: groups thousands and separates the amount from `₽`, as `Intl` does for `ru`.
const NO_BREAK_SPACE: char = '\u{a0}';

/// Everything okno shows and needs about one state service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDescription {
    /// The portal's `serviceCode` of the service's form.
    pub code: String,
    /// The portal's `targetCode`: the service target in the federal register, usually `-` + `code`.
    pub target_code: String,
    /// True when `code` is the portal's own code, false when okno made it up for the sandbox.
    pub real_code: bool,
    /// The service's name, in Russian.
    pub title: String,
    /// The agency that provides the service.
    pub agency: Agency,
    /// What the citizen gets, in Russian.
    pub summary: String,
    /// How long the agency takes.
    pub deadline: Deadline,
    /// What the service costs.
    pub fee: Fee,
    /// The lowest Gosuslugi account level that may apply.
    pub required_level: AccountLevel,
    /// Where the service is available.
    pub regions: RegionRule,
    /// The documents to have at hand, in Russian.
    pub documents: Vec<String>,
    /// The application form.
    pub form: FormSchema,
}

impl ServiceDescription {
    /// The ESIA scopes needed to prefill the form, with `openid`: sorted, without repeats.
    pub fn required_scopes(&self) -> Vec<&'static str> {
        let prefills = self.form.fields.iter().filter_map(|field| field.prefill);
        let mut scopes: Vec<_> = prefills
            .map(ProfileField::esia_scope)
            .chain(["openid"])
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        scopes
    }
}

/// The federal agency that provides a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agency {
    /// ФНС России, the Federal Tax Service.
    Fns,
    /// Социальный фонд России (pensions and benefits).
    Sfr,
    /// Росреестр, the property register.
    Rosreestr,
    /// Минздрав России, the Ministry of Health.
    Minzdrav,
    /// Минтруд России, the Ministry of Labour and Social Protection.
    Mintrud,
    /// Роспотребнадзор, the consumer-rights watchdog.
    Rospotrebnadzor,
    /// Минпросвещения России, the Ministry of Education (schools).
    Minprosveshcheniya,
    /// МВД России, the Ministry of Internal Affairs (passports, vehicles).
    Mvd,
    /// ГИБДД / штрафы: the traffic police and its fines.
    Fines,
}

impl Agency {
    /// Every agency, in declaration order.
    pub const ALL: [Self; 9] = [
        Self::Fns,
        Self::Sfr,
        Self::Rosreestr,
        Self::Minzdrav,
        Self::Mintrud,
        Self::Rospotrebnadzor,
        Self::Minprosveshcheniya,
        Self::Mvd,
        Self::Fines,
    ];

    /// The name people know the agency by, in Russian.
    pub fn short_name_ru(self) -> &'static str {
        match self {
            Self::Fns => "ФНС России",
            Self::Sfr => "Социальный фонд России",
            Self::Rosreestr => "Росреестр",
            Self::Minzdrav => "Минздрав России",
            Self::Mintrud => "Минтруд России",
            Self::Rospotrebnadzor => "Роспотребнадзор",
            Self::Minprosveshcheniya => "Минпросвещения России",
            Self::Mvd => "МВД России",
            Self::Fines => "ГИБДД",
        }
    }

    /// The agency's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Fns => "Federal Tax Service",
            Self::Sfr => "Social Fund of Russia",
            Self::Rosreestr => "Federal Service for State Registration, Cadastre and Cartography",
            Self::Minzdrav => "Ministry of Health",
            Self::Mintrud => "Ministry of Labour and Social Protection",
            Self::Rospotrebnadzor => "Federal Service for Consumer Rights Protection",
            Self::Minprosveshcheniya => "Ministry of Education",
            Self::Mvd => "Ministry of Internal Affairs",
            Self::Fines => "Traffic police (GIBDD) fines",
        }
    }
}

/// How long the agency takes; any part may be absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The term in working days.
    pub working_days: Option<u16>,
    /// The term in calendar days.
    pub calendar_days: Option<u16>,
    /// What the term counts from or any other condition, in Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_ru: Option<String>,
}

impl Deadline {
    /// E.g. `3 рабочих дня`, `30 календарных дней (со дня регистрации обращения)`, or the note alone.
    pub fn describe_ru(&self) -> String {
        let working = self
            .working_days
            .map(|n| days_ru(n, "рабочий день", "рабочих дня", "рабочих дней"));
        let calendar = self
            .calendar_days
            .map(|n| days_ru(n, "календарный день", "календарных дня", "календарных дней"));
        let terms: Vec<String> = working.into_iter().chain(calendar).collect();
        match (terms.is_empty(), &self.note_ru) {
            (true, Some(note)) => note.clone(),
            (true, None) => "Срок не установлен".to_owned(),
            (false, Some(note)) => format!("{} ({note})", terms.join("; ")),
            (false, None) => terms.join("; "),
        }
    }

    /// The term in English (`3 working days; 30 calendar days`) without the Russian note, or
    /// `None` when no term in days is set.
    pub fn terms_en(&self) -> Option<String> {
        let plural =
            |n: u16, kind: &str| format!("{n} {kind} day{}", if n == 1 { "" } else { "s" });
        let terms: Vec<String> = (self.working_days.map(|n| plural(n, "working")))
            .into_iter()
            .chain(self.calendar_days.map(|n| plural(n, "calendar")))
            .collect();
        (!terms.is_empty()).then(|| terms.join("; "))
    }
}

/// `n` and the Russian noun form that agrees with it: one (1, 21), few (2–4, 22) or many.
fn days_ru(n: u16, one: &str, few: &str, many: &str) -> String {
    let noun = match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    };
    format!("{n} {noun}")
}

/// What a service costs the citizen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// The state duty or fee in kopecks; 0 means free.
    pub amount_kopecks: u64,
    /// Discounts, exemptions or what the amount covers, in Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_ru: Option<String>,
}

impl Fee {
    /// `Бесплатно`, `6 000 ₽` or `350,50 ₽` (no-break spaces), then the note in parentheses.
    pub fn describe_ru(&self) -> String {
        let amount = self.amount("Бесплатно");
        match &self.note_ru {
            Some(note) => format!("{amount} ({note})"),
            None => amount,
        }
    }

    /// The amount in English: `Free`, or as in Russian (`6 000 ₽`); without the Russian note.
    pub fn amount_en(&self) -> String {
        self.amount("Free")
    }

    fn amount(&self, free: &str) -> String {
        match self.amount_kopecks {
            0 => free.to_owned(),
            kopecks => {
                let rubles = group_thousands(kopecks / 100);
                match kopecks % 100 {
                    0 => format!("{rubles}{NO_BREAK_SPACE}₽"),
                    cents => format!("{rubles},{cents:02}{NO_BREAK_SPACE}₽"),
                }
            }
        }
    }
}

/// `1234567` as `1 234 567`, with no-break spaces.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::with_capacity(digits.len() * 2);
    for (i, digit) in digits.chars().enumerate() {
        let remaining = digits.len() - i;
        if i > 0 && remaining.is_multiple_of(3) {
            grouped.push(NO_BREAK_SPACE);
        }
        grouped.push(digit);
    }
    grouped
}

/// The level of a Gosuslugi (ESIA) account, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountLevel {
    /// Упрощённая: name, phone or e-mail only.
    Simplified,
    /// Стандартная: СНИЛС and passport checked against state registers.
    Standard,
    /// Подтверждённая: identity confirmed in person, by bank or e-signature.
    Confirmed,
}

impl AccountLevel {
    /// The level's name as Gosuslugi shows it.
    pub fn label_ru(self) -> &'static str {
        match self {
            Self::Simplified => "Упрощённая учётная запись",
            Self::Standard => "Стандартная учётная запись",
            Self::Confirmed => "Подтверждённая учётная запись",
        }
    }

    /// The level's name in the widget's language.
    pub fn label(self, lang: Lang) -> &'static str {
        lang.pick(self.label_ru(), self.label_en())
    }

    /// The level's name in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Simplified => "Simplified account",
            Self::Standard => "Standard account",
            Self::Confirmed => "Confirmed account",
        }
    }

    /// The level's name inside an English sentence ("a confirmed account is needed").
    pub fn name_in_sentence_en(self) -> &'static str {
        match self {
            Self::Simplified => "a simplified account",
            Self::Standard => "a standard account",
            Self::Confirmed => "a confirmed account",
        }
    }

    /// The level's name inside a sentence ("нужна подтверждённая учётная запись"). Written out
    /// rather than lower-cased at run time: `to_lowercase` would ship Unicode tables in the WASM.
    pub fn name_in_sentence_ru(self) -> &'static str {
        match self {
            Self::Simplified => "упрощённая учётная запись",
            Self::Standard => "стандартная учётная запись",
            Self::Confirmed => "подтверждённая учётная запись",
        }
    }

    /// Whether a citizen whose account is at level `citizen` meets this required level.
    pub fn allows(self, citizen: AccountLevel) -> bool {
        citizen >= self
    }
}

/// Where a service is available.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegionRule {
    /// Everywhere in Russia.
    AllRussia,
    /// Only in some regions.
    Regions {
        /// Leading digits of the OKATO codes served (`45` Moscow, `46` Moscow oblast).
        okato_prefixes: Vec<String>,
        /// Which regions, in words, in Russian.
        note_ru: String,
    },
}

impl RegionRule {
    /// Whether the service is available in the region with the 11-digit OKATO code `okato`.
    pub fn allows(&self, okato: &str) -> bool {
        match self {
            Self::AllRussia => true,
            Self::Regions { okato_prefixes, .. } => okato_prefixes
                .iter()
                .any(|prefix| !prefix.is_empty() && okato.starts_with(prefix.as_str())),
        }
    }
}

/// The application form of a service; the module documentation describes the format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSchema {
    /// The revision of the form, raised when its fields change.
    pub version: u32,
    /// The fields, in display order.
    pub fields: Vec<Field>,
    /// Which files may be attached.
    pub attachments: AttachmentRule,
}

/// Which files an application may carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRule {
    /// How many files at most; 0 means the form takes none.
    pub max_files: u8,
    /// The size limit of each file in bytes, at most [`MAX_ATTACHMENT_BYTES`].
    pub max_bytes_each: u32,
    /// The MIME types accepted, such as `application/pdf`.
    pub mime_types: Vec<String>,
    /// What to attach, in Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_ru: Option<String>,
}

/// One question of a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable machine name, snake_case, unique in the form; answers are keyed by it.
    pub name: String,
    /// The label in Russian.
    pub label_ru: String,
    /// The label in English.
    pub label_en: String,
    /// A hint shown under the field, in Russian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_ru: Option<String>,
    /// Whether an answer is needed.
    pub required: bool,
    /// What the field asks for; flattened, so its `kind` tag sits in the field object.
    #[serde(flatten)]
    pub kind: FieldKind,
    /// The ESIA profile field that fills it in advance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<ProfileField>,
}

/// What a field asks for and how its answer is checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text {
        /// The most characters allowed, at least 1.
        max_len: u16,
        /// Whether line breaks are allowed (a text area).
        multiline: bool,
    },
    /// A calendar date.
    Date {
        /// Whether dates after today are refused.
        not_after_today: bool,
    },
    /// One option out of a drop-down list.
    Select {
        /// The options, at least two.
        options: Vec<Choice>,
    },
    /// One option out of radio buttons.
    Radio {
        /// The options, at least two.
        options: Vec<Choice>,
    },
    /// A yes/no tick; when required it must be ticked.
    Checkbox,
    /// A postal address in one line.
    Address,
    /// A Russian identifier checked by [`crate::identifiers`].
    Identifier {
        /// Which identifier.
        identifier: IdentifierKind,
    },
    /// An e-mail address.
    Email,
    /// A whole number.
    Number {
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
}

/// An option of a select or radio field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The machine value stored as the answer.
    pub value: String,
    /// The label in Russian.
    pub label_ru: String,
    /// The label in English.
    pub label_en: String,
}

/// A field of the citizen's ESIA profile that can fill a form field in advance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    /// Фамилия.
    LastName,
    /// Имя.
    FirstName,
    /// Отчество.
    MiddleName,
    /// Дата рождения.
    BirthDate,
    /// Место рождения.
    BirthPlace,
    /// Пол: ESIA's `M` or `F`.
    Gender,
    /// СНИЛС.
    Snils,
    /// ИНН.
    Inn,
    /// Серия и номер паспорта РФ.
    PassportSeriesNumber,
    /// Дата выдачи паспорта.
    PassportIssueDate,
    /// Код подразделения, выдавшего паспорт.
    PassportIssuerCode,
    /// Кем выдан паспорт.
    PassportIssuedBy,
    /// Мобильный телефон.
    MobilePhone,
    /// Электронная почта.
    Email,
    /// Адрес регистрации (ESIA `PRG`).
    RegistrationAddress,
    /// Адрес места проживания (ESIA `PLV`).
    ResidenceAddress,
}

impl ProfileField {
    /// The ESIA scope that grants reading this field.
    pub fn esia_scope(self) -> &'static str {
        match self {
            Self::LastName | Self::FirstName | Self::MiddleName => "fullname",
            Self::BirthDate => "birthdate",
            Self::BirthPlace => "birthplace",
            Self::Gender => "gender",
            Self::Snils => "snils",
            Self::Inn => "inn",
            Self::PassportSeriesNumber
            | Self::PassportIssueDate
            | Self::PassportIssuerCode
            | Self::PassportIssuedBy => "id_doc",
            Self::MobilePhone => "mobile",
            Self::Email => "email",
            Self::RegistrationAddress | Self::ResidenceAddress => "addresses",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
