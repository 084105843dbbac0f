//! Russian identifiers (ИНН, СНИЛС, ОГРН, КПП, БИК, bank accounts, passport, phone…) parsed from human input into typed, normalised values.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// Declares [`IdentifierKind`] with its Russian and English labels.
macro_rules! kinds {
    ($($kind:ident => $ru:literal, $en:literal;)*) => {
        /// Which identifier a value or an error is about; used to word messages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum IdentifierKind { $($kind),* }

        impl IdentifierKind {
            pub const ALL: &'static [Self] = &[$(Self::$kind),*];

            pub fn label_ru(self) -> &'static str {
                match self { $(Self::$kind => $ru),* }
            }

            pub fn label_en(self) -> &'static str {
                match self { $(Self::$kind => $en),* }
            }
        }
    };
}

kinds! {
    Inn => "ИНН", "INN";
    Snils => "СНИЛС", "SNILS";
    Ogrn => "ОГРН", "OGRN";
    Ogrnip => "ОГРНИП", "OGRNIP";
    Kpp => "КПП", "KPP";
    Bik => "БИК", "BIK";
    SettlementAccount => "Расчётный счёт", "Settlement account";
    CorrespondentAccount => "Корреспондентский счёт", "Correspondent account";
    Passport => "Паспорт РФ", "Russian passport";
    PassportIssuerCode => "Код подразделения", "Passport issuing unit code";
    Enp => "Номер полиса ОМС", "OMS policy number";
    Uin => "УИН", "Payment ID (UIN)";
    Phone => "Телефон", "Phone";
    Okato => "ОКАТО", "OKATO";
}

/// Why an input is not a valid identifier. Serialises as `{"code": …}` (plus the fields of
/// `WrongLength`) with the same code as [`IdentifierError::code`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code")]
pub enum IdentifierError {
    /// Nothing but blanks and separators was entered.
    #[serde(rename = "identifier_empty")]
    Empty,
    /// `expected`: the accepted counts of significant characters; `found`: how many were entered.
    #[serde(rename = "identifier_wrong_length")]
    WrongLength { expected: Vec<u8>, found: usize },
    #[serde(rename = "identifier_not_digits")]
    NotDigits,
    #[serde(rename = "identifier_checksum")]
    Checksum,
    /// Starts with digits this kind never has (for a phone: another country's code).
    #[serde(rename = "identifier_bad_prefix")]
    BadPrefix,
    /// Allowed characters in the wrong places (КПП letters outside positions 5–6).
    #[serde(rename = "identifier_format")]
    Format,
}

impl IdentifierError {
    /// Stable machine code, also the `code` field of the serialised error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "identifier_empty",
            Self::WrongLength { .. } => "identifier_wrong_length",
            Self::NotDigits => "identifier_not_digits",
            Self::Checksum => "identifier_checksum",
            Self::BadPrefix => "identifier_bad_prefix",
            Self::Format => "identifier_format",
        }
    }

    /// `label: what is wrong — what to do`, in Russian.
    pub fn message_ru(&self, kind: IdentifierKind) -> String {
        let problem = match self {
            Self::Empty => "поле не заполнено".to_owned(),
            Self::WrongLength { expected, found } => {
                let unit = if kind == IdentifierKind::Kpp {
                    "знаков"
                } else {
                    "цифр"
                };
                format!(
                    "нужно {} {unit}, а введено {found}",
                    join_lengths(expected, " или ")
                )
            }
            Self::NotDigits => "допустимы только цифры".to_owned(),
            Self::Checksum => "контрольное число не совпадает".to_owned(),
            Self::BadPrefix => "номер так начинаться не может".to_owned(),
            Self::Format => "неверная запись".to_owned(),
        };
        format!("{}: {problem} — {}", kind.label_ru(), self.advice_ru(kind))
    }

    /// `label: what is wrong — what to do`, in English.
    pub fn message_en(&self, kind: IdentifierKind) -> String {
        let problem = match self {
            Self::Empty => "nothing entered".to_owned(),
            Self::WrongLength { expected, found } => {
                let unit = if kind == IdentifierKind::Kpp {
                    "characters"
                } else {
                    "digits"
                };
                format!(
                    "{} {unit} are needed, {found} entered",
                    join_lengths(expected, " or ")
                )
            }
            Self::NotDigits => "only digits are allowed".to_owned(),
            Self::Checksum => "the check digits do not match".to_owned(),
            Self::BadPrefix => "the number cannot start like this".to_owned(),
            Self::Format => "invalid format".to_owned(),
        };
        format!("{}: {problem} — {}", kind.label_en(), self.advice_en(kind))
    }

    fn advice_ru(&self, kind: IdentifierKind) -> &'static str {
        use IdentifierKind as K;
        match (self, kind) {
            (Self::Empty, _) => "введите номер",
            (Self::WrongLength { .. }, _) => "проверьте, не пропущен ли знак и нет ли лишнего",
            (Self::NotDigits, _) => "уберите буквы и другие знаки",
            (Self::Checksum, K::Snils) => "проверьте последние две цифры",
            (Self::Checksum, K::Ogrn | K::Ogrnip) => "проверьте последнюю цифру",
            (Self::Checksum, K::SettlementAccount | K::CorrespondentAccount) => {
                "проверьте номер счёта и БИК банка"
            }
            (Self::Checksum, _) => "проверьте, нет ли опечатки, особенно в последних цифрах",
            (Self::BadPrefix, K::Ogrn) => "первая цифра — от 1 до 9",
            (Self::BadPrefix, K::Ogrnip) => "первая цифра — 3 или 4",
            (Self::BadPrefix, K::Phone) => "укажите российский номер: +7 и 10 цифр",
            (Self::BadPrefix, _) => "проверьте первые цифры",
            (Self::Format, K::Kpp) => {
                "5-й и 6-й знаки — цифры или латинские буквы, остальные — цифры"
            }
            (Self::Format, _) => "проверьте, как записан номер",
        }
    }

    fn advice_en(&self, kind: IdentifierKind) -> &'static str {
        use IdentifierKind as K;
        match (self, kind) {
            (Self::Empty, _) => "please enter the number",
            (Self::WrongLength { .. }, _) => "check for a missing or extra character",
            (Self::NotDigits, _) => "remove letters and other symbols",
            (Self::Checksum, K::Snils) => "check the last two digits",
            (Self::Checksum, K::Ogrn | K::Ogrnip) => "check the last digit",
            (Self::Checksum, K::SettlementAccount | K::CorrespondentAccount) => {
                "check the account number and the bank's BIK"
            }
            (Self::Checksum, _) => "check for a typo, especially in the last digits",
            (Self::BadPrefix, K::Ogrn) => "the first digit is 1 to 9",
            (Self::BadPrefix, K::Ogrnip) => "the first digit is 3 or 4",
            (Self::BadPrefix, K::Phone) => "enter a Russian number: +7 and 10 digits",
            (Self::BadPrefix, _) => "check the first digits",
            (Self::Format, K::Kpp) => {
                "characters 5–6 may be digits or Latin letters, others digits"
            }
            (Self::Format, _) => "check how the number is written",
        }
    }
}

fn join_lengths(lengths: &[u8], conjunction: &str) -> String {
    let lengths: Vec<_> = lengths.iter().map(u8::to_string).collect();
    lengths.join(conjunction)
}

/// Shows the machine code; people get [`IdentifierError::message_ru`] / `message_en`.
impl fmt::Display for IdentifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for IdentifierError {}

/// Characters people put inside numbers for readability; they carry no meaning.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—' | '(' | ')' | '№')
}

/// Drops separators; refuses input that has nothing else.
fn compact(input: &str) -> Result<String, IdentifierError> {
    let compact: String = input.chars().filter(|c| !is_separator(*c)).collect();
    if compact.is_empty() {
        Err(IdentifierError::Empty)
    } else {
        Ok(compact)
    }
}

fn wrong_length(expected: &[u8], found: usize) -> IdentifierError {
    IdentifierError::WrongLength {
        expected: expected.to_vec(),
        found,
    }
}

fn check_length(value: &str, lengths: &[u8]) -> Result<(), IdentifierError> {
    let found = value.chars().count();
    let fits = lengths.iter().any(|&n| usize::from(n) == found);
    fits.then_some(())
        .ok_or_else(|| wrong_length(lengths, found))
}

/// Drops separators and checks that only ASCII digits remain, as many as one of `lengths`.
fn digits(input: &str, lengths: &[u8]) -> Result<String, IdentifierError> {
    let digits = compact(input)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdentifierError::NotDigits);
    }
    check_length(&digits, lengths)?;
    Ok(digits)
}

/// Numeric values of the digits of `value`.
fn values(value: &str) -> Vec<u32> {
    value.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// Σ w·d over the leading digits, as many as there are weights.
fn weighted_sum(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum()
}

/// The first `count` digits read as one decimal number, modulo `modulus` (without overflow).
fn leading_mod(digits: &[u32], count: usize, modulus: u32) -> u32 {
    digits
        .iter()
        .take(count)
        .fold(0, |acc, d| (acc * 10 + d) % modulus)
}

fn digit_is(digits: &[u32], index: usize, expected: u32) -> bool {
    digits.get(index) == Some(&expected)
}

fn verified<T>(valid: bool, value: T) -> Result<T, IdentifierError> {
    valid.then_some(value).ok_or(IdentifierError::Checksum)
}

/// A slice of a normalised ASCII value; empty rather than a panic if out of range.
fn part(value: &str, range: Range<usize>) -> &str {
    value.get(range).unwrap_or_default()
}

/// Declares newtypes over their normalised strings, with `KIND`, `as_str` and serde through
/// `String`; `Name: digits [n, …]` also gives a `parse` that only checks digits and length.
macro_rules! identifiers {
    ($($(#[$meta:meta])* $name:ident $(: digits [$($length:literal),+])?;)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const KIND: IdentifierKind = IdentifierKind::$name;

            /// The normalised form, without separators.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdentifierError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        $(impl $name {
            pub fn parse(input: &str) -> Result<Self, IdentifierError> {
                digits(input, &[$($length),+]).map(Self)
            }
        })?
    )*};
}

/// `Display` as `$format` over slices of the normalised value, or as that value itself.
macro_rules! display {
    ($name:ident as $format:literal, $($range:expr),+) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $format, $(part(&self.0, $range)),+)
            }
        }
    };
    ($($name:ident),+) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

identifiers! {
    /// ИНН: 10 digits for an organisation, 12 for a person, with check digits.
    Inn;
    /// СНИЛС: 11 digits, shown as `XXX-XXX-XXX YY`.
    Snils;
    /// ОГРН of an organisation: 13 digits.
    Ogrn;
    /// ОГРНИП of an individual entrepreneur: 15 digits.
    Ogrnip;
    /// КПП: 9 characters, digits except that positions 5–6 may be Latin capital letters.
    Kpp;
    /// БИК of a bank: 9 digits.
    Bik: digits [9];
    /// Series (4 digits) and number (6) of a passport of the RF: accepts `45 08 123456`,
    /// `4508 123456`, `4508 № 123456`, `4508123456`; shown as `45 08 123456`.
    Passport: digits [10];
    /// Code of the unit that issued a passport: accepts `770001` and `770-001`, shown as the latter.
    PassportIssuerCode: digits [6];
    /// ЕНП, the unified number of an OMS policy: 16 digits.
    Enp: digits [16];
    /// УИН of a charge or a fine: 20 or 25 digits.
    Uin: digits [20, 25];
    /// A Russian phone number, stored as `7` and 10 digits, shown as ESIA writes it: `+7(900)1234567`.
    Phone;
    /// ОКАТО code: 11 digits.
    Okato: digits [11];
}
display!(Inn, Ogrn, Ogrnip, Kpp, Bik, Enp, Uin, Okato);
display!(Snils as "{}-{}-{} {}", 0..3, 3..6, 6..9, 9..11);
display!(Passport as "{} {} {}", 0..2, 2..4, 4..10);
display!(PassportIssuerCode as "{}-{}", 0..3, 3..6);
display!(Phone as "+7({}){}", 1..4, 4..11);

const INN10_WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

impl Inn {
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let inn = digits(input, &[10, 12])?;
        let d = values(&inn);
        let valid = if d.len() == 10 {
            digit_is(&d, 9, weighted_sum(&d, &INN10_WEIGHTS) % 11 % 10)
        } else {
            digit_is(&d, 10, weighted_sum(&d, &INN12_WEIGHTS_11) % 11 % 10)
                && digit_is(&d, 11, weighted_sum(&d, &INN12_WEIGHTS_12) % 11 % 10)
        };
        verified(valid, Self(inn))
    }

    /// Accepts only a person's 12-digit ИНН.
    pub fn parse_person(input: &str) -> Result<Self, IdentifierError> {
        digits(input, &[12])?;
        Self::parse(input)
    }

    pub fn is_person(&self) -> bool {
        self.0.len() == 12
    }
}

/// Numbers up to 001-001-998 were issued before the check number existed.
const SNILS_LAST_UNCHECKED: u32 = 1_001_998;

impl Snils {
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let snils = digits(input, &[11])?;
        let d = values(&snils);
        let number = d.iter().take(9).fold(0, |acc, x| acc * 10 + x);
        let check = d.iter().skip(9).fold(0, |acc, x| acc * 10 + x);
        let valid = number <= SNILS_LAST_UNCHECKED || check == Self::check_number(&d);
        verified(valid, Self(snils))
    }

    /// From S = Σ d[i]·(9−i) over the first nine digits.
    fn check_number(d: &[u32]) -> u32 {
        match weighted_sum(d, &[9, 8, 7, 6, 5, 4, 3, 2, 1]) {
            sum @ 0..=99 => sum,
            100 | 101 => 0,
            sum => sum % 101 % 100,
        }
    }
}

impl Ogrn {
    /// 13 digits, not starting with 0; the first 12 as a number mod 11 mod 10 give the 13th.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        registration_number(input, 13, "123456789", 11).map(Self)
    }
}

impl Ogrnip {
    /// 15 digits starting with 3 or 4; the first 14 as a number mod 13 mod 10 give the 15th
    /// (so remainders 10–12 give 0–2).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        registration_number(input, 15, "34", 13).map(Self)
    }
}

/// ОГРН and ОГРНИП: `length` digits, the first one of `first_digits`, the last a check digit.
fn registration_number(
    input: &str,
    length: u8,
    first_digits: &str,
    modulus: u32,
) -> Result<String, IdentifierError> {
    let number = digits(input, &[length])?;
    if !number.starts_with(|c| first_digits.contains(c)) {
        return Err(IdentifierError::BadPrefix);
    }
    let d = values(&number);
    let check_index = usize::from(length).saturating_sub(1);
    let valid = digit_is(&d, check_index, leading_mod(&d, check_index, modulus) % 10);
    verified(valid, number)
}

impl Kpp {
    /// Lower-case Latin letters are upper-cased.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let kpp = compact(input)?.to_ascii_uppercase();
        check_length(&kpp, &[9])?;
        let allowed = |(i, c): (usize, char)| {
            c.is_ascii_digit() || (matches!(i, 4 | 5) && c.is_ascii_uppercase())
        };
        let well_formed = kpp.chars().enumerate().all(allowed);
        well_formed
            .then_some(Self(kpp))
            .ok_or(IdentifierError::Format)
    }
}

impl Bik {
    /// Key prefix of a settlement account at this bank: the last three digits of the БИК.
    fn settlement_key(&self) -> Vec<u32> {
        values(&self.0).into_iter().skip(6).collect()
    }

    /// Key prefix of the bank's correspondent account: `0` and digits 5–6 of the БИК.
    fn correspondent_key(&self) -> Vec<u32> {
        std::iter::once(0)
            .chain(values(&self.0).into_iter().skip(4).take(2))
            .collect()
    }
}

impl Passport {
    pub fn series(&self) -> &str {
        part(&self.0, 0..4)
    }

    pub fn number(&self) -> &str {
        part(&self.0, 4..10)
    }
}

impl Phone {
    /// Accepts `+7 900 123-45-67`, `8 (900) 123 45 67`, `89001234567`, `9001234567` and the like.
    /// Russian area and mobile codes start with 3, 4, 8 or 9, so `BadPrefix` refuses other
    /// country codes and also +7 6xx/7xx (Kazakhstan).
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let trimmed = input.trim_start();
        let international = trimmed.starts_with('+');
        let all = compact(trimmed.strip_prefix('+').unwrap_or(trimmed))?;
        if !all.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentifierError::NotDigits);
        }
        let trunk_prefix = all.starts_with('7') || (!international && all.starts_with('8'));
        let national = match (international, all.len()) {
            (true, _) if !trunk_prefix => return Err(IdentifierError::BadPrefix),
            (false, 10) => all.as_str(),
            (_, 11) if trunk_prefix => part(&all, 1..11),
            (false, 11) => return Err(IdentifierError::BadPrefix),
            (true, found) => return Err(wrong_length(&[11], found)),
            (false, found) => return Err(wrong_length(&[10, 11], found)),
        };
        if !national.starts_with(['3', '4', '8', '9']) {
            return Err(IdentifierError::BadPrefix);
        }
        Ok(Self(format!("7{national}")))
    }
}

/// Serialised form of an account: its number and its bank's БИК, both needed to check it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountParts {
    pub number: String,
    pub bik: String,
}

/// 20 digits whose key sums to 0 mod 10: Σ (w·d mod 10), weights 7,1,3 over `key_prefix` + them.
fn account_digits(input: &str, key_prefix: &[u32]) -> Result<String, IdentifierError> {
    let number = digits(input, &[20])?;
    let all_digits = key_prefix.iter().copied().chain(values(&number));
    let weights = [7, 1, 3].into_iter().cycle();
    let sum: u32 = all_digits.zip(weights).map(|(d, w)| d * w % 10).sum();
    verified(sum.is_multiple_of(10), number)
}

/// Declares an account type checked against a БИК through `Bik::$key`.
macro_rules! account {
    ($(#[$meta:meta])* $name:ident, $key:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "AccountParts", into = "AccountParts")]
        pub struct $name {
            number: String,
            bik: Bik,
        }

        impl $name {
            pub const KIND: IdentifierKind = IdentifierKind::$name;

            pub fn parse(account: &str, bik: &Bik) -> Result<Self, IdentifierError> {
                let number = account_digits(account, &bik.$key())?;
                Ok(Self { number, bik: bik.clone() })
            }

            /// The 20 account digits.
            pub fn as_str(&self) -> &str {
                &self.number
            }

            pub fn bik(&self) -> &Bik {
                &self.bik
            }
        }

        impl TryFrom<AccountParts> for $name {
            type Error = IdentifierError;
            fn try_from(parts: AccountParts) -> Result<Self, Self::Error> {
                Self::parse(&parts.number, &Bik::parse(&parts.bik)?)
            }
        }

        impl From<$name> for AccountParts {
            fn from(account: $name) -> Self {
                Self { number: account.number, bik: account.bik.0 }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.number)
            }
        }
    };
}

account!(
    /// Расчётный счёт of a client, keyed by the last three digits of its bank's БИК.
    SettlementAccount, settlement_key
);
account!(
    /// Корреспондентский счёт of a bank, keyed by `0` and digits 5–6 of the БИК.
    CorrespondentAccount, correspondent_key
);

#[cfg(test)]
mod tests;
