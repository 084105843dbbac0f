//! Tests for checking answers: a registry-like form filled well and badly, every problem code
//! with both messages, the identifier edge cases, and the JSON shapes the widget relies on.

use super::*;
use crate::identifiers::IdentifierKind as Id;
use crate::services::{AttachmentRule, MAX_ATTACHMENT_BYTES, ProfileField};

fn today() -> CalendarDate {
    CalendarDate::new(2025, 6, 15).unwrap()
}

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

fn optional(field: Field) -> Field {
    Field {
        required: false,
        ..field
    }
}

fn prefilled(field: Field, prefill: ProfileField) -> Field {
    Field {
        prefill: Some(prefill),
        ..field
    }
}

fn identifier(name: &str, identifier: Id) -> Field {
    let kind = FieldKind::Identifier { identifier };
    field(name, identifier.label_ru(), identifier.label_en(), kind)
}

fn text(name: &str, label_ru: &str, label_en: &str, max_len: u16) -> Field {
    let kind = FieldKind::Text {
        max_len,
        multiline: false,
    };
    field(name, label_ru, label_en, kind)
}

fn choices(options: &[(&str, &str, &str)]) -> Vec<Choice> {
    let choice = |&(value, label_ru, label_en): &(&str, &str, &str)| Choice {
        value: value.to_owned(),
        label_ru: label_ru.to_owned(),
        label_en: label_en.to_owned(),
    };
    options.iter().map(choice).collect()
}

/// The fields of the registry's services (`server/src/registry`), one of each kind and the
/// bank account pair, with the registry's names, labels, limits and prefills.
fn application() -> FormSchema {
    let genders = [("M", "Мужской", "Male"), ("F", "Женский", "Female")];
    let tax_systems = [
        (
            "osno",
            "Общая система налогообложения",
            "General tax regime",
        ),
        ("usn_income", "УСН «Доходы»", "Simplified: income"),
    ];
    let fields = vec![
        prefilled(identifier("snils", Id::Snils), ProfileField::Snils),
        prefilled(
            text("last_name", "Фамилия", "Last name", 100),
            ProfileField::LastName,
        ),
        optional(text("middle_name", "Отчество", "Patronymic", 100)),
        field(
            "birth_date",
            "Дата рождения",
            "Date of birth",
            FieldKind::Date {
                not_after_today: true,
            },
        ),
        field(
            "gender",
            "Пол",
            "Sex",
            FieldKind::Radio {
                options: choices(&genders),
            },
        ),
        field(
            "passport",
            "Серия и номер паспорта",
            "Passport series and number",
            FieldKind::Identifier {
                identifier: Id::Passport,
            },
        ),
        identifier("passport_issuer_code", Id::PassportIssuerCode),
        field(
            "registration_address",
            "Адрес регистрации",
            "Registered address",
            FieldKind::Address,
        ),
        field("email", "Электронная почта", "E-mail", FieldKind::Email),
        field(
            "mobile_phone",
            "Мобильный телефон",
            "Mobile phone",
            FieldKind::Identifier {
                identifier: Id::Phone,
            },
        ),
        field(
            "tax_system",
            "Система налогообложения",
            "Tax regime",
            FieldKind::Select {
                options: choices(&tax_systems),
            },
        ),
        field(
            "children_count",
            "Количество детей",
            "Number of children",
            FieldKind::Number { min: 2, max: 20 },
        ),
        identifier("bik", Id::Bik),
        identifier("account", Id::SettlementAccount),
        optional(field(
            "complaint",
            "Суть нарушения",
            "What happened",
            FieldKind::Text {
                max_len: 4000,
                multiline: true,
            },
        )),
        optional(field(
            "visit_date",
            "Желаемая дата приёма",
            "Preferred date",
            FieldKind::Date {
                not_after_today: false,
            },
        )),
        field(
            "data_confirmed",
            "Подтверждаю, что сведения достоверны",
            "I confirm the application is accurate",
            FieldKind::Checkbox,
        ),
        optional(field(
            "sms_notices",
            "Присылать СМС о ходе рассмотрения",
            "Send text messages about progress",
            FieldKind::Checkbox,
        )),
    ];
    let attachments = AttachmentRule {
        max_files: 3,
        max_bytes_each: MAX_ATTACHMENT_BYTES,
        mime_types: vec!["application/pdf".to_owned()],
        label_ru: Some("Справки".to_owned()),
    };
    FormSchema {
        version: 3,
        fields,
        attachments,
    }
}

/// Good answers as people type them: separators, spaces around, mixed case.
fn good_answers() -> FormValues {
    [
        ("snils", "112-233-445 95"),
        ("last_name", "  Иванова "),
        ("birth_date", "1980-02-29"),
        ("gender", "F"),
        ("passport", "4508 № 123456"),
        ("passport_issuer_code", "770-001"),
        (
            "registration_address",
            " г. Москва,  ул. Тверская,\tд. 1, кв. 2 ",
        ),
        ("email", " Ivanova@Mail.RU "),
        ("mobile_phone", "8 (900) 123-45-67"),
        ("tax_system", "usn_income"),
        ("children_count", " 3 "),
        ("bik", "044 525 225"),
        ("account", "40702 810 9 3800 0000001"),
        ("complaint", "Строка 1\r\nСтрока 2\n"),
        ("visit_date", "2025-07-01"),
        ("data_confirmed", "true"),
    ]
    .into_iter()
    .collect()
}

fn with(name: &str, value: &str) -> FormValues {
    let mut values = good_answers();
    values.insert(name, value);
    values
}

fn without(name: &str) -> FormValues {
    let mut values = good_answers();
    values.remove(name);
    values
}

/// The one problem the answers have; fails the test if they have none or several.
fn only_problem(values: &FormValues) -> FieldProblem {
    let schema = application();
    let problems = schema.validate(values, today()).unwrap_err().problems;
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

/// The code of the one problem, after checking it is the field's and both messages name it.
fn code_of(values: &FormValues, field: &str) -> String {
    let problem = only_problem(values);
    assert_eq!(problem.field, field);
    assert_messages_are_bilingual(&problem);
    problem.code
}

fn assert_messages_are_bilingual(problem: &FieldProblem) {
    let (ru, en) = (&problem.message_ru, &problem.message_en);
    assert!(ru.contains(" — ") && en.contains(" — "), "{ru} / {en}");
    assert!(ru.chars().any(|c| ('а'..='я').contains(&c)), "{ru}");
    assert!(!en.chars().any(|c| ('а'..='я').contains(&c)), "{en}");
}

/// The normalised answer of `field` on its own, or its problem's code.
fn one(schema_field: &str, value: &str) -> Result<Option<String>, String> {
    let schema = application();
    let field = schema
        .fields
        .iter()
        .find(|f| f.name == schema_field)
        .unwrap();
    let checked = field.validate_one(Some(value), today());
    checked.map_err(|problem| {
        assert_messages_are_bilingual(&problem);
        problem.code
    })
}

#[test]
fn the_test_form_is_a_well_formed_schema() {
    assert_eq!(application().check(), Ok(()));
}

#[test]
fn good_answers_pass_normalised_in_schema_order() {
    let valid = application().validate(&good_answers(), today()).unwrap();
    let pairs: Vec<_> = valid
        .values()
        .iter()
        .map(|v| (v.name.as_str(), v.value.as_str()))
        .collect();
    let expected = [
        ("snils", "11223344595"),
        ("last_name", "Иванова"),
        ("birth_date", "1980-02-29"),
        ("gender", "F"),
        ("passport", "4508123456"),
        ("passport_issuer_code", "770001"),
        (
            "registration_address",
            "г. Москва, ул. Тверская, д. 1, кв. 2",
        ),
        ("email", "Ivanova@mail.ru"),
        ("mobile_phone", "79001234567"),
        ("tax_system", "usn_income"),
        ("children_count", "3"),
        ("bik", "044525225"),
        ("account", "40702810938000000001"),
        ("complaint", "Строка 1\nСтрока 2"),
        ("visit_date", "2025-07-01"),
        ("data_confirmed", "true"),
        ("sms_notices", "false"),
    ];
    assert_eq!(pairs, expected);
    assert_eq!(valid.version(), 3);
    assert_eq!(valid.get("mobile_phone"), Some("79001234567"));
    assert_eq!(valid.get("middle_name"), None);
}

#[test]
fn optional_fields_may_be_empty_and_are_left_out() {
    let mut values = good_answers();
    values.insert("middle_name", "   ");
    values.insert("visit_date", "");
    values.remove("complaint");
    values.insert("sms_notices", "on");
    let valid = application().validate(&values, today()).unwrap();
    for name in ["middle_name", "visit_date", "complaint"] {
        assert_eq!(valid.get(name), None, "{name}");
    }
    assert_eq!(valid.get("sms_notices"), Some("true"));
}

#[test]
fn a_missing_or_blank_required_field_is_refused() {
    for values in [without("last_name"), with("last_name", " \t ")] {
        let problem = only_problem(&values);
        assert_eq!(
            (problem.field.as_str(), problem.code.as_str()),
            ("last_name", "required")
        );
        assert_eq!(
            problem.message_ru,
            "Фамилия: поле не заполнено — заполните его"
        );
        assert_eq!(
            problem.message_en,
            "Last name: this field is empty — please fill it in"
        );
    }
    let problem = only_problem(&without("gender"));
    assert_eq!(problem.code, "required");
    assert!(problem.message_ru.starts_with("Пол: ничего не выбрано"));
    assert!(problem.message_en.starts_with("Sex: nothing is chosen"));
    assert_eq!(code_of(&without("snils"), "snils"), "required");
}

#[test]
fn an_unknown_field_is_refused_after_the_schema_problems() {
    let mut values = without("last_name");
    values.insert("zz_extra", "1");
    values.insert("attachments", "passport.pdf");
    let problems = application().validate(&values, today()).unwrap_err();
    let fields: Vec<_> = problems.problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["last_name", "attachments", "zz_extra"]);
    let unknown = problems.for_field("zz_extra").unwrap();
    assert_eq!(unknown.code, "unknown_field");
    assert!(unknown.message_ru.contains("«zz_extra»") && unknown.message_ru.contains("обновите"));
    assert!(unknown.message_en.contains("“zz_extra”") && unknown.message_en.contains("reload"));
    let alone = application().validate_field("zz_extra", &good_answers(), today());
    assert_eq!(alone.unwrap_err().code, "unknown_field");
}

#[test]
fn a_wrong_snils_checksum_names_the_snils_problem() {
    let problem = only_problem(&with("snils", "112-233-445 96"));
    assert_eq!(problem.field, "snils");
    assert_eq!(problem.code, "identifier_checksum");
    assert_eq!(
        problem.message_ru,
        "СНИЛС: контрольное число не совпадает — проверьте последние две цифры"
    );
    assert_eq!(
        problem.message_en,
        "SNILS: the check digits do not match — check the last two digits"
    );
}

#[test]
fn identifier_problems_carry_the_identifier_messages() {
    let cases = [
        ("snils", "112-233-445", "identifier_wrong_length"),
        ("passport", "4508 12345", "identifier_wrong_length"),
        ("passport_issuer_code", "77O-001", "identifier_not_digits"),
        ("mobile_phone", "+7 700 123 45 67", "identifier_bad_prefix"), // Kazakhstan
        ("mobile_phone", "+375 29 123-45-67", "identifier_bad_prefix"),
        ("bik", "04452522", "identifier_wrong_length"),
        ("snils", " - ", "identifier_empty"),
    ];
    for (name, value, code) in cases {
        let problem = only_problem(&with(name, value));
        assert_eq!(
            (problem.field.as_str(), problem.code.as_str()),
            (name, code),
            "{value}"
        );
    }
    let problem = only_problem(&with("passport", "4508 12345"));
    assert_eq!(
        problem.message_ru,
        "Паспорт РФ: нужно 10 цифр, а введено 9 — проверьте, не пропущен ли знак и нет ли лишнего"
    );
}

#[test]
fn identifier_edge_cases_from_the_reference() {
    let valid_one = |kind: Id, input: &str| {
        let field = identifier("id", kind);
        field.validate_one(Some(input), today())
    };
    let accepted = [
        // Numbers up to 001-001-998 carry no check number.
        (Id::Snils, "001-001-998 37", "00100199837"),
        // ОГРНИП: remainder 10 mod 13 gives check digit 0 (python-stdnum gets this wrong).
        (Id::Ogrnip, "304500116000180", "304500116000180"),
        (Id::Inn, "7707083893", "7707083893"), // an organisation, such as a seller
        (Id::Inn, "5001 0073 2259", "500100732259"), // a person
        (Id::Kpp, "7736ab001", "7736AB001"),
        (Id::Enp, "7799 1000 1234 5678", "7799100012345678"),
        (
            Id::Uin,
            "1881017723000123456789012",
            "1881017723000123456789012",
        ),
        (Id::Phone, "+7 900 123 45 67", "79001234567"),
        (Id::Phone, "9001234567", "79001234567"),
        (Id::Ogrn, "1027700132195", "1027700132195"),
        (Id::Okato, "45286560000", "45286560000"),
    ];
    for (kind, input, canonical) in accepted {
        assert_eq!(
            valid_one(kind, input),
            Ok(Some(canonical.to_owned())),
            "{input}"
        );
    }
    let refused = [
        (Id::Snils, "001-001-999 00", "identifier_checksum"),
        (Id::Ogrnip, "504500116000157", "identifier_bad_prefix"),
        (Id::Uin, "188101772300012345678", "identifier_wrong_length"),
        (Id::Kpp, "77A601001", "identifier_format"),
    ];
    for (kind, input, code) in refused {
        assert_eq!(valid_one(kind, input).unwrap_err().code, code, "{input}");
    }
}

#[test]
fn a_required_checkbox_must_be_ticked() {
    for values in [without("data_confirmed"), with("data_confirmed", "false")] {
        let problem = only_problem(&values);
        assert_eq!(problem.code, "must_be_ticked");
        assert_eq!(
            problem.message_ru,
            "Подтверждаю, что сведения достоверны: нужно ваше подтверждение — поставьте отметку"
        );
        assert!(problem.message_en.ends_with("tick the box"));
    }
    let ticked_by_html_form = application()
        .validate(&with("data_confirmed", "on"), today())
        .unwrap();
    assert_eq!(ticked_by_html_form.get("data_confirmed"), Some("true"));
    assert_eq!(
        code_of(&with("data_confirmed", "yes"), "data_confirmed"),
        "checkbox_value"
    );
    assert_eq!(
        code_of(&with("sms_notices", "1"), "sms_notices"),
        "checkbox_value"
    );
}

#[test]
fn a_choice_must_be_one_of_the_options() {
    let problem = only_problem(&with("tax_system", "usn"));
    assert_eq!(problem.code, "not_an_option");
    assert_eq!(
        problem.message_ru,
        "Система налогообложения: такого варианта нет — выберите один из: \
         Общая система налогообложения, УСН «Доходы»"
    );
    assert_eq!(
        problem.message_en,
        "Tax regime: there is no such option — choose one of: General tax regime, Simplified: income"
    );
    // The label is not the value, and values are matched exactly.
    assert_eq!(
        code_of(&with("gender", "Женский"), "gender"),
        "not_an_option"
    );
    assert_eq!(code_of(&with("gender", "f"), "gender"), "not_an_option");
    assert_eq!(one("gender", " M "), Ok(Some("M".to_owned())));
}

#[test]
fn dates_must_exist_in_the_calendar() {
    assert_eq!(
        code_of(&with("visit_date", "2025-02-30"), "visit_date"),
        "date_invalid"
    );
    let problem = only_problem(&with("visit_date", "2025-02-30"));
    assert_eq!(
        problem.message_ru,
        "Желаемая дата приёма: такого дня нет в календаре — проверьте число и месяц"
    );
    for impossible in [
        "2025-02-29",
        "2100-02-29",
        "2025-04-31",
        "2025-13-01",
        "2025-00-10",
        "2025-01-00",
    ] {
        assert_eq!(
            one("visit_date", impossible),
            Err("date_invalid".to_owned()),
            "{impossible}"
        );
    }
    for leap_day in ["2024-02-29", "2000-02-29"] {
        assert_eq!(one("visit_date", leap_day), Ok(Some(leap_day.to_owned())));
    }
    for badly_written in [
        "30.02.2025",
        "2025-2-3",
        "2025/02/03",
        "20250203",
        "2025-02-03T00:00",
        "２０２５-02-03",
    ] {
        assert_eq!(
            one("visit_date", badly_written),
            Err("date_format".to_owned()),
            "{badly_written}"
        );
    }
    for year in ["1899-12-31", "2101-01-01", "0202-05-01"] {
        assert_eq!(
            one("visit_date", year),
            Err("date_out_of_range".to_owned()),
            "{year}"
        );
    }
    assert_eq!(
        one("visit_date", "1900-01-01"),
        Ok(Some("1900-01-01".to_owned()))
    );
}

#[test]
fn a_past_date_may_be_today_but_not_later() {
    assert_eq!(
        one("birth_date", "2025-06-15"),
        Ok(Some("2025-06-15".to_owned()))
    );
    let problem = only_problem(&with("birth_date", "2025-06-16"));
    assert_eq!(problem.code, "date_in_future");
    assert_eq!(
        problem.message_ru,
        "Дата рождения: дата не может быть позже сегодняшней (15.06.2025) — проверьте её"
    );
    assert_eq!(
        problem.message_en,
        "Date of birth: the date cannot be later than today (2025-06-15) — please check it"
    );
    assert_eq!(
        one("visit_date", "2030-01-01"),
        Ok(Some("2030-01-01".to_owned()))
    );
}

#[test]
fn text_is_limited_in_characters_and_lines() {
    let cyrillic_100 = "Ж".repeat(100);
    assert_eq!(
        one("last_name", &cyrillic_100),
        Ok(Some(cyrillic_100.clone()))
    );
    let problem = only_problem(&with("last_name", &format!("{cyrillic_100}Ж")));
    assert_eq!(problem.code, "too_long");
    assert_eq!(
        problem.message_ru,
        "Фамилия: слишком длинно: 101 знаков, а можно не больше 100 — сократите"
    );
    assert!(problem.message_en.contains("101 characters, at most 100"));
    assert_eq!(
        code_of(&with("last_name", "Иванова\nПетрова"), "last_name"),
        "line_break"
    );
    assert_eq!(
        code_of(&with("last_name", "Ива\u{0}нова"), "last_name"),
        "control_character"
    );
    // A text area's CRLF counts as one character, as the browser's `maxlength` counts it.
    let lines = format!("{}{}", "аб\r\n".repeat(1000), "в".repeat(1000));
    let kept = one("complaint", &lines).unwrap().unwrap();
    assert_eq!((lines.chars().count(), kept.chars().count()), (5000, 4000));
    assert_eq!(kept, lines.replace("\r\n", "\n"));
    assert_eq!(
        one("complaint", &format!("{lines}г")),
        Err("too_long".to_owned())
    );
    assert_eq!(
        one("complaint", "Табуляция\tразрешена"),
        Ok(Some("Табуляция\tразрешена".to_owned()))
    );
}

#[test]
fn an_address_is_one_bounded_line() {
    assert_eq!(
        code_of(
            &with("registration_address", "г. Москва,\r\nул. Тверская, д. 1"),
            "registration_address"
        ),
        "line_break"
    );
    let long = "д".repeat(MAX_ADDRESS_CHARS + 1);
    assert_eq!(
        one("registration_address", &long),
        Err("too_long".to_owned())
    );
    let longest = "д".repeat(MAX_ADDRESS_CHARS);
    assert_eq!(
        one("registration_address", &longest),
        Ok(Some(longest.clone()))
    );
    assert_eq!(
        code_of(
            &with("registration_address", "\u{a0} "),
            "registration_address"
        ),
        "required"
    );
}

#[test]
fn e_mail_addresses() {
    let accepted = [
        (
            "ivan.petrov+gosuslugi@example.com",
            "ivan.petrov+gosuslugi@example.com",
        ),
        ("Ivan@Example.COM", "Ivan@example.com"),
        ("иван@почта.рф", "иван@почта.рф"),
        ("a@b-c.ru", "a@b-c.ru"),
    ];
    for (input, normalised) in accepted {
        assert_eq!(
            one("email", input),
            Ok(Some(normalised.to_owned())),
            "{input}"
        );
    }
    let refused = [
        "ivan",
        "ivan@",
        "@example.com",
        "ivan@example",
        "ivan@@example.com",
        "ivan@exa mple.com",
        "iv an@example.com",
        "ivan.@example.com",
        "ivan..p@example.com",
        "ivan@-example.com",
        "ivan@example..com",
        "ivan@example.c",
        "ivan@127.0.0.1",
        "<ivan@example.com>",
    ];
    for input in refused {
        assert_eq!(
            one("email", input),
            Err("email_format".to_owned()),
            "{input}"
        );
    }
    let problem = only_problem(&with("email", "ivan"));
    assert_eq!(
        problem.message_ru,
        "Электронная почта: адрес записан неверно — нужен вид имя@домен.ru, без пробелов"
    );
    let too_long = format!(
        "{}@{}.ru",
        "a".repeat(64),
        vec!["b".repeat(62); 3].join(".")
    );
    assert!(too_long.chars().count() > MAX_EMAIL_CHARS);
    assert_eq!(one("email", &too_long), Err("too_long".to_owned()));
}

#[test]
fn numbers_are_whole_and_in_range() {
    assert_eq!(one("children_count", "02"), Ok(Some("2".to_owned())));
    assert_eq!(one("children_count", "+20"), Ok(Some("20".to_owned())));
    assert_eq!(one("children_count", "1 0"), Ok(Some("10".to_owned())));
    for input in ["2.5", "два", "-", "3e1", "0x10"] {
        assert_eq!(
            one("children_count", input),
            Err("number_format".to_owned()),
            "{input}"
        );
    }
    for input in ["1", "21", "-3", "99999999999999999999999"] {
        assert_eq!(
            one("children_count", input),
            Err("number_out_of_range".to_owned()),
            "{input}"
        );
    }
    let problem = only_problem(&with("children_count", "1"));
    assert_eq!(
        problem.message_ru,
        "Количество детей: число должно быть от 2 до 20 — исправьте его"
    );
    let expenses = field(
        "expenses_rub",
        "Сумма",
        "Amount",
        FieldKind::Number {
            min: -5,
            max: 100_000_000,
        },
    );
    let check = |input| expenses.validate_one(Some(input), today());
    assert_eq!(check("100\u{a0}000"), Ok(Some("100000".to_owned())));
    assert_eq!(check("−5"), Ok(Some("-5".to_owned())));
}

#[test]
fn an_account_is_checked_against_the_forms_bik() {
    let problem = only_problem(&with("account", "40702810938000000002"));
    assert_eq!(
        (problem.field.as_str(), problem.code.as_str()),
        ("account", "identifier_checksum")
    );
    assert!(
        problem
            .message_ru
            .ends_with("проверьте номер счёта и БИК банка")
    );
    // The same account at another bank does not match.
    assert_eq!(
        code_of(&with("bik", "044525226"), "account"),
        "identifier_checksum"
    );
    // No БИК to check against: the account says so.
    let schema = application();
    for no_bik in [without("bik"), with("bik", " ")] {
        let problems = schema.validate(&no_bik, today()).unwrap_err().problems;
        let codes: Vec<_> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [("bik", "required"), ("account", "account_needs_bik")]
        );
        assert_messages_are_bilingual(&problems[1]);
    }
    // A wrong БИК is reported once, on the БИК; the account's own shape is still checked.
    assert_eq!(
        code_of(&with("bik", "04452522X"), "bik"),
        "identifier_not_digits"
    );
    let mut both_bad = with("bik", "04452522X");
    both_bad.insert("account", "4070281093800000000");
    let problems = schema.validate(&both_bad, today()).unwrap_err().problems;
    let codes: Vec<_> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("bik", "identifier_not_digits"),
            ("account", "identifier_wrong_length")
        ]
    );
    assert!(
        problems[1]
            .message_ru
            .contains("нужно 20 цифр, а введено 19")
    );
}

#[test]
fn one_field_checks_what_the_browser_checks_on_blur() {
    let schema = application();
    let snils = &schema.fields[0];
    assert_eq!(
        snils.validate_one(Some(" 11223344595 "), today()),
        Ok(Some("11223344595".to_owned()))
    );
    assert_eq!(
        snils.validate_one(None, today()).unwrap_err().code,
        "required"
    );
    let middle_name = schema
        .fields
        .iter()
        .find(|f| f.name == "middle_name")
        .unwrap();
    assert_eq!(middle_name.validate_one(None, today()), Ok(None));
    // Alone, an account is checked for its shape only; with the form, against its БИК.
    let account = schema.fields.iter().find(|f| f.name == "account").unwrap();
    let wrong_key = "40702810938000000002";
    assert_eq!(
        account.validate_one(Some(wrong_key), today()),
        Ok(Some(wrong_key.to_owned()))
    );
    assert_eq!(
        account
            .validate_one(Some("4070281093800000000112345"), today())
            .unwrap_err()
            .code,
        "identifier_wrong_length"
    );
    let answers = with("account", wrong_key);
    let in_form = schema.validate_field("account", &answers, today());
    assert_eq!(in_form.unwrap_err().code, "identifier_checksum");
    let good = schema.validate_field("account", &good_answers(), today());
    assert_eq!(good, Ok(Some("40702810938000000001".to_owned())));
}

#[test]
fn problems_come_one_per_field_in_schema_order() {
    let mut values = good_answers();
    values.insert("data_confirmed", "false");
    values.insert("snils", "11223344596");
    values.insert("children_count", "100");
    values.insert("birth_date", "2025-02-30");
    values.insert("gender", "X");
    values.remove("email");
    let problems = application().validate(&values, today()).unwrap_err();
    let found: Vec<_> = problems
        .problems
        .iter()
        .map(|p| (p.field.as_str(), p.code.as_str()))
        .collect();
    let expected = [
        ("snils", "identifier_checksum"),
        ("birth_date", "date_invalid"),
        ("gender", "not_an_option"),
        ("email", "required"),
        ("children_count", "number_out_of_range"),
        ("data_confirmed", "must_be_ticked"),
    ];
    assert_eq!(found, expected);
    for problem in &problems.problems {
        assert_messages_are_bilingual(problem);
    }
    assert_eq!(
        problems.to_string(),
        "snils: identifier_checksum; birth_date: date_invalid; gender: not_an_option; \
         email: required; children_count: number_out_of_range; data_confirmed: must_be_ticked"
    );
}

#[test]
fn answers_and_problems_round_trip_through_json() {
    let values = with("data_confirmed", "true");
    let json = serde_json::to_value(&values).unwrap();
    assert_eq!(json["snils"], "112-233-445 95");
    assert_eq!(json["data_confirmed"], "true");
    assert_eq!(serde_json::from_value::<FormValues>(json).unwrap(), values);
    let problems = application()
        .validate(&without("snils"), today())
        .unwrap_err();
    let json = serde_json::to_value(&problems).unwrap();
    assert_eq!(json["problems"][0]["field"], "snils");
    assert_eq!(json["problems"][0]["code"], "required");
    assert_eq!(
        json["problems"][0]["message_en"],
        "SNILS: this field is empty — please fill it in"
    );
    assert_eq!(
        serde_json::from_value::<FormProblems>(json).unwrap(),
        problems
    );
    let valid = application().validate(&good_answers(), today()).unwrap();
    let json = serde_json::to_value(&valid).unwrap();
    assert_eq!(json["version"], 3);
    assert_eq!(
        json["values"][0],
        serde_json::json!({"name": "snils", "value": "11223344595"})
    );
}

#[test]
fn calendar_dates_from_the_clock_and_from_text() {
    let date =
        |seconds, offset| CalendarDate::from_unix_seconds(seconds, offset).map(|d| d.to_string());
    assert_eq!(date(0, 0).as_deref(), Some("1970-01-01"));
    assert_eq!(date(-1, 0).as_deref(), Some("1969-12-31"));
    assert_eq!(date(1_740_787_200, 0).as_deref(), Some("2025-03-01"));
    assert_eq!(date(1_709_164_800, 0).as_deref(), Some("2024-02-29"));
    // 13:00 UTC on 1 March 2025 is already 2 March in Kamchatka.
    let afternoon = 1_740_787_200 + 13 * 3600;
    assert_eq!(
        date(afternoon, EASTERNMOST_RUSSIAN_UTC_OFFSET).as_deref(),
        Some("2025-03-02")
    );
    assert_eq!(date(afternoon, 3 * 3600).as_deref(), Some("2025-03-01"));
    assert_eq!(date(i64::MAX, 0), None);
    assert_eq!(date(-62_200_000_000, 0), None); // before year 1
    let parsed = CalendarDate::parse("2024-02-29").unwrap();
    assert_eq!((parsed.year(), parsed.month(), parsed.day()), (2024, 2, 29));
    assert!(parsed < today());
    assert_eq!(CalendarDate::parse("2025-02-30"), None);
    assert_eq!(CalendarDate::new(2025, 2, 29), None);
}
