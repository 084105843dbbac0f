//! The ESIA OAuth client: the authorization URL (with PKCE and a signed `client_secret`),
//! the code exchange and the person API, over HTTP with timeouts.

use std::{sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use url::Url;

use super::{
    TIMESTAMP_FORMAT,
    signer::{ClientSecretSigner, SignerError, signed_string},
};

#[derive(Debug, thiserror::Error)]
pub enum EsiaClientError {
    #[error(transparent)]
    Signer(#[from] SignerError),
    #[error("ESIA refused: {error} ({description})")]
    Refused { error: String, description: String },
    #[error("ESIA unreachable or answered in an unexpected shape: {0}")]
    Transport(String),
}

impl From<reqwest::Error> for EsiaClientError {
    fn from(error: reqwest::Error) -> Self {
        EsiaClientError::Transport(error.without_url().to_string())
    }
}

/// Tokens as ESIA returns them from `/aas/oauth2/v3/te`.
#[derive(Debug, Clone, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
    pub state: String,
    pub token_type: String,
    pub expires_in: i64,
}

#[derive(Deserialize)]
struct TokenError {
    error: String,
    error_description: String,
}

/// A PKCE pair: the verifier stays with okno, the challenge goes to ESIA.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn generate() -> Self {
        let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// One registered system at one ESIA.
#[derive(Clone)]
pub struct EsiaClient {
    http: reqwest::Client,
    base: Url,
    client_id: String,
    signer: Arc<dyn ClientSecretSigner>,
}

/// ESIA's documents show Moscow time in `timestamp`.
fn esia_timestamp(now: OffsetDateTime) -> String {
    let moscow = UtcOffset::from_hms(3, 0, 0).unwrap_or(UtcOffset::UTC);
    now.to_offset(moscow)
        .format(TIMESTAMP_FORMAT)
        .unwrap_or_default()
}

impl EsiaClient {
    pub fn new(
        base: Url,
        client_id: &str,
        signer: Arc<dyn ClientSecretSigner>,
        timeout: Duration,
    ) -> Result<Self, EsiaClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(EsiaClient {
            http,
            base,
            client_id: client_id.to_owned(),
            signer,
        })
    }

    /// Where to send the citizen's browser to sign in.
    pub fn authorization_url(
        &self,
        scope: &str,
        state: &str,
        redirect_uri: &str,
        pkce: &Pkce,
        now: OffsetDateTime,
    ) -> Result<Url, EsiaClientError> {
        let timestamp = esia_timestamp(now);
        let secret = self.signer.sign(&signed_string(
            &self.client_id,
            scope,
            "",
            &timestamp,
            state,
            redirect_uri,
            None,
        ))?;
        let mut url = self
            .base
            .join("aas/oauth2/v2/ac")
            .map_err(|e| EsiaClientError::Transport(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("client_secret", &secret)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", scope)
            .append_pair("response_type", "code")
            .append_pair("state", state)
            .append_pair("timestamp", &timestamp)
            .append_pair("access_type", "online")
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    /// Exchanges an authorization code for tokens (a fresh `state`, signed with the code).
    pub async fn exchange_code(
        &self,
        code: &str,
        scope: &str,
        redirect_uri: &str,
        code_verifier: &str,
        now: OffsetDateTime,
    ) -> Result<Tokens, EsiaClientError> {
        let timestamp = esia_timestamp(now);
        let state = uuid_like();
        let secret = self.signer.sign(&signed_string(
            &self.client_id,
            scope,
            "",
            &timestamp,
            &state,
            redirect_uri,
            Some(code),
        ))?;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("code", code),
            ("grant_type", "authorization_code"),
            ("client_secret", secret.as_str()),
            ("state", state.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", scope),
            ("timestamp", timestamp.as_str()),
            ("token_type", "Bearer"),
            ("code_verifier", code_verifier),
        ];
        self.token_request(&form, &state).await
    }

    /// Renews an access token with its refresh token (which ESIA rotates: the answer carries the
    /// next one). Signed like a code exchange, without the code.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        redirect_uri: &str,
        now: OffsetDateTime,
    ) -> Result<Tokens, EsiaClientError> {
        let timestamp = esia_timestamp(now);
        let state = uuid_like();
        let secret = self.signer.sign(&signed_string(
            &self.client_id,
            "",
            "",
            &timestamp,
            &state,
            redirect_uri,
            None,
        ))?;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("refresh_token", refresh_token),
            ("grant_type", "refresh_token"),
            ("client_secret", secret.as_str()),
            ("state", state.as_str()),
            ("redirect_uri", redirect_uri),
            ("timestamp", timestamp.as_str()),
            ("token_type", "Bearer"),
        ];
        self.token_request(&form, &state).await
    }

    /// Posts to the token endpoint; the answer must echo this request's fresh `state`.
    async fn token_request(
        &self,
        form: &[(&str, &str)],
        state: &str,
    ) -> Result<Tokens, EsiaClientError> {
        let url = self
            .base
            .join("aas/oauth2/v3/te")
            .map_err(|e| EsiaClientError::Transport(e.to_string()))?;
        let response = self.http.post(url).form(form).send().await?;
        if response.status().is_success() {
            let tokens: Tokens = response.json().await?;
            if tokens.state != state {
                return Err(EsiaClientError::Refused {
                    error: "state_mismatch".to_owned(),
                    description: "ESIA answered with another request's state".to_owned(),
                });
            }
            return Ok(tokens);
        }
        let error: TokenError = response.json().await?;
        Err(EsiaClientError::Refused {
            error: error.error,
            description: error.error_description,
        })
    }

    /// `GET /rs/prns/{oid}?embed=(…)`: the citizen's profile as the token's scopes allow.
    pub async fn person(
        &self,
        access_token: &str,
        oid: &str,
    ) -> Result<serde_json::Value, EsiaClientError> {
        let mut url = self
            .base
            .join(&format!("rs/prns/{oid}"))
            .map_err(|e| EsiaClientError::Transport(e.to_string()))?;
        url.query_pairs_mut().append_pair(
            "embed",
            "(contacts.elements,addresses.elements,documents.elements)",
        );
        let response = self.http.get(url).bearer_auth(access_token).send().await?;
        if !response.status().is_success() {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            return Err(EsiaClientError::Refused {
                error: status.to_string(),
                description: body["code"].as_str().unwrap_or("").to_owned(),
            });
        }
        Ok(response.json().await?)
    }
}

/// ESIA asks for a UUID `state`; any 128 random bits in UUID form will do.
fn uuid_like() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
pub mod tests_support {
    /// The `timestamp` the client sends, for tests that build requests by hand.
    pub fn timestamp(now: time::OffsetDateTime) -> String {
        super::esia_timestamp(now)
    }
}
