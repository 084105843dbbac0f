//! The consent a citizen gives before anything is sent: which data, to whom, for what, kept how
//! long (152-FZ art. 9). The text is built from the service and the partner, and versioned, so
//! the record says exactly what was shown.

use serde::{Deserialize, Serialize};

use crate::services::ServiceDescription;

/// Raised whenever the wording below changes.
pub const CONSENT_VERSION: &str = "2026-11.1";

/// What ESIA scopes read, in words.
fn scope_label_ru(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "fullname" => "фамилия, имя, отчество",
        "birthdate" => "дата рождения",
        "birthplace" => "место рождения",
        "gender" => "пол",
        "snils" => "СНИЛС",
        "inn" => "ИНН",
        "id_doc" => "паспорт гражданина РФ",
        "mobile" => "мобильный телефон",
        "email" => "адрес электронной почты",
        "addresses" => "адреса регистрации и проживания",
        _ => return None,
    })
}

/// The consent text for `service` submitted through `partner_name`'s site.
pub fn consent_text_ru(partner_name: &str, service: &ServiceDescription) -> String {
    let mut data: Vec<&str> = service
        .required_scopes()
        .into_iter()
        .filter_map(scope_label_ru)
        .collect();
    data.push("ответы и файлы, которые вы укажете в заявлении");
    format!(
        "Я даю согласие на обработку моих персональных данных: {data}. \
         Цель — подача заявления на услугу «{title}» ({agency}) через портал Госуслуг и \
         отслеживание его статуса на сайте «{partner}». Данные передаются только на портал \
         Госуслуг; сайт «{partner}» получает лишь номер заявления и его статус. Данные хранятся \
         до завершения рассмотрения заявления и уничтожаются не позднее 30 дней после этого или \
         после отзыва согласия. Согласие можно отозвать в любой момент. Версия текста {CONSENT_VERSION}.",
        data = data.join(", "),
        title = service.title,
        agency = service.agency.short_name_ru(),
        partner = partner_name,
    )
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
