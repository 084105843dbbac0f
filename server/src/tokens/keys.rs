//! Ed25519 signing keys with a key id, and the ring that rotates them and publishes the JWKS.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rand::CryptoRng;
use serde::Serialize;
use serde_json::{Value, json};

use super::TokenError;

/// Longest key id accepted when building a key.
const MAX_KID_LEN: usize = 64;

/// One Ed25519 key: signs from `not_before` (unix seconds) while it is the newest such key, and
/// verifies (and is published) until `retired_at`.
pub struct TokenKey {
    kid: String,
    not_before: i64,
    retired_at: Option<i64>,
    secret: SigningKey,
    public: [u8; 32],
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey")
            .field("kid", &self.kid)
            .field("not_before", &self.not_before)
            .field("retired_at", &self.retired_at)
            .field("x", &URL_SAFE_NO_PAD.encode(self.public))
            .field("secret", &"[redacted]")
            .finish()
    }
}

fn valid_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= MAX_KID_LEN
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl TokenKey {
    /// A key from its 32 secret bytes (the Ed25519 seed, as stored sealed by the caller).
    /// `kid`: 1–64 characters of `A-Z a-z 0-9 _ -`.
    pub fn from_secret(
        kid: impl Into<String>,
        secret: &[u8],
        not_before: i64,
        retired_at: Option<i64>,
    ) -> Result<TokenKey, TokenError> {
        let kid = kid.into();
        if !valid_kid(&kid) {
            return Err(TokenError::Key(format!(
                "key id {:?} must be 1–{MAX_KID_LEN} characters of A-Z, a-z, 0-9, '_' and '-'",
                super::shown(&kid)
            )));
        }
        let seed = <&[u8; 32]>::try_from(secret).map_err(|_| {
            TokenError::Key(format!(
                "an Ed25519 secret key is 32 bytes, got {} for key {kid}",
                secret.len()
            ))
        })?;
        let secret = SigningKey::from_bytes(seed);
        let public = secret.verifying_key().to_bytes();
        // jsonwebtoken's rust_crypto signer takes Ed25519 private keys only as PKCS#8 DER.
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| TokenError::Key(format!("cannot encode key {kid} as PKCS#8: {e}")))?;
        Ok(TokenKey {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            // Despite its name, `from_ed_der` takes the raw 32-byte public key.
            decoding: DecodingKey::from_ed_der(&public),
            kid,
            not_before,
            retired_at,
            secret,
            public,
        })
    }

    /// A fresh random key; `kid` defaults to `jwk_` + 16 random base64url characters.
    pub fn generate<R: CryptoRng + ?Sized>(
        kid: Option<String>,
        not_before: i64,
        rng: &mut R,
    ) -> Result<TokenKey, TokenError> {
        let kid = kid.unwrap_or_else(|| {
            let mut id = [0u8; 12];
            rng.fill_bytes(&mut id);
            format!("jwk_{}", URL_SAFE_NO_PAD.encode(id))
        });
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let key = TokenKey::from_secret(kid, &seed, not_before, None);
        seed.fill(0);
        key
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn not_before(&self) -> i64 {
        self.not_before
    }

    pub fn retired_at(&self) -> Option<i64> {
        self.retired_at
    }

    /// The raw Ed25519 public key (JWK `x` before base64url).
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// The 32 secret bytes, for the caller to store sealed. Handle with care.
    pub fn expose_secret_bytes(&self) -> [u8; 32] {
        self.secret.to_bytes()
    }

    /// Published while not retired: including before `not_before`, so verifiers can fetch the
    /// next key before any token carries it.
    pub fn is_published(&self, now: i64) -> bool {
        self.retired_at.is_none_or(|retired| now < retired)
    }

    fn may_sign(&self, now: i64) -> bool {
        self.not_before <= now && self.is_published(now)
    }

    /// The public JWK (RFC 8037 §2).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.public),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }

    /// Signs `claims` with header `{"typ": typ, "alg": "EdDSA", "kid": kid}` and nothing else.
    pub(super) fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| TokenError::Issue(format!("signing with key {} failed: {e}", self.kid)))
    }

    pub(super) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

/// The issuer's keys. Signs with the newest key whose `not_before` has come; verifies with, and
/// publishes, every key not retired.
///
/// Rotation: add the next key with a `not_before` at least one JWKS cache lifetime ahead (it is
/// published at once); once it signs, retire the old key at a time later than the `exp` of the
/// last token it signed (its successor's `not_before` + the longest token lifetime + leeway).
#[derive(Debug, Default)]
pub struct KeyRing {
    /// Ordered by `not_before`, then by insertion.
    keys: Vec<TokenKey>,
}

impl KeyRing {
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    /// Adds a key; its `kid` must be new to the ring.
    pub fn insert(&mut self, key: TokenKey) -> Result<(), TokenError> {
        if self.keys.iter().any(|k| k.kid == key.kid) {
            return Err(TokenError::Key(format!(
                "the key ring already holds a key with id {}",
                key.kid
            )));
        }
        let at = self
            .keys
            .partition_point(|k| k.not_before <= key.not_before);
        self.keys.insert(at, key);
        Ok(())
    }

    /// Generates a key (see [`TokenKey::generate`]), adds it, and returns it so the caller can
    /// store its secret sealed.
    pub fn generate_key<R: CryptoRng + ?Sized>(
        &mut self,
        kid: Option<String>,
        not_before: i64,
        rng: &mut R,
    ) -> Result<&TokenKey, TokenError> {
        let key = TokenKey::generate(kid, not_before, rng)?;
        let kid = key.kid.clone();
        self.insert(key)?;
        self.get(&kid)
            .ok_or_else(|| TokenError::Key(format!("key {kid} vanished from the ring")))
    }

    /// Sets when a key stops verifying (and stops being published).
    pub fn retire(&mut self, kid: &str, at: i64) -> Result<(), TokenError> {
        let key = self
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| TokenError::Key(format!("no key with id {kid} in the ring")))?;
        key.retired_at = Some(at);
        Ok(())
    }

    /// Drops keys retired at or before `now`.
    pub fn prune(&mut self, now: i64) {
        self.keys.retain(|k| k.is_published(now));
    }

    pub fn get(&self, kid: &str) -> Option<&TokenKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    pub fn keys(&self) -> impl Iterator<Item = &TokenKey> {
        self.keys.iter()
    }

    /// The key that signs at `now`: the newest whose `not_before <= now`, not retired.
    pub fn signing_key(&self, now: i64) -> Option<&TokenKey> {
        self.keys.iter().rev().find(|k| k.may_sign(now))
    }

    /// The key that verifies a token whose header names `kid` (untrusted: only looked up).
    pub fn verifying_key(&self, kid: &str, now: i64) -> Option<&TokenKey> {
        self.keys
            .iter()
            .find(|k| k.kid == kid && k.is_published(now))
    }

    /// The keys published at `now`.
    pub fn published(&self, now: i64) -> impl Iterator<Item = &TokenKey> {
        self.keys.iter().filter(move |k| k.is_published(now))
    }

    /// The JWK Set (RFC 7517 §5) of the keys published at `now`.
    pub fn jwks(&self, now: i64) -> Value {
        let keys: Vec<Value> = self.published(now).map(TokenKey::jwk).collect();
        json!({ "keys": keys })
    }
}
