//! Opaque refresh tokens: `rt_` + 32 random bytes (base64url); storage keeps only their SHA-256.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::CryptoRng;

/// Prefix of every refresh token (lets secret scanners and log filters recognise them).
pub const REFRESH_TOKEN_PREFIX: &str = "rt_";

/// A new refresh token and its hash: hand the token to the client once, store only the hash.
pub fn new_refresh_token<R: CryptoRng + ?Sized>(rng: &mut R) -> (String, String) {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    let token = format!("{REFRESH_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    bytes.fill(0);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token: lowercase hex SHA-256 of the whole token string.
/// A presented token is looked up by this hash; no constant-time comparison is needed since
/// the hash, not the token, is what is compared.
pub fn hash_refresh_token(token: &str) -> String {
    crate::digest::sha256_hex(token)
}
