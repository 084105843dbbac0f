//! The consent a citizen gives before anything is sent: which data, to whom, for what, kept how
//! long (152-FZ art. 9). The text is built from the service and the partner, and versioned, so
//! the record says exactly what was shown.

use serde::{Deserialize, Serialize};

use crate::{lang::Lang, services::ServiceDescription};

/// Raised whenever the wording below changes. The English text is versioned apart: its
/// version carries [`ENGLISH_SUFFIX`], so a record names the exact words shown.
pub const CONSENT_VERSION: &str = "2026-11.1";
const ENGLISH_SUFFIX: &str = "-en";

/// The version of the text shown in `lang`.
pub fn consent_version(lang: Lang) -> String {
    match lang {
        Lang::Ru => CONSENT_VERSION.to_owned(),
        Lang::En => format!("{CONSENT_VERSION}{ENGLISH_SUFFIX}"),
    }
}

/// The language a recorded version was shown in.
pub fn version_lang(version: &str) -> Lang {
    if version.ends_with(ENGLISH_SUFFIX) {
        Lang::En
    } else {
        Lang::Ru
    }
}

/// What ESIA scopes read, in words.
fn scope_label(scope: &str, lang: Lang) -> Option<&'static str> {
    let (ru, en) = match scope {
        "fullname" => ("фамилия, имя, отчество", "full name"),
        "birthdate" => ("дата рождения", "date of birth"),
        "birthplace" => ("место рождения", "place of birth"),
        "gender" => ("пол", "sex"),
        "snils" => ("СНИЛС", "SNILS (individual insurance account number)"),
        "inn" => ("ИНН", "INN (taxpayer number)"),
        "id_doc" => ("паспорт гражданина РФ", "Russian passport"),
        "mobile" => ("мобильный телефон", "mobile phone number"),
        "email" => ("адрес электронной почты", "e-mail address"),
        "addresses" => (
            "адреса регистрации и проживания",
            "registration and residence addresses",
        ),
        _ => return None,
    };
    Some(lang.pick(ru, en))
}

/// The consent text, in `lang`, for `service` submitted through `partner_name`'s site.
pub fn consent_text(lang: Lang, partner_name: &str, service: &ServiceDescription) -> String {
    let mut data: Vec<&str> = service
        .required_scopes()
        .into_iter()
        .filter_map(|scope| scope_label(scope, lang))
        .collect();
    data.push(lang.pick(
        "ответы и файлы, которые вы укажете в заявлении",
        "the answers and files you give in the application",
    ));
    let data = data.join(", ");
    let version = consent_version(lang);
    let (title, partner) = (&service.title, partner_name);
    match lang {
        Lang::Ru => format!(
            "Я даю согласие на обработку моих персональных данных: {data}. \
             Цель — подача заявления на услугу «{title}» ({agency}) через портал Госуслуг и \
             отслеживание его статуса на сайте «{partner}». Данные передаются только на портал \
             Госуслуг; сайт «{partner}» получает лишь номер заявления и его статус. Данные хранятся \
             до завершения рассмотрения заявления и уничтожаются не позднее 30 дней после этого или \
             после отзыва согласия. Согласие можно отозвать в любой момент. Версия текста {version}.",
            agency = service.agency.short_name_ru(),
        ),
        Lang::En => format!(
            "I consent to the processing of my personal data: {data}. \
             The purpose is to apply for the service «{title}» ({agency}) through the Gosuslugi \
             portal and to follow the application's status on the site «{partner}». The data go \
             to the Gosuslugi portal only; the site «{partner}» receives only the application's \
             number and status. The data are kept until the application has been decided and are \
             destroyed no later than 30 days after that or after the consent is withdrawn. The \
             consent may be withdrawn at any time. Text version {version}.",
            agency = service.agency.name_en(),
        ),
    }
}

/// A recorded consent, as the widget shows it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenConsent {
    pub consent_id: String,
    pub version: String,
    pub text: String,
    /// RFC 3339.
    pub granted_at: String,
    /// A new access token that carries this consent.
    pub access_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::tests::description;

    #[test]
    fn both_texts_say_what_to_whom_why_and_how_long_with_their_own_version() {
        let service = description();
        let ru = consent_text(Lang::Ru, "Магазин", &service);
        let en = consent_text(Lang::En, "Магазин", &service);
        for (text, words) in [
            (
                &ru,
                ["СНИЛС", "«Магазин»", "30 дней", "Версия текста 2026-11.1."],
            ),
            (
                &en,
                [
                    "SNILS",
                    "«Магазин»",
                    "30 days",
                    "Text version 2026-11.1-en.",
                ],
            ),
        ] {
            for word in words {
                assert!(text.contains(word), "{word} missing from {text}");
            }
            assert!(text.contains("«Доставка пенсии»"), "{text}");
        }
        assert_eq!(version_lang(&consent_version(Lang::En)), Lang::En);
        assert_eq!(version_lang(CONSENT_VERSION), Lang::Ru);
    }
}
