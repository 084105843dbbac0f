//! The sandbox's test citizens: internally consistent profiles with checksum-valid identifiers,
//! one per ESIA account level, shown on the sign-in page so partners can try every flow.

pub use app::services::AccountLevel;

/// ESIA's `lvl` claim: `PR` for confirmed accounts, `P` otherwise.
pub fn esia_lvl(level: AccountLevel) -> &'static str {
    match level {
        AccountLevel::Confirmed => "PR",
        AccountLevel::Simplified | AccountLevel::Standard => "P",
    }
}

pub struct Contact {
    pub id: u64,
    /// `MBT` mobile, `PHN` phone, `EML` e-mail.
    pub kind: &'static str,
    pub value: &'static str,
    pub verified: bool,
}

pub struct Address {
    pub id: u64,
    /// `PRG` registration, `PLV` residence, `PTA` temporary.
    pub kind: &'static str,
    pub zip_code: &'static str,
    pub region: &'static str,
    pub city: &'static str,
    pub street: &'static str,
    pub house: &'static str,
    pub flat: &'static str,
}

pub struct Passport {
    pub id: u64,
    pub series: &'static str,
    pub number: &'static str,
    /// `dd.MM.yyyy`.
    pub issue_date: &'static str,
    /// `NNN-NNN`.
    pub issue_id: &'static str,
    pub issued_by: &'static str,
}

pub struct TestCitizen {
    /// ESIA's person id (`oid`, `urn:esia:sbj_id`).
    pub oid: &'static str,
    pub level: AccountLevel,
    pub last_name: &'static str,
    pub first_name: &'static str,
    pub middle_name: &'static str,
    /// `dd.MM.yyyy`.
    pub birth_date: &'static str,
    pub birth_place: &'static str,
    /// `M` or `F`.
    pub gender: &'static str,
    /// `XXX-XXX-XXX YY`, checksum-valid; `None` for accounts that never gave it.
    pub snils: Option<&'static str>,
    /// 12 digits, checksum-valid.
    pub inn: Option<&'static str>,
    pub contacts: &'static [Contact],
    pub addresses: &'static [Address],
    pub passport: Option<Passport>,
    /// oids of this citizen's children among the test citizens.
    pub children: &'static [&'static str],
    /// What partners can try with this account, shown on the sign-in page.
    pub purpose: &'static str,
}

impl TestCitizen {
    pub fn full_name(&self) -> String {
        format!(
            "{} {} {}",
            self.last_name, self.first_name, self.middle_name
        )
        .trim()
        .to_owned()
    }
}

const MOSCOW_REGISTRATION: Address = Address {
    id: 3001,
    kind: "PRG",
    zip_code: "101000",
    region: "Москва",
    city: "Москва",
    street: "ул. Мясницкая",
    house: "20",
    flat: "14",
};

pub const CITIZENS: &[TestCitizen] = &[
    TestCitizen {
        oid: "1000299353",
        level: AccountLevel::Confirmed,
        last_name: "Иванова",
        first_name: "Мария",
        middle_name: "Петровна",
        birth_date: "14.03.1988",
        birth_place: "г. Москва",
        gender: "F",
        snils: Some("526-018-159 61"),
        inn: Some("770830166197"),
        contacts: &[
            Contact {
                id: 1001,
                kind: "MBT",
                value: "+7(900)1234567",
                verified: true,
            },
            Contact {
                id: 1002,
                kind: "EML",
                value: "maria.ivanova@example.test",
                verified: true,
            },
        ],
        addresses: &[MOSCOW_REGISTRATION],
        passport: Some(Passport {
            id: 2001,
            series: "4508",
            number: "123456",
            issue_date: "20.04.2008",
            issue_id: "770-001",
            issued_by: "ОВД района Басманный г. Москвы",
        }),
        children: &["1000299356"],
        purpose: "Подтверждённая учётная запись: подаёт любые заявления, есть ребёнок.",
    },
    TestCitizen {
        oid: "1000299354",
        level: AccountLevel::Standard,
        last_name: "Петров",
        first_name: "Алексей",
        middle_name: "Сергеевич",
        birth_date: "02.11.1979",
        birth_place: "г. Тверь",
        gender: "M",
        snils: Some("318-609-139 80"),
        inn: Some("770996030803"),
        contacts: &[Contact {
            id: 1003,
            kind: "MBT",
            value: "+7(916)7654321",
            verified: true,
        }],
        addresses: &[Address {
            id: 3002,
            flat: "7",
            house: "5",
            ..MOSCOW_REGISTRATION
        }],
        passport: Some(Passport {
            id: 2002,
            series: "2803",
            number: "654321",
            issue_date: "11.12.2003",
            issue_id: "692-004",
            issued_by: "УВД г. Твери",
        }),
        children: &[],
        purpose: "Стандартная учётная запись: услуги для подтверждённых объясняют, что делать.",
    },
    TestCitizen {
        oid: "1000299355",
        level: AccountLevel::Simplified,
        last_name: "Смирнова",
        first_name: "Ольга",
        middle_name: "",
        birth_date: "30.06.1995",
        birth_place: "",
        gender: "F",
        snils: None,
        inn: None,
        contacts: &[Contact {
            id: 1004,
            kind: "EML",
            value: "olga.smirnova@example.test",
            verified: false,
        }],
        addresses: &[],
        passport: None,
        children: &[],
        purpose: "Упрощённая учётная запись: только имя и почта.",
    },
    TestCitizen {
        oid: "1000299356",
        level: AccountLevel::Standard,
        last_name: "Иванов",
        first_name: "Никита",
        middle_name: "Андреевич",
        birth_date: "05.09.2015",
        birth_place: "г. Москва",
        gender: "M",
        snils: Some("246-281-948 90"),
        inn: None,
        contacts: &[],
        addresses: &[Address {
            id: 3003,
            ..MOSCOW_REGISTRATION
        }],
        passport: None,
        children: &[],
        purpose: "Ребёнок Марии Ивановой: для услуг, которые подаёт родитель.",
    },
];

pub fn find(oid: &str) -> Option<&'static TestCitizen> {
    CITIZENS.iter().find(|citizen| citizen.oid == oid)
}

#[cfg(test)]
mod tests {
    use app::identifiers::{Inn, Passport, PassportIssuerCode, Phone, Snils};

    use super::*;

    #[test]
    fn every_identifier_of_every_test_citizen_passes_the_shared_validators() {
        for citizen in CITIZENS {
            if let Some(snils) = citizen.snils {
                let parsed =
                    Snils::parse(snils).unwrap_or_else(|e| panic!("{}: {e:?}", citizen.oid));
                assert_eq!(
                    parsed.to_string(),
                    snils,
                    "SNILS is stored in ESIA's format"
                );
            }
            if let Some(inn) = citizen.inn {
                assert!(Inn::parse_person(inn).is_ok(), "{}: INN {inn}", citizen.oid);
            }
            if let Some(passport) = &citizen.passport {
                let number = format!("{} {}", passport.series, passport.number);
                assert!(
                    Passport::parse(&number).is_ok(),
                    "{}: passport",
                    citizen.oid
                );
                assert!(
                    PassportIssuerCode::parse(passport.issue_id).is_ok(),
                    "{}: issuer",
                    citizen.oid
                );
            }
            for contact in citizen.contacts.iter().filter(|c| c.kind == "MBT") {
                let phone = Phone::parse(contact.value)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", citizen.oid));
                assert_eq!(
                    phone.to_string(),
                    contact.value,
                    "phones are stored as ESIA writes them"
                );
            }
        }
    }

    #[test]
    fn the_citizens_cover_every_account_level_and_children_exist() {
        for level in [
            AccountLevel::Confirmed,
            AccountLevel::Standard,
            AccountLevel::Simplified,
        ] {
            assert!(CITIZENS.iter().any(|c| c.level == level), "{level:?}");
        }
        let parents: Vec<_> = CITIZENS.iter().filter(|c| !c.children.is_empty()).collect();
        assert!(!parents.is_empty());
        for parent in parents {
            for child in parent.children {
                assert!(find(child).is_some(), "{child} must be a test citizen too");
            }
        }
        let oids: std::collections::HashSet<_> = CITIZENS.iter().map(|c| c.oid).collect();
        assert_eq!(oids.len(), CITIZENS.len(), "oids are unique");
    }
}
