//! The sandbox ESIA's token endpoint and its JWTs (EdDSA here; the live ESIA signs with GOST).

use std::collections::HashMap;

use axum::{
    Form, Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{
    ACCESS_LIFETIME, CODE_LIFETIME, EsiaEmulator, EsiaError, RefreshGrant, SANDBOX_CLIENT_ID,
    errors, random_id,
};
use crate::{
    esia::signer::signed_string,
    sandbox::citizens::{self, AccountLevel},
};

/// The sandbox's token-signing key pair (a fresh one per sandbox start).
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    /// The public key, base64url (JWK `x`).
    public_x: String,
}

impl TokenKeys {
    pub fn generate() -> Self {
        let signing = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let public = signing.verifying_key().to_bytes();
        // PKCS#8 encoding of a fresh in-memory key cannot fail; an empty key would fail every
        // signature loudly rather than silently.
        let der = signing
            .to_pkcs8_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default();
        TokenKeys {
            encoding: EncodingKey::from_ed_der(&der),
            decoding: DecodingKey::from_ed_der(&public),
            kid: format!("sandbox-{}", &random_id()[..12]),
            public_x: URL_SAFE_NO_PAD.encode(public),
        }
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, EsiaError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|_| errors::BAD_REQUEST)
    }

    /// Signature, issuer and lifetime of an access token, against the given time.
    pub fn verify_access(
        &self,
        token: &str,
        issuer: &str,
        now: OffsetDateTime,
    ) -> Result<AccessClaims, EsiaError> {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[issuer]);
        // Lifetime is checked below against the injected clock, not the system's.
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation)
            .map_err(|_| errors::INVALID_GRANT)?;
        let now = now.unix_timestamp();
        if data.claims.exp <= now || data.claims.nbf > now {
            return Err(errors::INVALID_GRANT);
        }
        Ok(data.claims)
    }
}

/// Claims of an ESIA access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    #[serde(rename = "urn:esia:sbj_id")]
    pub sbj_id: String,
    pub scope: String,
    pub client_id: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
}

impl AccessClaims {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope
            .split_whitespace()
            .any(|granted| granted == scope)
    }
}

#[derive(Debug, Serialize)]
struct Subject {
    typ: &'static str,
    lvl: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_tru: Option<bool>,
    oid: String,
    nam: String,
}

#[derive(Debug, Serialize)]
struct IdClaims {
    iss: String,
    sub: String,
    aud: String,
    auth_time: i64,
    amr: &'static str,
    #[serde(rename = "urn:esia:amd")]
    amd: &'static str,
    #[serde(rename = "urn:esia:sbj")]
    sbj: Subject,
    exp: i64,
    nbf: i64,
    iat: i64,
}

fn token_error(error: EsiaError, state: Option<&String>) -> Response {
    let body = json!({
        "error": error.error,
        "error_description": error.error_description(),
        "state": state,
    });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// `POST /aas/oauth2/v3/te`: code or refresh token → access, id and refresh tokens.
pub async fn token(
    State(esia): State<EsiaEmulator>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let state = form.get("state");
    match issue(&esia, &form) {
        Ok(body) => Json(body).into_response(),
        Err(error) => token_error(error, state),
    }
}

fn required<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a str, EsiaError> {
    form.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or(errors::MISSING_PARAMETER)
}

fn issue(
    esia: &EsiaEmulator,
    form: &HashMap<String, String>,
) -> Result<serde_json::Value, EsiaError> {
    let grant_type = required(form, "grant_type")?;
    let client_id = required(form, "client_id")?;
    let client_secret = required(form, "client_secret")?;
    let timestamp = required(form, "timestamp")?;
    let state = required(form, "state")?;
    let redirect_uri = required(form, "redirect_uri")?;
    let scope = form.get("scope").map(String::as_str).unwrap_or("");
    let scope_org = form.get("scope_org").map(String::as_str).unwrap_or("");
    if client_id != SANDBOX_CLIENT_ID {
        return Err(errors::UNKNOWN_CLIENT);
    }
    super::pages::check_timestamp(esia, timestamp)?;
    let now = esia.now();

    // The signed string ends with the code for a code exchange, with nothing for a refresh.
    let code = match grant_type {
        "authorization_code" => Some(required(form, "code")?),
        "refresh_token" => None,
        _ => return Err(errors::BAD_REQUEST),
    };
    let message = signed_string(
        client_id,
        scope,
        scope_org,
        timestamp,
        state,
        redirect_uri,
        code,
    );
    if !esia.signer.verify(&message, client_secret) {
        return Err(errors::SECRET_WRONG);
    }

    let (oid, scopes) = match code {
        Some(code) => {
            // Single use: the code is gone whatever happens next.
            let issued = esia
                .lock()
                .codes
                .remove(code)
                .ok_or(errors::INVALID_GRANT)?;
            if now - issued.issued > CODE_LIFETIME || issued.request.client_id != client_id {
                return Err(errors::INVALID_GRANT);
            }
            if issued.request.redirect_uri != redirect_uri {
                return Err(errors::REDIRECT_MISMATCH);
            }
            if let Some(challenge) = &issued.request.code_challenge {
                let verifier = form.get("code_verifier").ok_or(errors::INVALID_GRANT)?;
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if &computed != challenge {
                    return Err(errors::INVALID_GRANT);
                }
            }
            (issued.oid, issued.request.scopes)
        }
        None => {
            let refresh_token = required(form, "refresh_token")?;
            // Rotated on every use: the old refresh token stops working.
            let grant = esia
                .lock()
                .refresh
                .remove(refresh_token)
                .ok_or(errors::INVALID_GRANT)?;
            if grant.client_id != client_id {
                return Err(errors::INVALID_GRANT);
            }
            (grant.oid, grant.scopes)
        }
    };

    let citizen = citizens::find(&oid).ok_or(errors::INVALID_GRANT)?;
    let iat = now.unix_timestamp();
    let exp = (now + ACCESS_LIFETIME).unix_timestamp();
    let access = AccessClaims {
        iss: esia.base_url.clone(),
        sbj_id: oid.clone(),
        scope: scopes.join(" "),
        client_id: client_id.to_owned(),
        exp,
        nbf: iat,
        iat,
        jti: random_id(),
    };
    let id = IdClaims {
        iss: esia.base_url.clone(),
        sub: oid.clone(),
        aud: client_id.to_owned(),
        auth_time: iat,
        amr: "PWD",
        amd: "PWD",
        sbj: Subject {
            typ: "P",
            lvl: citizens::esia_lvl(citizen.level),
            is_tru: (citizen.level == AccountLevel::Confirmed).then_some(true),
            oid: oid.clone(),
            nam: format!("OID.{oid}"),
        },
        exp,
        nbf: iat,
        iat,
    };
    let refresh_token = random_id();
    esia.lock().refresh.insert(
        refresh_token.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            oid,
            scopes,
        },
    );
    Ok(json!({
        "access_token": esia.keys.sign(&access)?,
        "id_token": esia.keys.sign(&id)?,
        "refresh_token": refresh_token,
        "state": state,
        "token_type": "Bearer",
        "expires_in": ACCESS_LIFETIME.whole_seconds(),
    }))
}

/// The sandbox's token-verification key as a JWK set (the live ESIA publishes a certificate).
pub async fn jwks(State(esia): State<EsiaEmulator>) -> Json<serde_json::Value> {
    Json(json!({
        "keys": [{ "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": esia.keys.kid, "x": esia.keys.public_x }]
    }))
}
