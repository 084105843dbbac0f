//! okno's own tokens: Ed25519-signed JWTs, one `typ` and audience per kind (RFC 8725, RFC 9700).
//!
//! Every check takes `now` (unix seconds) as a parameter; nothing here reads the clock.
//! Verification refuses, roughly in this order: a token that is not three base64url parts with
//! a JSON-object header whose parameters are unique (`token_malformed`); a header with anything
//! but `alg`/`typ`/`kid`, an `alg` other than `EdDSA`, a `kid` not published in the ring, a bad
//! signature (`token_invalid`); missing or mistyped claims (`token_malformed`); another issuer
//! (`token_invalid`); a `typ` or `aud` of another kind (`token_wrong_kind`); a lifetime longer
//! than the kind allows (`token_invalid`); a token before its `nbf`/`iat`
//! (`token_not_yet_valid`) or at/after its `exp` (`token_expired`), both with the configured
//! leeway. Revocation (by `jti`, refresh-token families) is the caller's: `TokenError::Revoked`.

mod keys;
mod kinds;
mod refresh;
#[cfg(test)]
mod tests;

use std::sync::Once;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use keys::{KeyRing, TokenKey};
pub use kinds::{CitizenAccess, Claims, Mode, TokenKind, WidgetSession};
pub use refresh::{REFRESH_TOKEN_PREFIX, hash_refresh_token, new_refresh_token};

/// Default clock-skew allowance for `exp`, `nbf` and `iat`, in seconds.
pub const DEFAULT_LEEWAY: u32 = 5;

/// Longest token accepted for verification; okno's own are well under 1 KiB.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The only JOSE header parameters okno sets, and so the only ones it accepts. In particular
/// `jku`, `x5u`, `jwk`, `x5c` and `crit` are refused: keys come from the ring only.
const ACCEPTED_HEADER_PARAMS: [&str; 3] = ["alg", "typ", "kid"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("no token was presented")]
    Missing,
    #[error("the token is not a well-formed okno JWT: {0}")]
    Malformed(String),
    #[error("the token cannot be trusted: {0}")]
    Invalid(String),
    #[error("the token expired at {expired_at} (unix seconds; now is {now}): obtain a new token")]
    Expired { expired_at: i64, now: i64 },
    #[error(
        "the token is not valid before {valid_from} (unix seconds; now is {now}): \
         check the clocks of the issuing and the verifying host"
    )]
    NotYetValid { valid_from: i64, now: i64 },
    #[error(
        "expected a {expected} token (typ {:?}, aud {:?}), got {found}: \
         each kind of token is accepted only where it is meant to be used",
        expected.typ(),
        expected.audience()
    )]
    WrongKind { expected: TokenKind, found: String },
    #[error("the token has been revoked: obtain a new token")]
    Revoked,
    #[error("cannot issue a token: {0}")]
    Issue(String),
    #[error("invalid signing key: {0}")]
    Key(String),
}

impl TokenError {
    /// The stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::Missing => "token_missing",
            TokenError::Malformed(_) => "token_malformed",
            TokenError::Invalid(_) => "token_invalid",
            TokenError::Expired { .. } => "token_expired",
            TokenError::NotYetValid { .. } => "token_not_yet_valid",
            TokenError::WrongKind { .. } => "token_wrong_kind",
            TokenError::Revoked => "token_revoked",
            TokenError::Issue(_) => "token_issue_failed",
            TokenError::Key(_) => "token_key_invalid",
        }
    }
}

/// Makes jsonwebtoken use its RustCrypto backend for this process. jsonwebtoken picks it by
/// itself while `rust_crypto` is its only backend feature, but panics on first use if feature
/// unification ever also enables `aws_lc_rs`; installing explicitly removes that trap. Called by
/// [`TokenIssuer::new`]; call it at startup too if other code uses jsonwebtoken first. If another
/// provider was installed already, that one stays.
pub fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Err only means a provider is already in place, which is what we want.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    });
}

/// A signed token, ready to hand out.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub jti: String,
    /// `exp`, unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a bearer credential: keep it out of logs.
        f.debug_struct("IssuedToken")
            .field("token", &"[redacted]")
            .field("jti", &self.jti)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A token that passed every check, with its kind's claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified<C> {
    pub claims: C,
    /// For the caller's revocation check (then `TokenError::Revoked`).
    pub jti: String,
    /// The key that signed it.
    pub kid: String,
    pub issued_at: i64,
    pub not_before: i64,
    pub expires_at: i64,
}

/// The standard claims around a kind's own, as issued.
#[derive(Serialize)]
struct OutgoingClaims<'a, C> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: &'a str,
    #[serde(flatten)]
    claims: &'a C,
}

/// The standard claims around a kind's own, as received (after the signature check).
#[derive(Deserialize)]
struct IncomingClaims<C> {
    iss: String,
    aud: Value,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    #[serde(flatten)]
    claims: C,
}

/// The header, parsed by okno itself before jsonwebtoken sees the token.
struct CheckedHeader {
    typ: Option<String>,
    kid: String,
}

/// Issues and verifies okno's tokens with one issuer URL and one key ring.
#[derive(Debug)]
pub struct TokenIssuer {
    issuer: String,
    ring: KeyRing,
    leeway: i64,
}

impl TokenIssuer {
    /// `issuer` is the `iss` of every token issued and the only one accepted (compared exactly).
    pub fn new(issuer: impl Into<String>, ring: KeyRing) -> TokenIssuer {
        install_crypto_provider();
        TokenIssuer {
            issuer: issuer.into(),
            ring,
            leeway: i64::from(DEFAULT_LEEWAY),
        }
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default [`DEFAULT_LEEWAY`]).
    pub fn with_leeway(mut self, seconds: u32) -> TokenIssuer {
        self.leeway = i64::from(seconds);
        self
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    /// For rotation at run time (add the next key, retire the old one, prune).
    pub fn ring_mut(&mut self) -> &mut KeyRing {
        &mut self.ring
    }

    /// The JWK Set to serve at the JWKS endpoint.
    pub fn jwks(&self, now: i64) -> Value {
        self.ring.jwks(now)
    }

    /// Issues a token of `C`'s kind valid from `now` for the kind's longest lifetime.
    pub fn issue<C: Claims>(&self, claims: &C, now: i64) -> Result<IssuedToken, TokenError> {
        self.issue_for(claims, now, C::KIND.max_lifetime())
    }

    /// Issues a token valid from `now` for `lifetime` seconds (1 ..= the kind's maximum).
    pub fn issue_for<C: Claims>(
        &self,
        claims: &C,
        now: i64,
        lifetime: i64,
    ) -> Result<IssuedToken, TokenError> {
        let kind = C::KIND;
        if lifetime <= 0 || lifetime > kind.max_lifetime() {
            return Err(TokenError::Issue(format!(
                "a {kind} token lives 1 to {} seconds, not {lifetime}",
                kind.max_lifetime()
            )));
        }
        let key = self.ring.signing_key(now).ok_or_else(|| {
            TokenError::Issue(format!(
                "no key in the ring may sign at {now}: add one whose not_before is not later"
            ))
        })?;
        let jti = random_jti();
        let expires_at = now.saturating_add(lifetime);
        let outgoing = OutgoingClaims {
            iss: &self.issuer,
            aud: kind.audience(),
            iat: now,
            nbf: now,
            exp: expires_at,
            jti: &jti,
            claims,
        };
        let token = key.sign(kind.typ(), &outgoing)?;
        Ok(IssuedToken {
            token,
            jti,
            expires_at,
        })
    }

    pub fn verify_widget(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Verified<WidgetSession>, TokenError> {
        self.verify(token, now)
    }

    pub fn verify_access(
        &self,
        token: &str,
        now: i64,
    ) -> Result<Verified<CitizenAccess>, TokenError> {
        self.verify(token, now)
    }

    /// Verifies a token of `C`'s kind at `now`; see the module doc for the checks and codes.
    pub fn verify<C: Claims>(&self, token: &str, now: i64) -> Result<Verified<C>, TokenError> {
        let kind = C::KIND;
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed(format!(
                "{} bytes is longer than the {MAX_TOKEN_LEN} accepted",
                token.len()
            )));
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed(
                "a JWT is three base64url parts separated by dots".to_owned(),
            ));
        };
        if header.is_empty() || payload.is_empty() {
            return Err(TokenError::Malformed(
                "the header or the payload part is empty".to_owned(),
            ));
        }
        let header = check_header(header)?;
        let key = self.ring.verifying_key(&header.kid, now).ok_or_else(|| {
            TokenError::Invalid(format!(
                "key id {} is not one of okno's published signing keys",
                shown(&header.kid)
            ))
        })?;
        if signature.is_empty() {
            return Err(TokenError::Invalid("the token is not signed".to_owned()));
        }

        // Signature (and alg again), required claims, iss and aud. jsonwebtoken's exp/nbf checks
        // read the system clock, so they are off here and done below against `now`.
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[kind.audience()]);
        let data = jsonwebtoken::decode::<Value>(token, key.decoding_key(), &validation)
            .map_err(|e| from_jwt_error(&e, kind, header.typ.as_deref()))?;

        // Explicit typing (RFC 8725 §3.11): exactly this kind's typ, nothing else.
        if header.typ.as_deref() != Some(kind.typ()) {
            return Err(TokenError::WrongKind {
                expected: kind,
                found: match &header.typ {
                    Some(typ) => format!("typ {}", shown(typ)),
                    None => "a token without typ".to_owned(),
                },
            });
        }
        let incoming: IncomingClaims<C> = serde_json::from_value(data.claims).map_err(|e| {
            TokenError::Malformed(format!("the claims do not fit a {kind} token: {e}"))
        })?;
        // Stricter than jsonwebtoken, which also accepts arrays holding the expected value.
        if incoming.aud.as_str() != Some(kind.audience()) {
            return Err(TokenError::WrongKind {
                expected: kind,
                found: format!("aud {}", shown(&incoming.aud.to_string())),
            });
        }
        if incoming.iss != self.issuer {
            return Err(TokenError::Invalid(format!(
                "issued by {}, not by {}",
                shown(&incoming.iss),
                self.issuer
            )));
        }
        if incoming.jti.is_empty() {
            return Err(TokenError::Malformed("the jti claim is empty".to_owned()));
        }
        check_times(kind, &incoming, now, self.leeway)?;
        Ok(Verified {
            claims: incoming.claims,
            jti: incoming.jti,
            kid: header.kid,
            issued_at: incoming.iat,
            not_before: incoming.nbf,
            expires_at: incoming.exp,
        })
    }

    /// Signs arbitrary claims with the current key and `kind`'s typ: for tests that need tokens
    /// okno would never issue (too long, other issuer shapes, aud arrays).
    #[cfg(test)]
    fn sign_raw(&self, typ: &str, claims: &Value, now: i64) -> Result<String, TokenError> {
        self.ring
            .signing_key(now)
            .ok_or_else(|| TokenError::Issue("no signing key".to_owned()))?
            .sign(typ, claims)
    }
}

fn check_times<C>(
    kind: TokenKind,
    claims: &IncomingClaims<C>,
    now: i64,
    leeway: i64,
) -> Result<(), TokenError> {
    let (iat, nbf, exp) = (claims.iat, claims.nbf, claims.exp);
    if exp <= iat || exp <= nbf {
        return Err(TokenError::Invalid(format!(
            "it expires ({exp}) no later than it was issued ({iat}) or becomes valid ({nbf})"
        )));
    }
    let lifetime = exp.saturating_sub(iat.min(nbf));
    if lifetime > kind.max_lifetime() {
        return Err(TokenError::Invalid(format!(
            "it lives {lifetime} seconds, longer than the {} a {kind} token may",
            kind.max_lifetime()
        )));
    }
    let valid_from = iat.max(nbf);
    if valid_from > now.saturating_add(leeway) {
        return Err(TokenError::NotYetValid { valid_from, now });
    }
    if now >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired {
            expired_at: exp,
            now,
        });
    }
    Ok(())
}

/// A JSON object whose member names are unique: RFC 7515 §4 lets a parser either refuse
/// duplicate header parameters or keep the last; okno refuses them (jsonwebtoken's own header
/// parser errors on some duplicates, so keeping the last here would make the two disagree).
struct UniqueObject(serde_json::Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = UniqueObject;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UniqueObject, A::Error> {
                let mut members = serde_json::Map::new();
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    if members.contains_key(&name) {
                        return Err(serde::de::Error::custom(format_args!(
                            "parameter {} appears twice",
                            shown(&name)
                        )));
                    }
                    members.insert(name, value);
                }
                Ok(UniqueObject(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// Parses the header without trusting it: only `alg: "EdDSA"`, a string `kid` and an optional
/// string `typ` pass.
fn check_header(encoded: &str) -> Result<CheckedHeader, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|e| TokenError::Malformed(format!("the header is not base64url: {e}")))?;
    let UniqueObject(header) = serde_json::from_slice(&bytes)
        .map_err(|e| TokenError::Malformed(format!("the header is not a JSON object: {e}")))?;
    if let Some(name) = header
        .keys()
        .find(|name| !ACCEPTED_HEADER_PARAMS.contains(&name.as_str()))
    {
        return Err(TokenError::Invalid(format!(
            "header parameter {} is not accepted: okno tokens carry only alg, typ and kid",
            shown(name)
        )));
    }
    match header.get("alg").and_then(Value::as_str) {
        Some("EdDSA") => {}
        Some(alg) => {
            return Err(TokenError::Invalid(format!(
                "algorithm {} is not accepted: okno tokens are signed with EdDSA",
                shown(alg)
            )));
        }
        None => {
            return Err(TokenError::Invalid(
                "the header names no algorithm: okno tokens are signed with EdDSA".to_owned(),
            ));
        }
    }
    let kid = match header.get("kid") {
        Some(Value::String(kid)) => kid.clone(),
        _ => {
            return Err(TokenError::Invalid(
                "the header names no key id (kid)".to_owned(),
            ));
        }
    };
    let typ = match header.get("typ") {
        None => None,
        Some(Value::String(typ)) => Some(typ.clone()),
        Some(_) => {
            return Err(TokenError::Malformed(
                "the typ header is not a string".to_owned(),
            ));
        }
    };
    Ok(CheckedHeader { typ, kid })
}

/// Maps jsonwebtoken's refusal; `typ` is the (by then signature-checked) header `typ`.
fn from_jwt_error(
    error: &jsonwebtoken::errors::Error,
    kind: TokenKind,
    typ: Option<&str>,
) -> TokenError {
    match error.kind() {
        ErrorKind::InvalidSignature => TokenError::Invalid(
            "the signature does not match the token and the key it names".to_owned(),
        ),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm => TokenError::Invalid(
            "the algorithm is not accepted: okno tokens are signed with EdDSA".to_owned(),
        ),
        ErrorKind::InvalidIssuer => {
            TokenError::Invalid("the token was issued by someone else".to_owned())
        }
        ErrorKind::InvalidAudience => TokenError::WrongKind {
            expected: kind,
            found: format!(
                "a token for another audience (typ {})",
                typ.map_or_else(|| "absent".to_owned(), shown)
            ),
        },
        ErrorKind::MissingRequiredClaim(claim) => TokenError::Malformed(format!(
            "the {} claim is missing or not a valid value",
            shown(claim)
        )),
        ErrorKind::InvalidClaimFormat(claim) => {
            TokenError::Malformed(format!("the {} claim has the wrong type", shown(claim)))
        }
        ErrorKind::InvalidToken
        | ErrorKind::Base64(_)
        | ErrorKind::Json(_)
        | ErrorKind::Utf8(_) => TokenError::Malformed(error.to_string()),
        _ => TokenError::Invalid(error.to_string()),
    }
}

/// Untrusted text for a message: quoted, escaped, at most 64 characters.
fn shown(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut:?}…")
    }
}

/// 128 random bits, base64url.
fn random_jti() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}
