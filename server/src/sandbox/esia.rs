//! The sandbox ESIA: sign-in page with test citizens, consent, authorization codes (PKCE),
//! tokens as signed JWTs with ESIA's claims, the person API and logout — in ESIA's shapes and
//! error codes (`ESIA-0070xx`).

mod pages;
mod person;
mod tokens;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::{
    Router,
    routing::{get, post},
};
use time::{Duration, OffsetDateTime};

use crate::{clock::SharedClock, esia::signer::TestSigner};

pub use tokens::{AccessClaims, TokenKeys};

/// The system mnemonic the sandbox knows (ESIA's `client_id`).
pub const SANDBOX_CLIENT_ID: &str = "OKNO";
/// Scope a citizen's token needs for the orders API.
pub const API_ORDER_SCOPE: &str = "http://lk.gosuslugi.ru/api-order";
/// Authorization codes are single-use and live this long.
const CODE_LIFETIME: Duration = Duration::seconds(60);
/// A started sign-in must finish within this time.
const REQUEST_LIFETIME: Duration = Duration::minutes(10);
/// `timestamp` of a request may differ from the sandbox's clock by at most this.
const TIMESTAMP_SKEW: Duration = Duration::minutes(10);
/// Access tokens live this long (`expires_in`).
const ACCESS_LIFETIME: Duration = Duration::hours(1);

/// Scopes the sandbox grants, with what the consent page says about them.
pub const SCOPES: &[(&str, &str)] = &[
    ("openid", "идентификатор учётной записи"),
    ("fullname", "фамилия, имя, отчество"),
    ("birthdate", "дата рождения"),
    ("gender", "пол"),
    ("citizenship", "гражданство"),
    ("snils", "СНИЛС"),
    ("inn", "ИНН"),
    ("id_doc", "паспорт гражданина РФ"),
    ("birthplace", "место рождения"),
    ("email", "адрес электронной почты"),
    ("mobile", "номер мобильного телефона"),
    ("addresses", "адреса регистрации и проживания"),
    ("kid_fullname", "ФИО детей"),
    (
        API_ORDER_SCOPE,
        "подача заявлений на Госуслугах от вашего имени",
    ),
];

/// An ESIA error: OAuth `error` name plus ESIA's own code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsiaError {
    pub error: &'static str,
    pub code: &'static str,
    pub description: &'static str,
}

impl EsiaError {
    const fn new(error: &'static str, code: &'static str, description: &'static str) -> Self {
        EsiaError {
            error,
            code,
            description,
        }
    }

    /// `ESIA-007014: …`, as ESIA writes `error_description`.
    pub fn error_description(&self) -> String {
        format!("{}: {}", self.code, self.description)
    }
}

pub mod errors {
    //! The ESIA error codes the sandbox answers with.
    use super::EsiaError;

    pub const MISSING_PARAMETER: EsiaError = EsiaError::new(
        "invalid_request",
        "ESIA-007014",
        "Запрос не содержит обязательного параметра",
    );
    pub const BAD_REQUEST: EsiaError = EsiaError::new(
        "invalid_request",
        "ESIA-007003",
        "Запрос содержит недопустимое значение параметра",
    );
    pub const BAD_TIMESTAMP: EsiaError =
        EsiaError::new("invalid_request", "ESIA-007015", "Неверное время запроса");
    pub const REDIRECT_MISMATCH: EsiaError = EsiaError::new(
        "invalid_request",
        "ESIA-007023",
        "Адрес возврата не совпадает с адресом из запроса авторизации",
    );
    pub const DENIED: EsiaError = EsiaError::new(
        "access_denied",
        "ESIA-007004",
        "Владелец ресурса отказал в доступе",
    );
    pub const UNKNOWN_CLIENT: EsiaError = EsiaError::new(
        "unauthorized_client",
        "ESIA-007005",
        "Система-клиент не зарегистрирована",
    );
    pub const INVALID_SCOPE: EsiaError = EsiaError::new(
        "invalid_scope",
        "ESIA-007006",
        "Запрошена недопустимая область доступа",
    );
    pub const INVALID_GRANT: EsiaError = EsiaError::new(
        "invalid_grant",
        "ESIA-007011",
        "Авторизационный код недействителен, истёк или уже использован",
    );
    pub const SECRET_WRONG: EsiaError = EsiaError::new(
        "clientSecretWrong",
        "ESIA-007053",
        "Неверная подпись запроса (client_secret)",
    );
    pub const NOT_CONFIRMED: EsiaError = EsiaError::new(
        "access_denied",
        "ESIA-007055",
        "Учётная запись не подтверждена: подтвердите личность, чтобы пользоваться услугой",
    );
}

/// A sign-in in progress.
#[derive(Debug, Clone)]
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: String,
    code_challenge: Option<String>,
    /// The consent request (`permissions`): each permission's sysname with its purposes.
    permissions: Vec<String>,
    started: OffsetDateTime,
}

#[derive(Debug, Clone)]
struct IssuedCode {
    request: AuthRequest,
    oid: String,
    issued: OffsetDateTime,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    oid: String,
    scopes: Vec<String>,
}

#[derive(Default)]
struct EsiaState {
    requests: HashMap<String, AuthRequest>,
    codes: HashMap<String, IssuedCode>,
    refresh: HashMap<String, RefreshGrant>,
}

/// The sandbox ESIA's shared state and keys.
#[derive(Clone)]
pub struct EsiaEmulator {
    state: Arc<Mutex<EsiaState>>,
    keys: Arc<TokenKeys>,
    signer: Arc<TestSigner>,
    clock: SharedClock,
    /// This ESIA's base URL (`iss`, links in the person API).
    base_url: String,
}

impl EsiaEmulator {
    pub fn new(base_url: String, clock: SharedClock) -> Self {
        EsiaEmulator {
            state: Arc::default(),
            keys: Arc::new(TokenKeys::generate()),
            signer: Arc::new(TestSigner::sandbox()),
            clock,
            base_url,
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/aas/oauth2/v2/ac", get(pages::authorize))
            .route("/aas/oauth2/v2/ac/login", post(pages::login))
            .route("/aas/oauth2/v2/ac/consent", post(pages::consent))
            .route("/aas/oauth2/v3/te", post(tokens::token))
            .route("/aas/oauth2/jwks", get(tokens::jwks))
            .route("/rs/prns/{oid}", get(person::person))
            .route("/rs/prns/{oid}/{collection}", get(person::collection))
            .route("/rs/prns/{oid}/{collection}/{id}", get(person::element))
            .route("/idp/ext/Logout", get(pages::logout))
            .with_state(self)
    }

    fn lock(&self) -> MutexGuard<'_, EsiaState> {
        // A poisoned lock only means another request panicked mid-update of test data.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Checks an access token for the orders API and the person API: signature, issuer, lifetime.
    pub fn verify_access_token(&self, token: &str) -> Result<AccessClaims, EsiaError> {
        self.keys.verify_access(token, &self.base_url, self.now())
    }
}

fn random_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    //! The whole ESIA code flow over HTTP, and every refusal with its ESIA code.

    use time::OffsetDateTime;

    use super::*;
    use crate::{
        clock::{Clock, ManualClock},
        esia::client::{EsiaClientError, Pkce},
        sandbox::test_flow::{REDIRECT_URI, Step, hidden_value, start, start_with_clock},
    };

    fn refused(result: Result<impl std::fmt::Debug, EsiaClientError>) -> String {
        match result {
            Err(EsiaClientError::Refused { description, .. }) => description,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn redirect_error(url: &url::Url) -> String {
        url.query_pairs()
            .find(|(k, _)| k == "error_description")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_confirmed_citizen_signs_in_with_pkce_and_reads_the_profile() {
        let sandbox = start().await;
        let scope = "openid fullname snils inn id_doc mobile email addresses";
        let tokens = sandbox.sign_in("1000299353", scope).await.expect("tokens");
        assert_eq!(
            (tokens.token_type.as_str(), tokens.expires_in),
            ("Bearer", 3600)
        );

        let claims = sandbox
            .state
            .esia
            .verify_access_token(&tokens.access_token)
            .expect("valid");
        assert_eq!(
            (claims.sbj_id.as_str(), claims.client_id.as_str()),
            ("1000299353", SANDBOX_CLIENT_ID)
        );
        let id: serde_json::Value =
            jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&tokens.id_token)
                .expect("id token")
                .claims;
        assert_eq!(id["urn:esia:sbj"]["lvl"], "PR");
        assert_eq!(id["urn:esia:sbj"]["is_tru"], true);
        assert_eq!(id["urn:esia:sbj"]["oid"], "1000299353");

        let person = sandbox
            .esia
            .person(&tokens.access_token, "1000299353")
            .await
            .expect("person");
        assert_eq!(
            (person["lastName"].as_str(), person["snils"].as_str()),
            (Some("Иванова"), Some("526-018-159 61"))
        );
        assert_eq!(person["documents"]["elements"][0]["series"], "4508");
        assert_eq!(person["contacts"]["size"], 2);
        assert_eq!(person["addresses"]["elements"][0]["type"], "PRG");
        assert!(
            person.get("birthDate").is_none(),
            "birthdate was not in scope"
        );
    }

    #[tokio::test]
    async fn a_standard_account_has_no_is_tru_and_is_stopped_where_a_confirmed_one_is_needed() {
        let sandbox = start().await;
        let tokens = sandbox
            .sign_in("1000299354", "openid fullname")
            .await
            .expect("tokens");
        let id = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(&tokens.id_token)
            .expect("id")
            .claims;
        assert_eq!(id["urn:esia:sbj"]["lvl"], "P");
        assert!(id["urn:esia:sbj"].get("is_tru").is_none());

        let back = sandbox
            .authorize("1000299354", &format!("openid {API_ORDER_SCOPE}"))
            .await
            .err()
            .expect("redirect");
        assert!(redirect_error(&back).starts_with("ESIA-007055"), "{back}");
    }

    #[tokio::test]
    async fn codes_are_single_use() {
        let sandbox = start().await;
        let (code, pkce) = sandbox
            .authorize("1000299353", "openid")
            .await
            .expect("code");
        let now = sandbox.clock.now();
        sandbox
            .esia
            .exchange_code(&code, "openid", REDIRECT_URI, &pkce.verifier, now)
            .await
            .expect("first");
        let again = sandbox
            .esia
            .exchange_code(&code, "openid", REDIRECT_URI, &pkce.verifier, now)
            .await;
        assert!(refused(again).starts_with("ESIA-007011"));
    }

    #[tokio::test]
    async fn codes_are_short_lived() {
        let clock = Arc::new(ManualClock::new(
            OffsetDateTime::UNIX_EPOCH + Duration::days(20_000),
        ));
        let sandbox = start_with_clock(clock.clone()).await;
        let (code, pkce) = sandbox
            .authorize("1000299353", "openid")
            .await
            .expect("code");
        clock.advance(CODE_LIFETIME + Duration::seconds(1));
        let late = sandbox
            .esia
            .exchange_code(&code, "openid", REDIRECT_URI, &pkce.verifier, clock.now())
            .await;
        assert!(refused(late).starts_with("ESIA-007011"));
    }

    #[tokio::test]
    async fn access_tokens_expire_by_the_sandbox_clock() {
        let clock = Arc::new(ManualClock::new(
            OffsetDateTime::UNIX_EPOCH + Duration::days(20_000),
        ));
        let sandbox = start_with_clock(clock.clone()).await;
        let tokens = sandbox
            .sign_in("1000299353", "openid fullname")
            .await
            .expect("tokens");
        assert!(
            sandbox
                .esia
                .person(&tokens.access_token, "1000299353")
                .await
                .is_ok()
        );
        clock.advance(ACCESS_LIFETIME);
        assert!(
            sandbox
                .esia
                .person(&tokens.access_token, "1000299353")
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_wrong_pkce_verifier_or_redirect_uri_is_refused() {
        let sandbox = start().await;
        let now = sandbox.clock.now();
        let (code, _) = sandbox
            .authorize("1000299353", "openid")
            .await
            .expect("code");
        let wrong = Pkce::generate().verifier;
        assert!(
            refused(
                sandbox
                    .esia
                    .exchange_code(&code, "openid", REDIRECT_URI, &wrong, now)
                    .await
            )
            .starts_with("ESIA-007011")
        );

        let (code, pkce) = sandbox
            .authorize("1000299353", "openid")
            .await
            .expect("code");
        let other = "http://okno.test/esia/callback/";
        let result = sandbox
            .esia
            .exchange_code(&code, "openid", other, &pkce.verifier, now)
            .await;
        assert!(refused(result).starts_with("ESIA-007023"));
    }

    #[tokio::test]
    async fn a_forged_client_secret_is_refused_on_both_calls() {
        let sandbox = start().await;
        let pkce = Pkce::generate();
        let url = sandbox
            .esia
            .authorization_url("openid", "s", REDIRECT_URI, &pkce, sandbox.clock.now())
            .expect("url");
        let forged = url.as_str().replace("state=s", "state=t"); // the signed string no longer matches
        let Step::Page(400, page) = sandbox.step(sandbox.http.get(forged)).await else {
            panic!("expected an error page")
        };
        assert!(page.contains("ESIA-007053"));
    }

    #[tokio::test]
    async fn unknown_scopes_and_denied_consent_come_back_as_esia_errors_with_the_state() {
        let sandbox = start().await;
        let pkce = Pkce::generate();
        let Step::Redirect(back) = sandbox.open("openid everything", "state-9", &pkce).await else {
            panic!("redirect")
        };
        assert!(redirect_error(&back).starts_with("ESIA-007006"));
        assert!(
            back.query_pairs()
                .any(|(k, v)| k == "state" && v == "state-9")
        );

        let Step::Page(200, page) = sandbox.open("openid", "state-2", &pkce).await else {
            panic!("page")
        };
        let request_id = hidden_value(&page, "request_id").expect("id");
        assert!(matches!(
            sandbox.choose(&request_id, "1000299353").await,
            Step::Page(200, _)
        ));
        let Step::Redirect(back) = sandbox.decide(&request_id, "1000299353", "deny").await else {
            panic!("redirect")
        };
        assert!(redirect_error(&back).starts_with("ESIA-007004"));
        // The request is finished: it cannot be replayed.
        assert!(matches!(
            sandbox.decide(&request_id, "1000299353", "allow").await,
            Step::Page(400, _)
        ));
    }

    #[tokio::test]
    async fn the_consent_page_shows_the_requested_permissions_and_refuses_garbled_ones() {
        use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
        let sandbox = start().await;
        let permissions = URL_SAFE_NO_PAD.encode(
            r#"[{"sysname":"APIPGU","purposes":[{"sysname":"APIPGU"}],"actions":[{"sysname":"ALL_ACTIONS_TO_DATA"}]}]"#,
        );
        let pkce = Pkce::generate();
        let url = sandbox
            .esia
            .authorization_url("openid", "p", REDIRECT_URI, &pkce, sandbox.clock.now())
            .expect("url");
        let Step::Page(200, page) = sandbox
            .step(sandbox.http.get(format!("{url}&permissions={permissions}")))
            .await
        else {
            panic!("sign-in page")
        };
        let request_id = hidden_value(&page, "request_id").expect("id");
        let Step::Page(200, consent) = sandbox.choose(&request_id, "1000299353").await else {
            panic!("consent")
        };
        assert!(
            consent.contains("разрешение APIPGU, цели: APIPGU"),
            "{consent}"
        );

        let Step::Redirect(back) = sandbox
            .step(sandbox.http.get(format!("{url}&permissions=%21%21")))
            .await
        else {
            panic!("redirect")
        };
        assert!(redirect_error(&back).starts_with("ESIA-007003"));
    }

    #[tokio::test]
    async fn a_token_of_one_citizen_does_not_read_another() {
        let sandbox = start().await;
        let tokens = sandbox
            .sign_in("1000299353", "openid fullname")
            .await
            .expect("tokens");
        assert!(
            sandbox
                .esia
                .person(&tokens.access_token, "1000299354")
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn refresh_tokens_rotate() {
        let sandbox = start().await;
        let tokens = sandbox
            .sign_in("1000299353", "openid")
            .await
            .expect("tokens");
        let refresh = |token: String| {
            let timestamp = crate::esia::client::tests_support::timestamp(sandbox.clock.now());
            let message = crate::esia::signer::signed_string(
                SANDBOX_CLIENT_ID,
                "openid",
                "",
                &timestamp,
                "r",
                REDIRECT_URI,
                None,
            );
            let secret =
                crate::esia::signer::ClientSecretSigner::sign(&TestSigner::sandbox(), &message)
                    .expect("sign");
            sandbox
                .http
                .post(sandbox.base.join("aas/oauth2/v3/te").expect("url"))
                .form(&[
                    ("client_id", SANDBOX_CLIENT_ID),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                    ("client_secret", secret.as_str()),
                    ("state", "r"),
                    ("redirect_uri", REDIRECT_URI),
                    ("scope", "openid"),
                    ("timestamp", timestamp.as_str()),
                ])
                .send()
        };
        let first = refresh(tokens.refresh_token.clone()).await.expect("send");
        assert_eq!(first.status(), 200);
        let reused = refresh(tokens.refresh_token).await.expect("send");
        assert_eq!(reused.status(), 400);
        let body: serde_json::Value = reused.json().await.expect("json");
        assert_eq!(body["error"], "invalid_grant");
    }
}
