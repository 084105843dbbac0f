//! Tests for the identifier parsers: valid examples, each refusal, and the known edge cases.

use super::IdentifierError::{BadPrefix, Checksum, Empty, Format, NotDigits, WrongLength};
use super::IdentifierKind as K;
use super::*;
use std::collections::HashSet;

fn sberbank_bik() -> Bik {
    Bik::parse("044525225").unwrap()
}

fn show<T: fmt::Display>(value: Result<T, IdentifierError>) -> Result<String, IdentifierError> {
    value.map(|value| value.to_string())
}

/// Parses `input` as `kind` (accounts at Sberbank's БИК) and shows the result.
fn parse_as(kind: IdentifierKind, input: &str) -> Result<String, IdentifierError> {
    match kind {
        K::Inn => show(Inn::parse(input)),
        K::Snils => show(Snils::parse(input)),
        K::Ogrn => show(Ogrn::parse(input)),
        K::Ogrnip => show(Ogrnip::parse(input)),
        K::Kpp => show(Kpp::parse(input)),
        K::Bik => show(Bik::parse(input)),
        K::SettlementAccount => show(SettlementAccount::parse(input, &sberbank_bik())),
        K::CorrespondentAccount => show(CorrespondentAccount::parse(input, &sberbank_bik())),
        K::Passport => show(Passport::parse(input)),
        K::PassportIssuerCode => show(PassportIssuerCode::parse(input)),
        K::Enp => show(Enp::parse(input)),
        K::Uin => show(Uin::parse(input)),
        K::Phone => show(Phone::parse(input)),
        K::Okato => show(Okato::parse(input)),
    }
}

/// A valid example of each kind (check digits verified by an independent script), as shown.
fn example(kind: IdentifierKind) -> (&'static str, &'static str) {
    match kind {
        K::Inn => ("7707083893", "7707083893"), // Sberbank
        K::Snils => ("11223344595", "112-233-445 95"),
        K::Ogrn => ("1027700132195", "1027700132195"),
        K::Ogrnip => ("304500116000157", "304500116000157"),
        K::Kpp => ("773601001", "773601001"),
        K::Bik => ("044525225", "044525225"), // Sberbank
        K::SettlementAccount => ("40702810938000000001", "40702810938000000001"),
        K::CorrespondentAccount => ("30101810400000000225", "30101810400000000225"), // Sberbank
        K::Passport => ("4508123456", "45 08 123456"),
        K::PassportIssuerCode => ("770001", "770-001"),
        K::Enp => ("7799100012345678", "7799100012345678"),
        K::Uin => ("18810177230001234567", "18810177230001234567"),
        K::Phone => ("9001234567", "+7(900)1234567"),
        K::Okato => ("45286560000", "45286560000"),
    }
}

/// `value` with its last digit replaced by each of the nine other digits.
fn wrong_last_digits(value: &str) -> Vec<String> {
    let (body, last) = value.split_at(value.len() - 1);
    let others = (0..10).map(|d| d.to_string()).filter(|d| d != last);
    others.map(|d| format!("{body}{d}")).collect()
}

#[test]
fn each_kind_parses_its_example_and_refuses_blank_short_and_lettered_input() {
    for &kind in IdentifierKind::ALL {
        let (input, shown) = example(kind);
        assert_eq!(parse_as(kind, input).as_deref(), Ok(shown), "{kind:?}");
        for blank in ["", "   ", " - ", "()"] {
            assert_eq!(parse_as(kind, blank), Err(Empty), "{kind:?} {blank:?}");
        }
        let short = &input[..input.len() - 1];
        let refused = parse_as(kind, short);
        assert!(matches!(refused, Err(WrongLength { found, .. }) if found == short.len()));
        let letter = if kind == K::Kpp { Format } else { NotDigits };
        let lettered = format!("{short}Z");
        assert_eq!(parse_as(kind, &lettered), Err(letter), "{kind:?}");
    }
}

#[test]
fn every_wrong_check_digit_is_refused() {
    let accounts = [K::SettlementAccount, K::CorrespondentAccount];
    for kind in [K::Inn, K::Snils, K::Ogrn, K::Ogrnip]
        .into_iter()
        .chain(accounts)
    {
        for bad in wrong_last_digits(example(kind).0) {
            assert_eq!(parse_as(kind, &bad), Err(Checksum), "{kind:?} {bad}");
        }
    }
}

#[test]
fn inn_of_a_person() {
    let person = Inn::parse("5001 0073 2259").unwrap();
    assert!(person.is_person() && !Inn::parse("7707083893").unwrap().is_person());
    assert_eq!(person.as_str(), "500100732259");
    assert_eq!(Inn::parse_person("500100732259"), Ok(person));
    assert_eq!(
        Inn::parse_person("7707083893"),
        Err(wrong_length(&[12], 10))
    );
    assert_eq!(Inn::parse("77070838931"), Err(wrong_length(&[10, 12], 11)));
    assert_eq!(Inn::parse("500100732249"), Err(Checksum)); // eleventh digit wrong
    for bad in wrong_last_digits("500100732259") {
        assert_eq!(Inn::parse(&bad), Err(Checksum), "{bad}");
    }
}

#[test]
fn snils_check_number_branches() {
    let cases = [
        // (first nine digits, S = Σ d[i]·(9−i), check number)
        ("112233445", 95, "95"),  // S < 100
        ("131027353", 100, "00"), // S = 100
        ("123512222", 101, "00"), // S = 101
        ("124850533", 150, "49"), // S > 101: 150 mod 101
        ("125792894", 201, "00"), // S > 101, S mod 101 = 100
        ("379976956", 302, "00"), // S > 101, S mod 101 = 100
    ];
    for (body, sum, check) in cases {
        let digits = body.chars().map(|c| c.to_digit(10).unwrap());
        assert_eq!(
            digits.zip((1..=9).rev()).map(|(d, w)| d * w).sum::<u32>(),
            sum
        );
        let snils = format!("{body}{check}");
        assert_eq!(Snils::parse(&snils).unwrap().as_str(), snils);
        for bad in wrong_last_digits(&snils) {
            assert_eq!(Snils::parse(&bad), Err(Checksum), "{bad}");
        }
    }
}

#[test]
fn snils_input_forms_and_unchecked_early_numbers() {
    for input in [
        "112-233-445 95",
        "112 233 445 95",
        "112-233-445-95",
        " 11223344595",
    ] {
        assert_eq!(Snils::parse(input).unwrap().to_string(), "112-233-445 95");
    }
    for early in ["001-001-998 00", "001-001-998 37", "000-000-001 99"] {
        assert!(Snils::parse(early).is_ok(), "{early}");
    }
    assert!(Snils::parse("001-001-999 65").is_ok()); // the first checked number
    assert_eq!(Snils::parse("001-001-999 00"), Err(Checksum));
}

#[test]
fn ogrn_and_ogrnip_prefixes() {
    assert_eq!(Ogrn::parse("0027700132196"), Err(BadPrefix)); // its checksum would match
    assert_eq!(Ogrnip::parse("504500116000157"), Err(BadPrefix));
    assert_eq!(Ogrnip::parse("1027700132195"), Err(wrong_length(&[15], 13)));
}

#[test]
fn ogrnip_remainder_of_ten_or_more_is_taken_mod_10() {
    // python-stdnum compares the digit with the bare remainder and refuses these valid numbers.
    let cases = [
        ("304500116000180", 10),
        ("304500116000191", 11),
        ("304500116000202", 12),
    ];
    for (ogrnip, remainder) in cases {
        assert_eq!(ogrnip[..14].parse::<u64>().unwrap() % 13, remainder);
        assert!(Ogrnip::parse(ogrnip).is_ok(), "{ogrnip}");
        for bad in wrong_last_digits(ogrnip) {
            assert_eq!(Ogrnip::parse(&bad), Err(Checksum), "{bad}");
        }
    }
}

#[test]
fn kpp_letters_only_in_positions_5_and_6() {
    let accepted = [
        ("7736AB001", "7736AB001"),
        ("7736ab001", "7736AB001"),
        ("7736 01 001", "773601001"),
    ];
    for (input, normalised) in accepted {
        assert_eq!(Kpp::parse(input).unwrap().as_str(), normalised);
    }
    for bad in [
        "77A601001",
        "7736A0B01",
        "A73601001",
        "7736ЖЖ001",
        "7736+1001",
    ] {
        assert_eq!(Kpp::parse(bad), Err(Format), "{bad}");
    }
}

#[test]
fn accounts_are_keyed_by_their_bik() {
    let (bik, account) = (sberbank_bik(), "40702810938000000001");
    let settlement = SettlementAccount::parse("40702 810 9 3800 0000001", &bik).unwrap();
    assert_eq!((settlement.as_str(), settlement.bik()), (account, &bik));
    let other_bank = Bik::parse("044525226").unwrap();
    assert_eq!(
        SettlementAccount::parse(account, &other_bank),
        Err(Checksum)
    );
    assert_eq!(CorrespondentAccount::parse(account, &bik), Err(Checksum));
    let correspondent = "30101810400000000225";
    assert_eq!(SettlementAccount::parse(correspondent, &bik), Err(Checksum));
}

#[test]
fn passport_and_issuer_code_forms() {
    for input in ["45 08 123456", "4508 123456", "4508123456", "4508 № 123456"] {
        let passport = Passport::parse(input).unwrap();
        assert_eq!((passport.series(), passport.number()), ("4508", "123456"));
        assert_eq!(passport.as_str(), "4508123456");
        assert_eq!(passport.to_string(), "45 08 123456");
    }
    for input in ["770001", "770-001", "770 001"] {
        let code = PassportIssuerCode::parse(input).unwrap();
        assert_eq!(
            (code.as_str(), code.to_string().as_str()),
            ("770001", "770-001")
        );
    }
}

#[test]
fn uin_has_two_lengths() {
    assert!(Uin::parse("1881017723000123456789012").is_ok());
    let refused = Uin::parse("188101772300012345678");
    assert_eq!(refused, Err(wrong_length(&[20, 25], 21)));
}

#[test]
fn phone_normalisation_table() {
    let accepted = [
        ("+7 900 123-45-67", "+7(900)1234567"),
        ("+7(900)1234567", "+7(900)1234567"),
        ("8 (900) 123 45 67", "+7(900)1234567"),
        ("89001234567", "+7(900)1234567"),
        ("79001234567", "+7(900)1234567"),
        ("9001234567", "+7(900)1234567"),
        ("8-495-123-45-67", "+7(495)1234567"),
        ("8 800 555 35 35", "+7(800)5553535"),
    ];
    for (input, display) in accepted {
        let phone = Phone::parse(input).unwrap();
        assert_eq!(phone.to_string(), display, "{input}");
        assert_eq!(Phone::parse(phone.as_str()), Ok(phone));
    }
    let refused = [
        ("+375 29 123-45-67", BadPrefix),
        ("+1 212 555 0100", BadPrefix),
        ("+8 900 123 45 67", BadPrefix),
        ("+7 700 123 45 67", BadPrefix), // Kazakhstan
        ("59001234567", BadPrefix),
        ("0001234567", BadPrefix),
        ("900123456", wrong_length(&[10, 11], 9)),
        ("+7 900 123 45 678", wrong_length(&[11], 12)),
        ("+7 900 123 45 6", wrong_length(&[11], 10)),
        ("8 900 ABC 45 67", NotDigits),
        ("+7 900 +123 45 67", NotDigits),
        ("+", Empty),
    ];
    for (input, error) in refused {
        assert_eq!(Phone::parse(input), Err(error), "{input}");
    }
}

#[test]
fn error_codes_are_unique_and_messages_non_empty() {
    let length = wrong_length(&[10, 12], 9);
    let errors = [
        Empty,
        length.clone(),
        NotDigits,
        Checksum,
        BadPrefix,
        Format,
    ];
    let codes: HashSet<_> = errors.iter().map(IdentifierError::code).collect();
    assert_eq!(codes.len(), errors.len());
    for &kind in IdentifierKind::ALL {
        for error in &errors {
            let ru = (error.message_ru(kind), kind.label_ru());
            let en = (error.message_en(kind), kind.label_en());
            for (message, label) in [ru, en] {
                assert!(message.starts_with(label) && message.len() > label.len() + 20);
            }
        }
    }
    let snils_ru = "СНИЛС: контрольное число не совпадает — проверьте последние две цифры";
    assert_eq!(Checksum.message_ru(Snils::KIND), snils_ru);
    let snils_en = "SNILS: the check digits do not match — check the last two digits";
    assert_eq!(Checksum.message_en(Snils::KIND), snils_en);
    let inn_length = "ИНН: нужно 10 или 12 цифр, а введено 9 — проверьте";
    assert!(length.message_ru(Inn::KIND).starts_with(inn_length));
}

#[test]
fn serde_uses_normalised_strings_and_error_codes() {
    let snils = Snils::parse("112-233-445 95").unwrap();
    assert_eq!(serde_json::to_string(&snils).unwrap(), r#""11223344595""#);
    assert_eq!(
        serde_json::from_str::<Snils>(r#""112-233-445 95""#).unwrap(),
        snils
    );
    assert!(serde_json::from_str::<Snils>(r#""11223344596""#).is_err());
    let account = SettlementAccount::parse("40702810938000000001", &sberbank_bik()).unwrap();
    let json = serde_json::to_string(&account).unwrap();
    assert_eq!(
        json,
        r#"{"number":"40702810938000000001","bik":"044525225"}"#
    );
    assert_eq!(
        serde_json::from_str::<SettlementAccount>(&json).unwrap(),
        account
    );
    let tampered = json.replace("0001\"", "0002\"");
    assert!(serde_json::from_str::<SettlementAccount>(&tampered).is_err());
    for error in [wrong_length(&[10, 12], 9), Checksum] {
        let value = serde_json::to_value(&error).unwrap();
        assert_eq!(value["code"], error.code());
        assert_eq!(
            serde_json::from_value::<IdentifierError>(value).unwrap(),
            error
        );
    }
}
