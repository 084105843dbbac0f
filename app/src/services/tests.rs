//! Tests for the service types: JSON shape, every refusal of `FormSchema::check`, formatting
//! of fees and deadlines, account levels and region rules.

use super::*;
use IdentifierKind as Id;

const NBSP: char = '\u{a0}';

fn field(name: &str, kind: FieldKind) -> Field {
    Field {
        name: name.to_owned(),
        label_ru: "Поле".to_owned(),
        label_en: "Field".to_owned(),
        help_ru: None,
        required: true,
        kind,
        prefill: None,
    }
}

fn prefilled(name: &str, kind: FieldKind, prefill: ProfileField) -> Field {
    Field {
        prefill: Some(prefill),
        ..field(name, kind)
    }
}

fn identifier(identifier: IdentifierKind) -> FieldKind {
    FieldKind::Identifier { identifier }
}

fn text() -> FieldKind {
    FieldKind::Text {
        max_len: 100,
        multiline: false,
    }
}

fn choice(value: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label_ru: format!("Вариант {value}"),
        label_en: format!("Option {value}"),
    }
}

fn radio(values: &[&str]) -> FieldKind {
    FieldKind::Radio {
        options: values.iter().map(|value| choice(value)).collect(),
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

fn pdfs(max_bytes_each: u32, mime_types: &[&str]) -> AttachmentRule {
    AttachmentRule {
        max_files: 2,
        max_bytes_each,
        mime_types: mime_types.iter().map(|mime| (*mime).to_owned()).collect(),
        label_ru: Some("Договор".to_owned()),
    }
}

fn form(fields: Vec<Field>) -> FormSchema {
    FormSchema {
        version: 1,
        fields,
        attachments: no_attachments(),
    }
}

fn check(fields: Vec<Field>) -> Result<(), SchemaError> {
    form(fields).check()
}

/// A confirmed-only service with most field kinds; other modules' tests use it too.
pub(crate) fn description() -> ServiceDescription {
    ServiceDescription {
        code: "10000000109".to_owned(),
        target_code: "-10000000109".to_owned(),
        real_code: true,
        title: "Доставка пенсии".to_owned(),
        agency: Agency::Sfr,
        summary: "Смена способа доставки пенсии".to_owned(),
        deadline: Deadline {
            working_days: Some(5),
            calendar_days: None,
            note_ru: None,
        },
        fee: Fee {
            amount_kopecks: 0,
            note_ru: None,
        },
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: vec!["Паспорт гражданина РФ".to_owned()],
        form: FormSchema {
            version: 2,
            fields: vec![
                prefilled("snils", identifier(Id::Snils), ProfileField::Snils),
                prefilled("last_name", text(), ProfileField::LastName),
                prefilled("first_name", text(), ProfileField::FirstName),
                field("delivery", radio(&["bank", "post"])),
                field("bik", identifier(Id::Bik)),
                field("account", identifier(Id::SettlementAccount)),
                field("amount", FieldKind::Number { min: 1, max: 9 }),
                field("agree", FieldKind::Checkbox),
            ],
            attachments: pdfs(MAX_ATTACHMENT_BYTES, &["application/pdf"]),
        },
    }
}

#[test]
fn a_description_round_trips_through_json_with_flat_tagged_fields() {
    let description = description();
    assert_eq!(description.form.check(), Ok(()));
    let json = serde_json::to_string(&description).unwrap();
    for snippet in [
        r#""agency":"sfr""#,
        r#""required_level":"confirmed""#,
        r#""regions":{"kind":"all_russia"}"#,
        r#""kind":"identifier","identifier":"snils","prefill":"snils""#,
        r#""kind":"radio","options":[{"value":"bank""#,
        r#""kind":"number","min":1,"max":9"#,
        r#""kind":"checkbox""#,
        r#""identifier":"settlement_account""#,
        r#""max_bytes_each":5242880"#,
    ] {
        assert!(json.contains(snippet), "{snippet} not in {json}");
    }
    assert!(
        !json.contains("help_ru") && !json.contains("note_ru"),
        "{json}"
    );
    let back: ServiceDescription = serde_json::from_str(&json).unwrap();
    assert_eq!(back, description);
}

#[test]
fn optional_members_may_be_left_out_of_the_json() {
    let json = r#"{"name":"email","label_ru":"Почта","label_en":"E-mail","required":false,"kind":"email"}"#;
    let field: Field = serde_json::from_str(json).unwrap();
    assert_eq!(field.kind, FieldKind::Email);
    assert_eq!((field.help_ru, field.prefill), (None, None));
    let regions = r#"{"kind":"regions","okato_prefixes":["45"],"note_ru":"Москва"}"#;
    let regions: RegionRule = serde_json::from_str(regions).unwrap();
    assert!(regions.allows("45000000000"));
}

#[test]
fn names_must_be_unique_snake_case() {
    for name in ["snils", "passport_2", "a1_b2"] {
        assert_eq!(check(vec![field(name, text())]), Ok(()), "{name}");
    }
    for name in [
        "",
        "Snils",
        "1st",
        "_x",
        "x_",
        "a__b",
        "kebab-case",
        "with space",
        "имя",
    ] {
        let refused = SchemaError::InvalidName {
            field: name.to_owned(),
        };
        assert_eq!(check(vec![field(name, text())]), Err(refused), "{name}");
    }
    let twice = check(vec![field("inn", text()), field("inn", FieldKind::Email)]);
    assert_eq!(
        twice,
        Err(SchemaError::DuplicateName {
            field: "inn".to_owned()
        })
    );
}

#[test]
fn labels_must_not_be_blank() {
    let blank_ru = Field {
        label_ru: "  ".to_owned(),
        ..field("city", text())
    };
    let blank_en = Field {
        label_en: String::new(),
        ..field("city", text())
    };
    let mut options = vec![choice("a"), choice("b")];
    options[1].label_en = " ".to_owned();
    let blank_option = field("city", FieldKind::Select { options });
    for refused in [blank_ru, blank_en, blank_option] {
        let expected = SchemaError::EmptyLabel {
            field: "city".to_owned(),
        };
        assert_eq!(check(vec![refused]), Err(expected));
    }
}

#[test]
fn text_needs_room_and_numbers_a_range() {
    let no_room = FieldKind::Text {
        max_len: 0,
        multiline: true,
    };
    assert_eq!(
        check(vec![field("note", no_room)]),
        Err(SchemaError::ZeroLength {
            field: "note".to_owned()
        })
    );
    let one_value = FieldKind::Number { min: 5, max: 5 };
    assert_eq!(check(vec![field("count", one_value)]), Ok(()));
    let upside_down = FieldKind::Number { min: 6, max: 5 };
    assert_eq!(
        check(vec![field("count", upside_down)]),
        Err(SchemaError::EmptyRange {
            field: "count".to_owned(),
            min: 6,
            max: 5
        })
    );
}

#[test]
fn choices_need_two_distinct_options() {
    let too_few = |kind| {
        let expected = SchemaError::TooFewOptions {
            field: "pick".to_owned(),
        };
        assert_eq!(check(vec![field("pick", kind)]), Err(expected));
    };
    too_few(radio(&["only"]));
    too_few(FieldKind::Select {
        options: Vec::new(),
    });
    assert_eq!(
        check(vec![field("pick", radio(&["a", "b", "a"]))]),
        Err(SchemaError::DuplicateOption {
            field: "pick".to_owned(),
            value: "a".to_owned()
        })
    );
}

#[test]
fn an_account_needs_a_bik_field_in_the_form() {
    for account in [Id::SettlementAccount, Id::CorrespondentAccount] {
        let alone = check(vec![field("account", identifier(account))]);
        assert_eq!(
            alone,
            Err(SchemaError::AccountWithoutBik {
                field: "account".to_owned()
            })
        );
        let with_bik = vec![
            field("account", identifier(account)),
            field("bik", identifier(Id::Bik)),
        ];
        assert_eq!(check(with_bik), Ok(()));
    }
}

#[test]
fn prefill_must_fit_the_field_kind() {
    use ProfileField as P;
    let date = FieldKind::Date {
        not_after_today: true,
    };
    let fitting = [
        (P::LastName, text()),
        (P::MiddleName, text()),
        (P::BirthPlace, text()),
        (P::PassportIssuedBy, text()),
        (P::BirthDate, date.clone()),
        (P::PassportIssueDate, date.clone()),
        (P::Gender, radio(&["M", "F"])),
        (P::Snils, identifier(Id::Snils)),
        (P::Inn, identifier(Id::Inn)),
        (P::PassportSeriesNumber, identifier(Id::Passport)),
        (P::PassportIssuerCode, identifier(Id::PassportIssuerCode)),
        (P::MobilePhone, identifier(Id::Phone)),
        (P::Email, FieldKind::Email),
        (P::RegistrationAddress, FieldKind::Address),
        (P::ResidenceAddress, FieldKind::Address),
    ];
    for (prefill, kind) in fitting {
        assert_eq!(
            check(vec![prefilled("x", kind, prefill)]),
            Ok(()),
            "{prefill:?}"
        );
    }
    let misfits = [
        (P::Snils, identifier(Id::Inn)),
        (P::Snils, text()),
        (P::Inn, identifier(Id::Snils)),
        (P::PassportSeriesNumber, text()),
        (P::PassportIssuerCode, identifier(Id::Passport)),
        (P::MobilePhone, FieldKind::Email),
        (P::Email, text()),
        (P::BirthDate, text()),
        (P::LastName, FieldKind::Address),
        (P::RegistrationAddress, text()),
        (P::Gender, radio(&["male", "female"])),
        (P::Gender, text()),
    ];
    for (prefill, kind) in misfits {
        let expected = SchemaError::PrefillMismatch {
            field: "x".to_owned(),
            prefill,
        };
        assert_eq!(check(vec![prefilled("x", kind, prefill)]), Err(expected));
    }
}

#[test]
fn attachments_are_limited_to_5_mib_of_listed_types() {
    let with = |attachments| {
        FormSchema {
            attachments,
            ..form(vec![field("note", text())])
        }
        .check()
    };
    assert_eq!(with(no_attachments()), Ok(()));
    assert_eq!(
        with(pdfs(5_242_880, &["application/pdf", "image/png"])),
        Ok(())
    );
    for max_bytes_each in [5_242_881, 0] {
        let refused = SchemaError::AttachmentSize { max_bytes_each };
        assert_eq!(with(pdfs(max_bytes_each, &["image/png"])), Err(refused));
    }
    let none_but_too_big = AttachmentRule {
        max_bytes_each: 5_242_881,
        ..no_attachments()
    };
    assert!(with(none_but_too_big).is_err());
    for types in [&[][..], &["pdf"], &["application/"], &["image/ png"]] {
        assert_eq!(with(pdfs(1024, types)), Err(SchemaError::AttachmentTypes));
    }
}

#[test]
fn errors_name_the_field_and_the_reason() {
    let error = SchemaError::PrefillMismatch {
        field: "snils".to_owned(),
        prefill: ProfileField::Inn,
    };
    assert_eq!(error.field(), Some("snils"));
    assert_eq!(
        error.to_string(),
        "field `snils`: prefill Inn does not fit this field kind"
    );
    assert_eq!(SchemaError::AttachmentTypes.field(), None);
    assert!(
        SchemaError::AttachmentTypes
            .to_string()
            .starts_with("attachments: ")
    );
}

#[test]
fn fees_in_rubles_with_no_break_spaces() {
    let fee = |amount_kopecks, note: Option<&str>| {
        Fee {
            amount_kopecks,
            note_ru: note.map(str::to_owned),
        }
        .describe_ru()
    };
    assert_eq!(fee(0, None), "Бесплатно");
    assert_eq!(
        fee(0, Some("через Госуслуги")),
        "Бесплатно (через Госуслуги)"
    );
    assert_eq!(fee(600_000, None), format!("6{NBSP}000{NBSP}₽"));
    assert_eq!(fee(35_000, None), format!("350{NBSP}₽"));
    assert_eq!(fee(35_050, None), format!("350,50{NBSP}₽"));
    assert_eq!(fee(105, None), format!("1,05{NBSP}₽"));
    assert_eq!(
        fee(123_456_789, Some("госпошлина")),
        format!("1{NBSP}234{NBSP}567,89{NBSP}₽ (госпошлина)")
    );
    assert_eq!(
        fee(100_000_000, None),
        format!("1{NBSP}000{NBSP}000{NBSP}₽")
    );
}

#[test]
fn deadlines_agree_in_number() {
    let working = |n| {
        Deadline {
            working_days: Some(n),
            calendar_days: None,
            note_ru: None,
        }
        .describe_ru()
    };
    assert_eq!(working(1), "1 рабочий день");
    assert_eq!(working(3), "3 рабочих дня");
    assert_eq!(working(5), "5 рабочих дней");
    assert_eq!(working(11), "11 рабочих дней");
    assert_eq!(working(12), "12 рабочих дней");
    assert_eq!(working(21), "21 рабочий день");
    assert_eq!(working(22), "22 рабочих дня");
    assert_eq!(working(111), "111 рабочих дней");
    let deadline = |working_days, calendar_days, note: Option<&str>| {
        Deadline {
            working_days,
            calendar_days,
            note_ru: note.map(str::to_owned),
        }
        .describe_ru()
    };
    assert_eq!(
        deadline(None, Some(30), Some("со дня регистрации")),
        "30 календарных дней (со дня регистрации)"
    );
    assert_eq!(deadline(None, Some(1), None), "1 календарный день");
    assert_eq!(
        deadline(Some(10), Some(30), None),
        "10 рабочих дней; 30 календарных дней"
    );
    assert_eq!(deadline(None, None, Some("Сразу")), "Сразу");
    assert_eq!(deadline(None, None, None), "Срок не установлен");
}

#[test]
fn english_terms_and_amounts_leave_the_russian_notes_out() {
    let deadline = |working_days, calendar_days, note: Option<&str>| {
        Deadline {
            working_days,
            calendar_days,
            note_ru: note.map(str::to_owned),
        }
        .terms_en()
    };
    assert_eq!(
        deadline(Some(1), None, None).as_deref(),
        Some("1 working day")
    );
    assert_eq!(
        deadline(Some(10), Some(30), None).as_deref(),
        Some("10 working days; 30 calendar days")
    );
    // The Russian note is left to the page, which marks it as Russian.
    assert_eq!(
        deadline(None, Some(21), Some("со дня регистрации")).as_deref(),
        Some("21 calendar days")
    );
    assert_eq!(deadline(None, None, Some("Сразу")), None);
    let fee = |amount_kopecks| {
        Fee {
            amount_kopecks,
            note_ru: Some("госпошлина".to_owned()),
        }
        .amount_en()
    };
    assert_eq!(fee(0), "Free");
    assert_eq!(fee(600_000), format!("6{NBSP}000{NBSP}₽"));
}

#[test]
fn a_higher_account_level_meets_a_lower_requirement() {
    use AccountLevel::{Confirmed, Simplified, Standard};
    let levels = [Simplified, Standard, Confirmed];
    for (i, required) in levels.into_iter().enumerate() {
        for (j, citizen) in levels.into_iter().enumerate() {
            assert_eq!(required.allows(citizen), j >= i, "{required:?} {citizen:?}");
        }
    }
    assert_eq!(Confirmed.label_ru(), "Подтверждённая учётная запись");
    assert_eq!(Confirmed.label(Lang::En), "Confirmed account");
}

#[test]
fn region_rules_match_okato_prefixes() {
    assert!(RegionRule::AllRussia.allows("05401000000"));
    let moscow = RegionRule::Regions {
        okato_prefixes: vec!["45".to_owned(), "46".to_owned()],
        note_ru: "Москва и Московская область".to_owned(),
    };
    assert!(moscow.allows("45000000000"));
    assert!(moscow.allows("46000000000"));
    assert!(!moscow.allows("40000000000"));
    assert!(!moscow.allows(""));
    let empty_prefix = RegionRule::Regions {
        okato_prefixes: vec![String::new()],
        note_ru: "—".to_owned(),
    };
    assert!(!empty_prefix.allows("45000000000"));
}

#[test]
fn required_scopes_are_sorted_unique_and_include_openid() {
    assert_eq!(
        description().required_scopes(),
        ["fullname", "openid", "snils"]
    );
    let no_prefill = ServiceDescription {
        form: form(vec![field("note", text())]),
        ..description()
    };
    assert_eq!(no_prefill.required_scopes(), ["openid"]);
}

#[test]
fn every_scope_is_one_esia_knows() {
    use ProfileField as P;
    let known = [
        "fullname",
        "birthdate",
        "birthplace",
        "gender",
        "snils",
        "inn",
        "id_doc",
        "mobile",
        "email",
        "addresses",
    ];
    let all = [
        P::LastName,
        P::FirstName,
        P::MiddleName,
        P::BirthDate,
        P::BirthPlace,
        P::Gender,
        P::Snils,
        P::Inn,
        P::PassportSeriesNumber,
        P::PassportIssueDate,
        P::PassportIssuerCode,
        P::PassportIssuedBy,
        P::MobilePhone,
        P::Email,
        P::RegistrationAddress,
        P::ResidenceAddress,
    ];
    for prefill in all {
        assert!(known.contains(&prefill.esia_scope()), "{prefill:?}");
    }
}

#[test]
fn agencies_have_names() {
    for agency in Agency::ALL {
        assert!(!agency.short_name_ru().is_empty() && !agency.name_en().is_empty());
    }
    assert_eq!(Agency::Fines.short_name_ru(), "ГИБДД");
    assert_eq!(serde_json::to_string(&Agency::Fines).unwrap(), r#""fines""#);
}
