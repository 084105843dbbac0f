//! The one error type the widget and its server functions share: a stable code and bilingual text.

use serde::{Deserialize, Serialize};

use crate::services::values::FieldProblem;
use server_fn_error::{FromServerFnError, JsonEncoding, ServerFnErrorErr};

mod server_fn_error {
    pub use leptos::server_fn::codec::JsonEncoding;
    pub use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
}

/// Everything that can go wrong for a citizen in the widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    #[error("unknown publishable key")]
    KeyUnknown,
    #[error("publishable key revoked")]
    KeyRevoked,
    #[error("the widget session expired")]
    SessionExpired,
    #[error("the widget session is not valid")]
    SessionInvalid,
    #[error("the sign-in expired or was already used")]
    SigninExpired,
    #[error("the citizen cancelled the sign-in")]
    SigninCancelled,
    #[error("Gosuslugi sign-in is unavailable")]
    EsiaUnavailable,
    #[error("origin not allowed for this partner")]
    OriginNotAllowed,
    #[error("the sandbox page needs a test key")]
    SandboxNeedsTestKey,
    #[error("no such service")]
    ServiceNotFound,
    #[error("the portal is not configured for this mode")]
    ModeNotConfigured,
    #[error("the portal did not answer")]
    PortalUnavailable,
    #[error("the Gosuslugi account is not confirmed")]
    AccountNotConfirmed,
    #[error("no consent recorded for this service")]
    ConsentRequired,
    #[error("the form has invalid answers")]
    FormInvalid { problems: Vec<FieldProblem> },
    #[error("no such application for this citizen")]
    ApplicationNotFound,
    #[error("the file is larger than the form allows")]
    AttachmentTooLarge,
    #[error("the file is not of a type the form takes")]
    AttachmentTypeNotAllowed,
    #[error("the form takes no more files")]
    AttachmentsTooMany,
    #[error("feedback is taken once, after a final status")]
    FeedbackNotAllowed,
    #[error("the rating must be 1 to 5 and the comment at most 1000 characters")]
    FeedbackInvalid,
    #[error("internal error")]
    Internal,
    /// The browser could not reach okno or could not read its answer.
    #[error("transport: {detail}")]
    Transport { detail: String },
}

impl AppError {
    /// The stable machine code, the same in every response and log line.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::KeyUnknown => "key_unknown",
            AppError::KeyRevoked => "key_revoked",
            AppError::SessionExpired => "session_expired",
            AppError::SessionInvalid => "session_invalid",
            AppError::SigninExpired => "signin_expired",
            AppError::SigninCancelled => "signin_cancelled",
            AppError::EsiaUnavailable => "esia_unavailable",
            AppError::OriginNotAllowed => "origin_not_allowed",
            AppError::SandboxNeedsTestKey => "sandbox_needs_test_key",
            AppError::ServiceNotFound => "service_not_found",
            AppError::ModeNotConfigured => "mode_not_configured",
            AppError::PortalUnavailable => "portal_unavailable",
            AppError::AccountNotConfirmed => "account_not_confirmed",
            AppError::ConsentRequired => "consent_required",
            AppError::FormInvalid { .. } => "form_invalid",
            AppError::ApplicationNotFound => "application_not_found",
            AppError::AttachmentTooLarge => "attachment_too_large",
            AppError::AttachmentTypeNotAllowed => "attachment_type_not_allowed",
            AppError::AttachmentsTooMany => "attachments_too_many",
            AppError::FeedbackNotAllowed => "feedback_not_allowed",
            AppError::FeedbackInvalid => "feedback_invalid",
            AppError::Internal => "internal_error",
            AppError::Transport { .. } => "transport_error",
        }
    }

    /// The HTTP status that carries this error.
    pub fn http_status(&self) -> u16 {
        match self {
            AppError::SessionExpired | AppError::SessionInvalid | AppError::SigninExpired => 401,
            AppError::KeyRevoked
            | AppError::OriginNotAllowed
            | AppError::SandboxNeedsTestKey
            | AppError::AccountNotConfirmed
            | AppError::ConsentRequired => 403,
            AppError::KeyUnknown | AppError::ServiceNotFound | AppError::ApplicationNotFound => 404,
            AppError::AttachmentsTooMany | AppError::FeedbackNotAllowed => 409,
            AppError::AttachmentTooLarge => 413,
            AppError::AttachmentTypeNotAllowed => 415,
            AppError::FormInvalid { .. } | AppError::FeedbackInvalid => 422,
            AppError::SigninCancelled => 400,
            AppError::EsiaUnavailable | AppError::PortalUnavailable => 502,
            AppError::ModeNotConfigured => 503,
            AppError::Internal | AppError::Transport { .. } => 500,
        }
    }

    /// The message for a citizen, in Russian.
    pub fn message_ru(&self) -> &'static str {
        match self {
            AppError::KeyUnknown => {
                "Виджет не найден: ключ в коде вставки неверен. Сообщите владельцу сайта."
            }
            AppError::KeyRevoked => "Виджет отключён: ключ отозван. Сообщите владельцу сайта.",
            AppError::SessionExpired => "Сеанс истёк. Обновите страницу, чтобы продолжить.",
            AppError::SigninExpired => {
                "Вход устарел или уже использован. Нажмите «Войти через Госуслуги» ещё раз."
            }
            AppError::SigninCancelled => {
                "Вход через Госуслуги отменён. Чтобы подать заявление, войдите ещё раз."
            }
            AppError::EsiaUnavailable => {
                "Госуслуги сейчас не отвечают. Попробуйте войти через несколько минут."
            }
            AppError::SessionInvalid => {
                "Не удалось проверить сеанс. Обновите страницу; если не поможет, сообщите владельцу сайта."
            }
            AppError::OriginNotAllowed => {
                "Этот сайт не может показывать виджет Госуслуг. Сообщите владельцу сайта."
            }
            AppError::SandboxNeedsTestKey => {
                "Песочница работает только с тестовым ключом (pk_test_…)."
            }
            AppError::ServiceNotFound => "Такой услуги нет в каталоге. Вернитесь к списку услуг.",
            AppError::ModeNotConfigured => {
                "Подача заявлений через этот сайт пока не настроена. Попробуйте позже."
            }
            AppError::PortalUnavailable => {
                "Портал Госуслуг не отвечает. Попробуйте через несколько минут."
            }
            AppError::AccountNotConfirmed => {
                "Для подачи заявления нужна подтверждённая учётная запись Госуслуг. Подтвердите её в центре обслуживания, в мобильном приложении банка или электронной подписью, затем войдите ещё раз."
            }
            AppError::ConsentRequired => {
                "Сначала дайте согласие на обработку персональных данных для этой услуги."
            }
            AppError::FormInvalid { .. } => {
                "В заявлении есть ошибки — они отмечены у полей. Исправьте их и отправьте снова."
            }
            AppError::ApplicationNotFound => {
                "Заявление не найдено. Проверьте, что вы вошли под той же учётной записью."
            }
            AppError::AttachmentTooLarge => {
                "Файл больше 5 МБ. Уменьшите его (например, отсканируйте с меньшим разрешением) и приложите снова."
            }
            AppError::AttachmentTypeNotAllowed => {
                "Этот тип файла не принимается. Приложите PDF, JPEG или PNG."
            }
            AppError::AttachmentsTooMany => {
                "Больше файлов приложить нельзя. Объедините документы в один PDF."
            }
            AppError::FeedbackNotAllowed => {
                "Оценку можно оставить один раз, когда заявление рассмотрено."
            }
            AppError::FeedbackInvalid => {
                "Поставьте оценку от 1 до 5; комментарий — не длиннее 1000 знаков."
            }
            AppError::Internal => "Что-то пошло не так. Попробуйте ещё раз через минуту.",
            AppError::Transport { .. } => {
                "Нет связи с сервером. Проверьте подключение к интернету и попробуйте снова."
            }
        }
    }

    /// The message for a citizen, in English.
    pub fn message_en(&self) -> &'static str {
        match self {
            AppError::KeyUnknown => {
                "Widget not found: the key in the embed snippet is wrong. Tell the site's owner."
            }
            AppError::KeyRevoked => {
                "Widget disabled: its key has been revoked. Tell the site's owner."
            }
            AppError::SessionExpired => "Your session has expired. Reload the page to continue.",
            AppError::SigninExpired => {
                "The sign-in has expired or was already used. Press “Sign in with Gosuslugi” again."
            }
            AppError::SigninCancelled => {
                "The Gosuslugi sign-in was cancelled. Sign in again to submit an application."
            }
            AppError::EsiaUnavailable => {
                "Gosuslugi is not answering right now. Try signing in again in a few minutes."
            }
            AppError::SessionInvalid => {
                "The session could not be checked. Reload the page; if that does not help, tell the site's owner."
            }
            AppError::OriginNotAllowed => {
                "This site may not show the Gosuslugi widget. Tell the site's owner."
            }
            AppError::SandboxNeedsTestKey => "The sandbox works with test keys (pk_test_…) only.",
            AppError::ServiceNotFound => {
                "There is no such service in the catalogue. Go back to the list."
            }
            AppError::ModeNotConfigured => {
                "Applications through this site are not set up yet. Try again later."
            }
            AppError::PortalUnavailable => {
                "The Gosuslugi portal is not answering. Try again in a few minutes."
            }
            AppError::AccountNotConfirmed => {
                "Filing needs a confirmed Gosuslugi account. Confirm it at a service centre, in your bank's app or with an electronic signature, then sign in again."
            }
            AppError::ConsentRequired => {
                "First give your consent to the processing of personal data for this service."
            }
            AppError::FormInvalid { .. } => {
                "The application has errors, marked next to the fields. Correct them and submit again."
            }
            AppError::ApplicationNotFound => {
                "Application not found. Check that you signed in with the same account."
            }
            AppError::AttachmentTooLarge => {
                "The file is larger than 5 MB. Make it smaller (scan at a lower resolution, for example) and attach it again."
            }
            AppError::AttachmentTypeNotAllowed => {
                "This type of file is not accepted. Attach a PDF, JPEG or PNG."
            }
            AppError::AttachmentsTooMany => {
                "No more files can be attached. Combine the documents into one PDF."
            }
            AppError::FeedbackNotAllowed => {
                "Feedback can be left once, after the application has been decided."
            }
            AppError::FeedbackInvalid => {
                "Give a rating from 1 to 5; the comment may be at most 1000 characters."
            }
            AppError::Internal => "Something went wrong. Try again in a minute.",
            AppError::Transport { .. } => {
                "Cannot reach the server. Check your connection and try again."
            }
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport {
            detail: value.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_serialised_as_the_tag() -> Result<(), serde_json::Error> {
        let json = serde_json::to_string(&AppError::KeyRevoked)?;
        assert_eq!(json, r#"{"code":"key_revoked"}"#);
        assert_eq!(AppError::KeyRevoked.code(), "key_revoked");
        assert_eq!(
            serde_json::from_str::<AppError>(&json)?,
            AppError::KeyRevoked
        );
        Ok(())
    }

    #[test]
    fn every_error_has_both_languages() {
        let all = [
            AppError::KeyUnknown,
            AppError::KeyRevoked,
            AppError::OriginNotAllowed,
            AppError::SandboxNeedsTestKey,
            AppError::ServiceNotFound,
            AppError::ModeNotConfigured,
            AppError::PortalUnavailable,
            AppError::Internal,
            AppError::AccountNotConfirmed,
            AppError::ConsentRequired,
            AppError::FormInvalid { problems: vec![] },
            AppError::ApplicationNotFound,
            AppError::AttachmentTooLarge,
            AppError::AttachmentTypeNotAllowed,
            AppError::AttachmentsTooMany,
            AppError::FeedbackNotAllowed,
            AppError::FeedbackInvalid,
            AppError::Transport { detail: "x".into() },
        ];
        for error in all {
            assert!(!error.message_ru().is_empty() && !error.message_en().is_empty());
            assert_ne!(error.message_ru(), error.message_en());
        }
    }
}
