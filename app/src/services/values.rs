//! A citizen's answers to a form ([`FormValues`]) checked against its [`FormSchema`]: the same code runs next to each field in the browser and again on the server before anything is stored.
//!
//! [`FormSchema::validate`] turns the answers into a [`ValidForm`] — trimmed text and
//! identifiers in their canonical form, in schema order, ready to be written into the portal
//! request — or refuses them with [`FormProblems`]: one [`FieldProblem`] per bad field, each
//! with a stable code and a message in Russian and in English that says what is wrong and how
//! to fix it. [`Field::validate_one`] and [`FormSchema::validate_field`] check a single field,
//! for the browser to show a message when the citizen leaves it.
//!
//! # The answers
//!
//! [`FormValues`] maps a field's `name` to its answer as text, exactly as entered; in JSON it is
//! a plain object, `{"snils": "112-233-445 95", "consent": "true"}`, and as a server function
//! argument named `values` in URL-encoded form it is `values[snils]=…&values[consent]=true`.
//! A checkbox is ticked when its answer is `true` or `on` (what an HTML checkbox posts) and
//! unticked when it is `false`, empty or absent. Files are not answers: they are uploaded
//! separately under the schema's [`AttachmentRule`](super::AttachmentRule), which has no field
//! names, so nothing here refers to them.
//!
//! # What is checked
//!
//! An answer is trimmed first; an empty one is missing, refused when the field is required.
//! Then, by kind:
//!
//! | kind | refused when | kept as |
//! |---|---|---|
//! | `text` | more than `max_len` characters, a line break in a one-line field, control characters | trimmed; `\r\n` as `\n` |
//! | `date` | not `YYYY-MM-DD`, no such day, year outside 1900–2100, after today when `not_after_today` | `YYYY-MM-DD` |
//! | `select`, `radio` | not the `value` of one of the options | the value |
//! | `checkbox` | required and not ticked, or neither ticked nor unticked | `true` or `false`, always present |
//! | `address` | more than [`MAX_ADDRESS_CHARS`], a line break, control characters | runs of spaces as one |
//! | `identifier` | refused by its parser in [`crate::identifiers`] | the canonical form (`as_str`): `11223344595`, `79001234567` |
//! | `email` | not `local@domain.tld`, more than [`MAX_EMAIL_CHARS`] | the domain in lower case |
//! | `number` | not a whole number, outside `min`–`max` | digits without separators or leading zeros |
//!
//! An account (`settlement_account`, `correspondent_account`) is checked against the БИК
//! answered in the form's `bik` field. Answers to names the form does not have are refused.
//!
//! # Problem codes
//!
//! `required`, `must_be_ticked`, `checkbox_value`, `too_long`, `line_break`,
//! `control_character`, `date_format`, `date_invalid`, `date_out_of_range`, `date_in_future`,
//! `not_an_option`, `email_format`, `number_format`, `number_out_of_range`,
//! `account_needs_bik`, `unknown_field`, and the identifier codes of
//! [`IdentifierError::code`] (`identifier_checksum`, `identifier_wrong_length`, …).

use super::{Choice, Field, FieldKind, FormSchema};
use crate::identifiers::{
    Bik, CorrespondentAccount, Enp, IdentifierError, IdentifierKind, Inn, Kpp, Ogrn, Ogrnip, Okato,
    Passport, PassportIssuerCode, Phone, SettlementAccount, Snils, Uin,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The longest address accepted, in characters: ESIA's one-line `addressStr` of a long rural
/// address is about 250, so twice that only stops pasted junk.
pub const MAX_ADDRESS_CHARS: usize = 500;

/// The longest e-mail address accepted, in characters: the limit of an SMTP path (RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Dates outside these years are typos (`0202` for `2020`), not births or appointments.
const FIRST_YEAR: u16 = 1900;
const LAST_YEAR: u16 = 2100;

/// Russia's easternmost time zone (Kamchatka, Chukotka): UTC+12, in seconds.
///
/// The server should take "today" there, so that no citizen's own today — which the browser
/// checks against — is refused as a future date on the server.
pub const EASTERNMOST_RUSSIAN_UTC_OFFSET: i32 = 12 * 3600;

/// A citizen's answers: field name → the answer as entered (see the module documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormValues(BTreeMap<String, String>);

impl FormValues {
    /// No answers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the answer to `name`, replacing any earlier one.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    /// Removes the answer to `name`, returning it.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// The answer to `name`, as entered.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every answer, by name in byte order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// How many answers there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no answers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, String>> for FormValues {
    fn from(values: BTreeMap<String, String>) -> Self {
        Self(values)
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for FormValues {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(pairs: I) -> Self {
        let pairs = pairs.into_iter();
        Self(
            pairs
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
        )
    }
}

/// One answer of a [`ValidForm`]: a field's name and its normalised value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidValue {
    /// The field's `name`.
    pub name: String,
    /// The normalised answer.
    pub value: String,
}

/// Answers that passed [`FormSchema::validate`]: only that function makes one, so holding a
/// `ValidForm` means the answers were checked.
///
/// Serialises as `{"version": 1, "values": [{"name": …, "value": …}, …]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidForm {
    version: u32,
    values: Vec<ValidValue>,
}

impl ValidForm {
    /// The `version` of the schema the answers were checked against.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The answers in schema order. An optional field left empty is absent; a checkbox is
    /// always present, as `true` or `false`.
    pub fn values(&self) -> &[ValidValue] {
        &self.values
    }

    /// The normalised answer to `name`, if any.
    pub fn get(&self, name: &str) -> Option<&str> {
        let mut values = self.values.iter();
        values
            .find(|value| value.name == name)
            .map(|value| value.value.as_str())
    }

    /// The answers, to write into a request.
    pub fn into_values(self) -> Vec<ValidValue> {
        self.values
    }
}

/// Why one answer was refused: a stable code and what to do, in Russian and in English.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    /// The `name` of the field at fault, or the unknown name that was answered.
    pub field: String,
    /// The stable machine code (listed in the module documentation).
    pub code: String,
    /// `Label: what is wrong — what to do`, in Russian.
    pub message_ru: String,
    /// `Label: what is wrong — what to do`, in English.
    pub message_en: String,
}

/// Shows `field: code`; people get `message_ru` / `message_en`.
impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for FieldProblem {}

/// Why [`FormSchema::validate`] refused the answers: never empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormProblems {
    /// One problem per bad field in schema order, then answers to unknown names by name.
    pub problems: Vec<FieldProblem>,
}

impl FormProblems {
    /// The problem of the field `name`, to show next to it.
    pub fn for_field(&self, name: &str) -> Option<&FieldProblem> {
        self.problems.iter().find(|problem| problem.field == name)
    }
}

/// Shows the `field: code` of each problem, separated by `; `.
impl fmt::Display for FormProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FormProblems {}

/// A day of the Gregorian calendar, years 1–9999; orders chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why text is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DateError {
    /// Not written as `YYYY-MM-DD`.
    Format,
    /// Written so, but no such day exists.
    NoSuchDay,
}

impl CalendarDate {
    /// 1970-01-01, the first day of Unix time.
    pub const UNIX_EPOCH: CalendarDate = CalendarDate {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// The date, if that day exists.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let exists = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        exists.then_some(Self { year, month, day })
    }

    /// Reads `YYYY-MM-DD` (what `<input type="date">` submits), if that day exists.
    pub fn parse(input: &str) -> Option<Self> {
        Self::parse_iso(input).ok()
    }

    fn parse_iso(input: &str) -> Result<Self, DateError> {
        let bytes = input.as_bytes();
        let shaped = bytes.len() == 10
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shaped {
            return Err(DateError::Format);
        }
        let number = |from: usize, to: usize| {
            let digits = bytes.get(from..to).unwrap_or_default();
            digits
                .iter()
                .fold(0_u16, |acc, b| acc * 10 + u16::from(b - b'0'))
        };
        let (year, month, day) = (number(0, 4), number(5, 7), number(8, 10));
        let month = u8::try_from(month).map_err(|_| DateError::NoSuchDay)?;
        let day = u8::try_from(day).map_err(|_| DateError::NoSuchDay)?;
        Self::new(year, month, day).ok_or(DateError::NoSuchDay)
    }

    /// The local date at `unix_seconds` in the zone `utc_offset_seconds` east of UTC; `None`
    /// outside years 1–9999. Lets the server turn its clock into "today" (see
    /// [`EASTERNMOST_RUSSIAN_UTC_OFFSET`]) without a date library.
    pub fn from_unix_seconds(unix_seconds: i64, utc_offset_seconds: i32) -> Option<Self> {
        let local = unix_seconds.checked_add(i64::from(utc_offset_seconds))?;
        civil_from_days(local.div_euclid(86_400))
    }

    /// The year, 1–9999.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// `DD.MM.YYYY`, as dates are written in Russian.
    fn to_russian(self) -> String {
        format!("{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }
}

/// `YYYY-MM-DD`.
impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date `days` days after 1970-01-01: Howard Hinnant's `civil_from_days`, which counts in
/// 400-year eras starting on 1 March so that the leap day falls at the end of a year.
fn civil_from_days(days: i64) -> Option<CalendarDate> {
    let z = days.checked_add(719_468)?;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    CalendarDate::new(
        u16::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )
}

/// What the form's БИК answer allows an account field to be checked against.
#[derive(Clone, Debug)]
enum BankBik {
    /// Checking one field alone: the БИК is not known, so only the account's shape is checked.
    NotKnown,
    /// The form's БИК field is empty (or the form has none).
    Missing,
    /// The БИК answered is itself refused; that field reports it.
    Invalid,
    Valid(Bik),
}

impl BankBik {
    /// The БИК answered in the first `bik` identifier field of `schema`.
    fn answered(schema: &FormSchema, values: &FormValues) -> Self {
        let is_bik = |field: &&Field| {
            matches!(
                field.kind,
                FieldKind::Identifier {
                    identifier: IdentifierKind::Bik
                }
            )
        };
        let answer = schema
            .fields
            .iter()
            .find(is_bik)
            .and_then(|field| values.get(&field.name))
            .map(str::trim)
            .filter(|answer| !answer.is_empty());
        match answer.map(Bik::parse) {
            None => Self::Missing,
            Some(Ok(bik)) => Self::Valid(bik),
            Some(Err(_)) => Self::Invalid,
        }
    }
}

/// What checking an answer needs besides the answer itself.
struct Context {
    today: CalendarDate,
    bik: BankBik,
}

impl FormSchema {
    /// Checks every answer in `values` against this form (see the module documentation).
    ///
    /// `today` is the citizen's date for `not_after_today`: in the browser, the local date; on
    /// the server, the date at [`EASTERNMOST_RUSSIAN_UTC_OFFSET`], so that the server never
    /// refuses what the browser accepted.
    pub fn validate(
        &self,
        values: &FormValues,
        today: CalendarDate,
    ) -> Result<ValidForm, FormProblems> {
        let context = Context {
            today,
            bik: BankBik::answered(self, values),
        };
        let mut problems = Vec::new();
        let mut valid = Vec::new();
        for field in &self.fields {
            match field.check_answer(values.get(&field.name), &context) {
                Ok(Some(value)) => valid.push(ValidValue {
                    name: field.name.clone(),
                    value,
                }),
                Ok(None) => {}
                Err(problem) => problems.push(problem),
            }
        }
        let known = |name: &str| self.fields.iter().any(|field| field.name == name);
        let unknown = values.iter().filter(|(name, _)| !known(name));
        problems.extend(unknown.map(|(name, _)| unknown_field(name)));
        if problems.is_empty() {
            Ok(ValidForm {
                version: self.version,
                values: valid,
            })
        } else {
            Err(FormProblems { problems })
        }
    }

    /// Checks the answer to the one field `name`, with the rest of `values` at hand (an
    /// account needs the form's БИК): what the browser runs when the citizen leaves a field.
    /// The normalised answer, or `None` for an optional field left empty.
    pub fn validate_field(
        &self,
        name: &str,
        values: &FormValues,
        today: CalendarDate,
    ) -> Result<Option<String>, FieldProblem> {
        let field = self.fields.iter().find(|field| field.name == name);
        let field = field.ok_or_else(|| unknown_field(name))?;
        let context = Context {
            today,
            bik: BankBik::answered(self, values),
        };
        field.check_answer(values.get(name), &context)
    }
}

impl Field {
    /// Checks `value`, the answer to this field alone (`None`: not answered). The normalised
    /// answer, or `None` for an optional field left empty.
    ///
    /// An account is checked against a БИК, which a single field does not have: here only its
    /// shape (20 digits) is checked; [`FormSchema::validate_field`] checks it fully.
    pub fn validate_one(
        &self,
        value: Option<&str>,
        today: CalendarDate,
    ) -> Result<Option<String>, FieldProblem> {
        let context = Context {
            today,
            bik: BankBik::NotKnown,
        };
        self.check_answer(value, &context)
    }

    fn check_answer(
        &self,
        value: Option<&str>,
        context: &Context,
    ) -> Result<Option<String>, FieldProblem> {
        if matches!(self.kind, FieldKind::Checkbox) {
            return self.check_checkbox(value).map(Some);
        }
        let value = value.map(str::trim).filter(|value| !value.is_empty());
        let Some(value) = value else {
            return if self.required {
                Err(self.missing())
            } else {
                Ok(None)
            };
        };
        let checked = match &self.kind {
            &FieldKind::Text { max_len, multiline } => {
                self.check_text(value, usize::from(max_len), multiline)
            }
            &FieldKind::Date { not_after_today } => {
                self.check_date(value, not_after_today.then_some(context.today))
            }
            FieldKind::Select { options } | FieldKind::Radio { options } => {
                self.check_choice(value, options)
            }
            FieldKind::Address => self.check_address(value),
            &FieldKind::Identifier { identifier } => {
                self.check_identifier(value, identifier, &context.bik)
            }
            FieldKind::Email => self.check_email(value),
            &FieldKind::Number { min, max } => self.check_number(value, min, max),
            // Handled above; kept so that a new kind cannot be forgotten here.
            FieldKind::Checkbox => self.check_checkbox(Some(value)),
        };
        checked.map(Some)
    }

    /// A problem of this field, its messages starting with the field's labels.
    fn problem(&self, code: &str, ru: &str, en: &str) -> FieldProblem {
        FieldProblem {
            field: self.name.clone(),
            code: code.to_owned(),
            message_ru: format!("{}: {ru}", self.label_ru),
            message_en: format!("{}: {en}", self.label_en),
        }
    }

    fn missing(&self) -> FieldProblem {
        match self.kind {
            FieldKind::Select { .. } | FieldKind::Radio { .. } => self.problem(
                "required",
                "ничего не выбрано — выберите один из вариантов",
                "nothing is chosen — please choose one of the options",
            ),
            _ => self.problem(
                "required",
                "поле не заполнено — заполните его",
                "this field is empty — please fill it in",
            ),
        }
    }

    fn check_checkbox(&self, value: Option<&str>) -> Result<String, FieldProblem> {
        let ticked = match value.map(str::trim) {
            Some("true" | "on") => true,
            None | Some("false" | "") => false,
            Some(_) => {
                return Err(self.problem(
                    "checkbox_value",
                    "отметка не распознана — поставьте или снимите её ещё раз",
                    "the tick was not understood — tick or untick the box again",
                ));
            }
        };
        if self.required && !ticked {
            return Err(self.problem(
                "must_be_ticked",
                "нужно ваше подтверждение — поставьте отметку",
                "your confirmation is needed — tick the box",
            ));
        }
        Ok(ticked.to_string())
    }

    fn check_text(
        &self,
        value: &str,
        max_len: usize,
        multiline: bool,
    ) -> Result<String, FieldProblem> {
        // Browsers submit a text area's line breaks as CRLF but count them as one character
        // in `maxlength`; counting them once here keeps both sides in agreement.
        let text = value.replace("\r\n", "\n").replace('\r', "\n");
        if !multiline && text.contains('\n') {
            return Err(self.line_break());
        }
        self.check_characters(&text, multiline)?;
        self.check_length(&text, max_len)?;
        Ok(text)
    }

    /// Refuses control characters other than tabs, and line breaks outside a text area: the
    /// portal's XML cannot carry most of them, and none belongs in an application.
    fn check_characters(&self, text: &str, line_breaks_allowed: bool) -> Result<(), FieldProblem> {
        let allowed = |c: char| !c.is_control() || c == '\t' || (line_breaks_allowed && c == '\n');
        if text.chars().all(allowed) {
            Ok(())
        } else {
            Err(self.problem(
                "control_character",
                "в тексте есть служебные невидимые символы — удалите их или наберите текст заново",
                "the text contains invisible control characters — remove them or type it again",
            ))
        }
    }

    fn check_length(&self, text: &str, max_len: usize) -> Result<(), FieldProblem> {
        let length = text.chars().count();
        if length <= max_len {
            return Ok(());
        }
        Err(self.problem(
            "too_long",
            &format!("слишком длинно: {length} знаков, а можно не больше {max_len} — сократите"),
            &format!(
                "too long: {length} characters, at most {max_len} are allowed — please shorten it"
            ),
        ))
    }

    fn line_break(&self) -> FieldProblem {
        self.problem(
            "line_break",
            "нужна одна строка — уберите переносы строк",
            "a single line is needed — remove the line breaks",
        )
    }

    fn check_date(
        &self,
        value: &str,
        not_after: Option<CalendarDate>,
    ) -> Result<String, FieldProblem> {
        let date = CalendarDate::parse_iso(value).map_err(|error| match error {
            DateError::Format => self.problem(
                "date_format",
                "дата записана неверно — укажите её как ГГГГ-ММ-ДД, например 2025-03-31",
                "the date is not written correctly — use YYYY-MM-DD, for example 2025-03-31",
            ),
            DateError::NoSuchDay => self.problem(
                "date_invalid",
                "такого дня нет в календаре — проверьте число и месяц",
                "there is no such day in the calendar — check the day and the month",
            ),
        })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year) {
            return Err(self.problem(
                "date_out_of_range",
                &format!("год должен быть от {FIRST_YEAR} до {LAST_YEAR} — проверьте год"),
                &format!("the year must be {FIRST_YEAR} to {LAST_YEAR} — check the year"),
            ));
        }
        match not_after {
            Some(today) if date > today => Err(self.problem(
                "date_in_future",
                &format!(
                    "дата не может быть позже сегодняшней ({}) — проверьте её",
                    today.to_russian()
                ),
                &format!("the date cannot be later than today ({today}) — please check it"),
            )),
            _ => Ok(date.to_string()),
        }
    }

    fn check_choice(&self, value: &str, options: &[Choice]) -> Result<String, FieldProblem> {
        if options.iter().any(|option| option.value == value) {
            return Ok(value.to_owned());
        }
        let labels = |label: fn(&Choice) -> &str| {
            let labels: Vec<_> = options.iter().map(label).collect();
            labels.join(", ")
        };
        Err(self.problem(
            "not_an_option",
            &format!(
                "такого варианта нет — выберите один из: {}",
                labels(|option| &option.label_ru)
            ),
            &format!(
                "there is no such option — choose one of: {}",
                labels(|option| &option.label_en)
            ),
        ))
    }

    fn check_address(&self, value: &str) -> Result<String, FieldProblem> {
        if value.contains(['\n', '\r']) {
            return Err(self.line_break());
        }
        self.check_characters(value, false)?;
        // Addresses are often pasted with doubled spaces and tabs; the portal wants one line.
        let address = value.split_whitespace().collect::<Vec<_>>().join(" ");
        self.check_length(&address, MAX_ADDRESS_CHARS)?;
        Ok(address)
    }

    fn check_identifier(
        &self,
        value: &str,
        kind: IdentifierKind,
        bik: &BankBik,
    ) -> Result<String, FieldProblem> {
        use IdentifierKind as K;
        let canonical = match kind {
            K::Inn => Inn::parse(value).map(String::from),
            K::Snils => Snils::parse(value).map(String::from),
            K::Ogrn => Ogrn::parse(value).map(String::from),
            K::Ogrnip => Ogrnip::parse(value).map(String::from),
            K::Kpp => Kpp::parse(value).map(String::from),
            K::Bik => Bik::parse(value).map(String::from),
            K::Passport => Passport::parse(value).map(String::from),
            K::PassportIssuerCode => PassportIssuerCode::parse(value).map(String::from),
            K::Enp => Enp::parse(value).map(String::from),
            K::Uin => Uin::parse(value).map(String::from),
            K::Phone => Phone::parse(value).map(String::from),
            K::Okato => Okato::parse(value).map(String::from),
            K::SettlementAccount | K::CorrespondentAccount => match bik {
                BankBik::Valid(bik) if kind == K::SettlementAccount => {
                    SettlementAccount::parse(value, bik).map(|account| account.as_str().to_owned())
                }
                BankBik::Valid(bik) => CorrespondentAccount::parse(value, bik)
                    .map(|account| account.as_str().to_owned()),
                BankBik::NotKnown | BankBik::Invalid => account_shape(value),
                BankBik::Missing => {
                    return Err(self.problem(
                        "account_needs_bik",
                        "счёт проверяется вместе с БИК банка — сначала укажите БИК",
                        "the account is checked together with the bank's BIK — enter the BIK first",
                    ));
                }
            },
        };
        canonical.map_err(|error| FieldProblem {
            field: self.name.clone(),
            code: error.code().to_owned(),
            message_ru: error.message_ru(kind),
            message_en: error.message_en(kind),
        })
    }

    fn check_email(&self, value: &str) -> Result<String, FieldProblem> {
        let bad_format = || {
            self.problem(
                "email_format",
                "адрес записан неверно — нужен вид имя@домен.ru, без пробелов",
                "the address is not valid — use the form name@domain.com, without spaces",
            )
        };
        let (local, domain) = value.split_once('@').ok_or_else(bad_format)?;
        if !is_email_local_part(local) || !is_email_domain(domain) {
            return Err(bad_format());
        }
        // The domain is case-insensitive; the local part is the mailbox owner's business. Only
        // Latin letters are folded: full Unicode case tables would add kilobytes to the browser's
        // WASM, and a Cyrillic domain (почта.рф) is valid in either case.
        let email = format!("{local}@{}", domain.to_ascii_lowercase());
        self.check_length(&email, MAX_EMAIL_CHARS)?;
        Ok(email)
    }

    fn check_number(&self, value: &str, min: i64, max: i64) -> Result<String, FieldProblem> {
        // People group thousands with spaces (`100 000`, or no-break and thin spaces when pasted).
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let (negative, digits) = match compact.strip_prefix(['-', '−']) {
            Some(digits) => (true, digits),
            None => (false, compact.strip_prefix('+').unwrap_or(&compact)),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.problem(
                "number_format",
                "нужно целое число — введите только цифры",
                "a whole number is needed — enter digits only",
            ));
        }
        let signed = if negative {
            format!("-{digits}")
        } else {
            digits.to_owned()
        };
        // All digits, so the only way to fail is a number too large for i64: out of range.
        match signed.parse::<i64>() {
            Ok(number) if (min..=max).contains(&number) => Ok(number.to_string()),
            _ => Err(self.problem(
                "number_out_of_range",
                &format!("число должно быть от {min} до {max} — исправьте его"),
                &format!("the number must be from {min} to {max} — please correct it"),
            )),
        }
    }
}

/// A refusal of an answer to a field the form does not have: a stale page or a forged request.
fn unknown_field(name: &str) -> FieldProblem {
    FieldProblem {
        field: name.to_owned(),
        code: "unknown_field".to_owned(),
        message_ru: format!(
            "В форме нет поля «{name}» — обновите страницу и заполните форму заново"
        ),
        message_en: format!(
            "The form has no field “{name}” — reload the page and fill in the form again"
        ),
    }
}

/// An account number's shape without its БИК: 20 digits, separators allowed.
///
/// [`crate::identifiers`] checks accounts only with a БИК; the digits-only parser of a 20-digit
/// УИН checks the same shape, and its length errors are restated for 20 digits alone.
fn account_shape(value: &str) -> Result<String, IdentifierError> {
    let twenty = |found| IdentifierError::WrongLength {
        expected: vec![20],
        found,
    };
    match Uin::parse(value) {
        Ok(digits) if digits.as_str().len() == 20 => Ok(digits.into()),
        Ok(digits) => Err(twenty(digits.as_str().len())),
        Err(IdentifierError::WrongLength { found, .. }) => Err(twenty(found)),
        Err(error) => Err(error),
    }
}

/// At most 64 characters of letters, digits and the specials RFC 5322 allows unquoted, with
/// dots only between them; quoted local parts are legal but no real citizen's mailbox has one.
fn is_email_local_part(local: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    !local.is_empty()
        && local.chars().count() <= 64
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(allowed))
}

/// Two or more dot-separated labels of letters, digits and inner hyphens (so `почта.рф`
/// passes); the last, the top-level domain, at least two characters and not all digits.
fn is_email_domain(domain: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<_> = domain.split('.').collect();
    let top_level_ok = labels
        .last()
        .is_some_and(|top| top.chars().count() >= 2 && !top.chars().all(|c| c.is_ascii_digit()));
    labels.len() >= 2 && top_level_ok && labels.iter().all(|label| label_ok(label))
}

#[cfg(test)]
mod tests;
