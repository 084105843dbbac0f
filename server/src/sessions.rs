//! The tokens okno hands out, over storage: the signing-key ring (sealed, rotated by command,
//! the next key published before it signs), widget-session and citizen-access tokens,
//! refresh-token families rotated on every use, revocation (RFC 7009) and introspection
//! (RFC 7662). Revocation is checked on every verification, so it takes effect at once.

use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use crate::{
    clock::{SharedClock, unix_millis},
    sealing::{SealError, Sealer},
    storage::{RefreshOutcome, RefreshTokenRecord, SharedStorage, SigningKeyRecord, StorageError},
    tokens::{
        CitizenAccess, Claims, IssuedToken, KeyRing, TokenError, TokenIssuer, TokenKey, TokenKind,
        Verified, WidgetSession, hash_refresh_token, new_refresh_token,
    },
};

/// How long a citizen's sign-in lasts without being used, in seconds.
pub const REFRESH_LIFETIME: i64 = app::widget_api::REFRESH_SECONDS;
/// Seconds a replaced signing key keeps verifying after its successor starts signing: the
/// longest token lifetime plus leeway, so no token outlives the key that can verify it.
const RETIRE_AFTER: i64 = TokenKind::WidgetSession.max_lifetime() + 60;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Sealing(#[from] SealError),
}

impl SessionError {
    /// The stable code: a token's own, or `internal_error`.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::Token(error) => error.code(),
            SessionError::Storage(_) | SessionError::Sealing(_) => "internal_error",
        }
    }
}

/// A citizen's tokens after sign-in or refresh: a short access token and the refresh token
/// that replaces itself on every use.
#[derive(Clone)]
pub struct CitizenTokens {
    pub access: IssuedToken,
    pub refresh_token: String,
    /// Unix seconds.
    pub refresh_expires_at: i64,
}

/// A new signing key: published now, signing from `signs_from` (unix seconds).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RotatedKey {
    pub kid: String,
    pub signs_from: i64,
    pub previous_keys_retire_at: i64,
}

pub struct Sessions {
    storage: SharedStorage,
    sealer: Arc<Sealer>,
    clock: SharedClock,
    issuer: RwLock<Arc<TokenIssuer>>,
    issuer_url: String,
}

fn seconds(clock: &SharedClock) -> i64 {
    unix_millis(clock.now()) / 1_000
}

impl Sessions {
    /// Loads the signing keys; on first start creates the first one.
    pub async fn start(
        storage: SharedStorage,
        sealer: Arc<Sealer>,
        clock: SharedClock,
        issuer_url: String,
    ) -> Result<Sessions, SessionError> {
        let sessions = Sessions {
            storage,
            sealer,
            clock,
            issuer: RwLock::new(Arc::new(TokenIssuer::new(
                issuer_url.clone(),
                KeyRing::new(),
            ))),
            issuer_url,
        };
        if sessions.storage.signing_keys().await?.is_empty() {
            sessions.add_key(seconds(&sessions.clock), None).await?;
        }
        sessions.reload().await?;
        Ok(sessions)
    }

    async fn add_key(
        &self,
        not_before: i64,
        retire_others_at: Option<i64>,
    ) -> Result<String, SessionError> {
        let key = TokenKey::generate(None, not_before, &mut rand::rng())?;
        let record = SigningKeyRecord {
            kid: key.kid().to_owned(),
            sealed_secret: self.sealer.seal(&key.expose_secret_bytes(), key.kid())?,
            created_at: unix_millis(self.clock.now()),
            not_before: not_before * 1_000,
            retired_at: None,
        };
        let retire = retire_others_at.map(|at| at * 1_000);
        self.storage.add_signing_key(&record, retire).await?;
        Ok(record.kid)
    }

    /// Reads the ring from storage again (another process may have rotated it).
    pub async fn reload(&self) -> Result<(), SessionError> {
        let mut ring = KeyRing::new();
        for record in self.storage.signing_keys().await? {
            let secret = self.sealer.open(&record.sealed_secret, &record.kid)?;
            let retired = record.retired_at.map(|at| at / 1_000);
            ring.insert(TokenKey::from_secret(
                record.kid,
                &secret,
                record.not_before / 1_000,
                retired,
            )?)?;
        }
        let issuer = Arc::new(TokenIssuer::new(self.issuer_url.clone(), ring));
        *self
            .issuer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = issuer;
        Ok(())
    }

    fn issuer(&self) -> Arc<TokenIssuer> {
        self.issuer
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Adds a key published at once and signing after `publish_ahead` seconds, so verifiers
    /// that cache the JWKS learn it first; the current keys retire once their last tokens expire.
    pub async fn rotate_signing_key(&self, publish_ahead: i64) -> Result<RotatedKey, SessionError> {
        let signs_from = seconds(&self.clock) + publish_ahead.max(0);
        let retire_at = signs_from + RETIRE_AFTER;
        let kid = self.add_key(signs_from, Some(retire_at)).await?;
        self.reload().await?;
        Ok(RotatedKey {
            kid,
            signs_from,
            previous_keys_retire_at: retire_at,
        })
    }

    /// The published keys, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        self.issuer().jwks(seconds(&self.clock))
    }

    /// A new access token for a citizen already signed in (e.g. once they gave consent).
    pub fn issue_access(&self, claims: &CitizenAccess) -> Result<IssuedToken, SessionError> {
        Ok(self.issuer().issue(claims, seconds(&self.clock))?)
    }

    pub fn issue_widget_session(
        &self,
        claims: &WidgetSession,
    ) -> Result<IssuedToken, SessionError> {
        Ok(self.issuer().issue(claims, seconds(&self.clock))?)
    }

    async fn not_revoked<C>(&self, verified: Verified<C>) -> Result<Verified<C>, SessionError> {
        if self.storage.is_token_id_revoked(&verified.jti).await? {
            return Err(TokenError::Revoked.into());
        }
        Ok(verified)
    }

    async fn verify<C: Claims>(&self, token: &str) -> Result<Verified<C>, SessionError> {
        let verified = self.issuer().verify::<C>(token, seconds(&self.clock))?;
        self.not_revoked(verified).await
    }

    pub async fn verify_widget_session(
        &self,
        token: &str,
    ) -> Result<Verified<WidgetSession>, SessionError> {
        self.verify(token).await
    }

    pub async fn verify_access(
        &self,
        token: &str,
    ) -> Result<Verified<CitizenAccess>, SessionError> {
        self.verify(token).await
    }

    fn refresh_record(
        &self,
        token_hash: String,
        family_id: String,
        claims: &CitizenAccess,
    ) -> Result<RefreshTokenRecord, SessionError> {
        let now = seconds(&self.clock);
        Ok(RefreshTokenRecord {
            token_hash,
            family_id,
            partner_id: claims.partner_id.clone(),
            subject: claims.citizen_id.clone(),
            claims: serde_json::to_string(claims).map_err(|e| TokenError::Issue(e.to_string()))?,
            issued_at: now * 1_000,
            expires_at: (now + REFRESH_LIFETIME) * 1_000,
            used_at: None,
            revoked_at: None,
        })
    }

    /// After sign-in and consent: a new refresh-token family and its first access token.
    pub async fn start_citizen_session(
        &self,
        claims: &CitizenAccess,
    ) -> Result<CitizenTokens, SessionError> {
        let access = self.issuer().issue(claims, seconds(&self.clock))?;
        let (refresh_token, hash) = new_refresh_token(&mut rand::rng());
        let family = format!("fam_{:032x}", rand::random::<u128>());
        let record = self.refresh_record(hash, family, claims)?;
        self.storage.store_refresh_token(&record).await?;
        Ok(CitizenTokens {
            access,
            refresh_token,
            refresh_expires_at: record.expires_at / 1_000,
        })
    }

    /// Trades a refresh token for a new access token and a new refresh token. Presenting one
    /// that was already used revokes its whole family: someone else holds a copy.
    pub async fn refresh(&self, refresh_token: &str) -> Result<CitizenTokens, SessionError> {
        let presented = hash_refresh_token(refresh_token);
        let stored = self
            .storage
            .find_refresh_token(&presented)
            .await?
            .ok_or(TokenError::Invalid("unknown refresh token".to_owned()))?;
        let claims: CitizenAccess = serde_json::from_str(&stored.claims)
            .map_err(|e| TokenError::Malformed(e.to_string()))?;
        let (next_token, next_hash) = new_refresh_token(&mut rand::rng());
        let next = self.refresh_record(next_hash, stored.family_id.clone(), &claims)?;
        let now_ms = unix_millis(self.clock.now());
        match self
            .storage
            .use_refresh_token(&presented, &next, now_ms)
            .await?
        {
            RefreshOutcome::Rotated(_) => Ok(CitizenTokens {
                access: self.issuer().issue(&claims, now_ms / 1_000)?,
                refresh_token: next_token,
                refresh_expires_at: next.expires_at / 1_000,
            }),
            RefreshOutcome::Reused => {
                tracing::warn!(family = %stored.family_id, "refresh token reused: family revoked");
                Err(TokenError::Revoked.into())
            }
            RefreshOutcome::Revoked => Err(TokenError::Revoked.into()),
            RefreshOutcome::Expired => Err(TokenError::Expired {
                expired_at: stored.expires_at / 1_000,
                now: now_ms / 1_000,
            }
            .into()),
            RefreshOutcome::Unknown => {
                Err(TokenError::Invalid("unknown refresh token".to_owned()).into())
            }
        }
    }

    /// RFC 7009: revokes an access or refresh token of `partner_id`. Tokens that are unknown,
    /// invalid or another partner's are left alone without saying so (the RFC answers 200).
    pub async fn revoke(&self, token: &str, partner_id: &str) -> Result<(), SessionError> {
        let now_ms = unix_millis(self.clock.now());
        if let Some(stored) = self
            .storage
            .find_refresh_token(&hash_refresh_token(token))
            .await?
        {
            if stored.partner_id == partner_id {
                self.storage
                    .revoke_refresh_family(&stored.token_hash, now_ms)
                    .await?;
            }
            return Ok(());
        }
        if let Ok(verified) = self.issuer().verify::<CitizenAccess>(token, now_ms / 1_000)
            && verified.claims.partner_id == partner_id
        {
            self.storage
                .revoke_token_id(&verified.jti, verified.expires_at * 1_000)
                .await?;
        }
        Ok(())
    }

    /// RFC 7662: what an access or refresh token of `partner_id` is, or `{"active": false}`
    /// for anything else (unknown, expired, revoked, another partner's).
    pub async fn introspect(&self, token: &str, partner_id: &str) -> Result<Value, SessionError> {
        let now_ms = unix_millis(self.clock.now());
        let inactive = json!({ "active": false });
        if let Some(stored) = self
            .storage
            .find_refresh_token(&hash_refresh_token(token))
            .await?
        {
            let active = stored.partner_id == partner_id
                && stored.revoked_at.is_none()
                && stored.used_at.is_none()
                && stored.expires_at > now_ms;
            if !active {
                return Ok(inactive);
            }
            let claims: CitizenAccess = serde_json::from_str(&stored.claims)
                .map_err(|e| TokenError::Malformed(e.to_string()))?;
            return Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "client_id": partner_id,
                "sub": stored.subject,
                "scope": claims.scope,
                "iat": stored.issued_at / 1_000,
                "exp": stored.expires_at / 1_000,
                "iss": self.issuer_url,
            }));
        }
        match self.verify::<CitizenAccess>(token).await {
            Ok(verified) if verified.claims.partner_id == partner_id => Ok(json!({
                "active": true,
                "token_type": "access_token",
                "client_id": partner_id,
                "sub": verified.claims.citizen_id,
                "scope": verified.claims.scope,
                "consent_id": verified.claims.consent_id,
                "mode": verified.claims.mode,
                "aud": TokenKind::CitizenAccess.audience(),
                "iss": self.issuer_url,
                "jti": verified.jti,
                "iat": verified.issued_at,
                "nbf": verified.not_before,
                "exp": verified.expires_at,
            })),
            Ok(_) | Err(SessionError::Token(_)) => Ok(inactive),
            Err(other) => Err(other),
        }
    }
}
