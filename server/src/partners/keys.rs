//! A partner's request-signing keys: rotating HMAC secrets with an overlap, registering Ed25519
//! public keys, revoking at once, and opening a stored key to verify a signature with.

use app::partner::Mode;
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::pkcs8::DecodePublicKey;

use super::{PartnerError, Partners, random_token};
use crate::{
    clock::unix_millis,
    gateway::network::parse_networks,
    signatures::{Algorithm, VerifyingKey},
    storage::SecretKeyRecord,
};

/// A key just added: what the partner needs, shown once.
#[derive(Clone, serde::Serialize)]
pub struct AddedKey {
    pub key_id: String,
    pub partner_id: String,
    pub mode: Mode,
    pub algorithm: &'static str,
    /// The HMAC secret (`sk_…`); absent for a registered public key.
    pub secret_key: Option<String>,
    /// Until when (unix milliseconds) the keys it replaces keep verifying.
    pub previous_keys_expire_at: Option<i64>,
}

impl std::fmt::Debug for AddedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddedKey")
            .field("key_id", &self.key_id)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// Why a key id in a signed request cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyRefusal {
    #[error("no key has this keyid; check the key id printed next to your secret")]
    Unknown,
    #[error("this key was revoked or replaced; sign with your current key")]
    Revoked,
    #[error("the key could not be read")]
    Internal,
}

impl KeyRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            KeyRefusal::Unknown => "key_unknown",
            KeyRefusal::Revoked => "key_revoked",
            KeyRefusal::Internal => "internal_error",
        }
    }
}

/// Reads an Ed25519 public key given as base64 of its 32 bytes or as a PEM `PUBLIC KEY`.
fn parse_public_key(text: &str) -> Result<ed25519_dalek::VerifyingKey, PartnerError> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return ed25519_dalek::VerifyingKey::from_public_key_pem(text)
            .map_err(|_| PartnerError::InvalidPublicKey);
    }
    let bytes: [u8; 32] = STANDARD
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(PartnerError::InvalidPublicKey)?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| PartnerError::InvalidPublicKey)
}

impl Partners {
    async fn require_partner(&self, partner_id: &str) -> Result<(), PartnerError> {
        match self.storage.find_partner(partner_id).await? {
            Some(_) => Ok(()),
            None => Err(PartnerError::NoSuchPartner(partner_id.to_owned())),
        }
    }

    /// Stores `record` as the partner's newest key of its mode; the older keys of that mode keep
    /// verifying for `overlap` (then expire), so the partner can switch without downtime.
    async fn add_key(
        &self,
        record: SecretKeyRecord,
        secret_key: Option<String>,
        overlap: time::Duration,
    ) -> Result<AddedKey, PartnerError> {
        let until = record.created_at + i64::try_from(overlap.whole_milliseconds()).unwrap_or(0);
        self.storage.add_secret_key(&record, Some(until)).await?;
        Ok(AddedKey {
            algorithm: if record.algorithm == Algorithm::Ed25519.name() {
                Algorithm::Ed25519.name()
            } else {
                Algorithm::HmacSha256.name()
            },
            key_id: record.key_id,
            partner_id: record.partner_id,
            mode: record.mode,
            secret_key,
            previous_keys_expire_at: Some(until),
        })
    }

    /// A new HMAC secret for `mode`, replacing the current ones after `overlap`.
    pub async fn rotate_secret_key(
        &self,
        partner_id: &str,
        mode: Mode,
        overlap: time::Duration,
    ) -> Result<AddedKey, PartnerError> {
        self.require_partner(partner_id).await?;
        let now = unix_millis(self.clock.now());
        let (_, secret, record) = self.new_secret_key(partner_id, mode, now)?;
        self.add_key(record, Some(secret), overlap).await
    }

    /// Registers a partner's Ed25519 public key for `mode`, replacing the current keys after
    /// `overlap`. Sealed like a secret so an edited row cannot swap in another key.
    pub async fn register_public_key(
        &self,
        partner_id: &str,
        mode: Mode,
        public_key: &str,
        overlap: time::Duration,
    ) -> Result<AddedKey, PartnerError> {
        let key = parse_public_key(public_key)?;
        self.require_partner(partner_id).await?;
        let now = unix_millis(self.clock.now());
        let key_id = format!("key_{}", random_token(24).to_lowercase());
        let sealed_secret = self.sealer.seal(key.as_bytes(), &key_id)?;
        let record = SecretKeyRecord {
            key_id,
            partner_id: partner_id.to_owned(),
            mode,
            algorithm: Algorithm::Ed25519.name().to_owned(),
            sealed_secret,
            created_at: now,
            revoked_at: None,
            expires_at: None,
        };
        self.add_key(record, None, overlap).await
    }

    /// Revokes a signing key; the next request signed with it is refused.
    pub async fn revoke_secret_key(&self, key_id: &str) -> Result<(), PartnerError> {
        let at = unix_millis(self.clock.now());
        match self.storage.revoke_secret_key(key_id, at).await? {
            true => Ok(()),
            false => Err(PartnerError::NoSuchKey(key_id.to_owned())),
        }
    }

    /// Replaces the networks the partner's Partner API calls may come from (empty: anywhere).
    pub async fn set_networks(
        &self,
        partner_id: &str,
        networks: &[String],
    ) -> Result<Vec<String>, PartnerError> {
        let parsed = parse_networks(networks)?;
        let mut normalised: Vec<String> = parsed.iter().map(ToString::to_string).collect();
        normalised.sort();
        normalised.dedup();
        match self
            .storage
            .set_partner_networks(partner_id, &normalised)
            .await?
        {
            true => Ok(normalised),
            false => Err(PartnerError::NoSuchPartner(partner_id.to_owned())),
        }
    }

    /// The stored key behind a request's `keyid`, opened, if it may verify at `now_ms`.
    pub async fn verifying_key(
        &self,
        key_id: &str,
        now_ms: i64,
    ) -> Result<(SecretKeyRecord, VerifyingKey), KeyRefusal> {
        let record = self
            .storage
            .find_secret_key(key_id)
            .await
            .map_err(|error| {
                tracing::error!(%error, "key lookup failed");
                KeyRefusal::Internal
            })?
            .ok_or(KeyRefusal::Unknown)?;
        if record.revoked_at.is_some() || record.expires_at.is_some_and(|at| at <= now_ms) {
            return Err(KeyRefusal::Revoked);
        }
        let opened = self
            .sealer
            .open(&record.sealed_secret, &record.key_id)
            .map_err(|error| {
                tracing::error!(%error, key_id, "stored key does not open");
                KeyRefusal::Internal
            })?;
        let key = match record.algorithm.parse::<Algorithm>() {
            Ok(Algorithm::HmacSha256) => VerifyingKey::Hmac(opened),
            Ok(Algorithm::Ed25519) => {
                let bytes: [u8; 32] = opened.try_into().map_err(|_| KeyRefusal::Internal)?;
                VerifyingKey::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                        .map_err(|_| KeyRefusal::Internal)?,
                )
            }
            Err(_) => return Err(KeyRefusal::Internal),
        };
        Ok((record, key))
    }
}
