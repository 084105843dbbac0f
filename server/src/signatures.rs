//! RFC 9421 HTTP Message Signatures: okno's profile for signed Partner API requests.
//!
//! A signed request carries three headers:
//!
//! ```text
//! Content-Digest: sha-256=:<base64 of SHA-256(raw body)>:
//! Signature-Input: sig1=("@method" "@authority" "@path" "@query" "content-digest" "content-type");created=1764260000;expires=1764260300;nonce="<random>";keyid="<key id>";tag="okno"
//! Signature: sig1=:<base64 signature>:
//! ```
//!
//! Verification is two steps so the key store is only consulted for requests that are well
//! formed, fresh and carry the body they claim: [`inspect`] checks everything that needs no key
//! and returns the claims ([`SignedRequest`]); the caller looks the key up by `keyid` and calls
//! [`SignedRequest::verify`], then records the nonce. The algorithm comes from the stored key,
//! never from the request.

use std::{fmt, str::FromStr};

use ed25519_dalek::Signer as _;
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue, request::Parts};
use sfv::{
    BareItem, DictSerializer, Dictionary, FieldType as _, InnerList, Item, KeyRef, ListEntry,
    ListSerializer, Parameters, Parser, StringRef, key_ref,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The longest a signature may be valid for: `expires - created`.
pub const MAX_WINDOW_SECONDS: i64 = 300;
/// How far a signer's clock may run ahead of ours.
pub const DEFAULT_SKEW_SECONDS: i64 = 30;
/// The `tag` parameter that marks okno's signature among others on the same request.
pub const TAG: &str = "okno";
/// The label [`sign`] uses; verification finds the signature by its tag, not its label.
pub const LABEL: &str = "sig1";

/// Components every signature must cover; `content-type` joins them when there is a body.
const REQUIRED_COMPONENTS: [&str; 5] =
    ["@method", "@authority", "@path", "@query", "content-digest"];
const CONTENT_TYPE: &str = "content-type";
const CONTENT_DIGEST: &str = "content-digest";
const SIGNATURE_INPUT: &str = "signature-input";
const SIGNATURE: &str = "signature";
// Checked at compile time (`key_ref` is const).
const SHA_256: &KeyRef = key_ref("sha-256");
const CREATED: &KeyRef = key_ref("created");
const EXPIRES: &KeyRef = key_ref("expires");
const NONCE: &KeyRef = key_ref("nonce");
const KEYID: &KeyRef = key_ref("keyid");
const TAG_KEY: &KeyRef = key_ref("tag");
const LABEL_KEY: &KeyRef = key_ref(LABEL);

const HMAC_SIGNATURE_LEN: usize = 32;
const ED25519_SIGNATURE_LEN: usize = 64;

/// A signature algorithm, pinned per key by whoever stores the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    Ed25519,
}

impl Algorithm {
    /// The RFC 9421 algorithm name, as stored with a key and as in an `alg` parameter.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown signature algorithm {0:?}: expected hmac-sha256 or ed25519")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "hmac-sha256" => Ok(Algorithm::HmacSha256),
            "ed25519" => Ok(Algorithm::Ed25519),
            other => Err(UnknownAlgorithm(other.to_owned())),
        }
    }
}

/// The key a partner's signature is checked with.
#[derive(Clone)]
pub enum VerifyingKey {
    /// The shared secret: the UTF-8 bytes of the whole secret string (`sk_test_…`).
    Hmac(Vec<u8>),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyingKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            VerifyingKey::Hmac(_) => Algorithm::HmacSha256,
            VerifyingKey::Ed25519(_) => Algorithm::Ed25519,
        }
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A shared secret signs as well as verifies: never print it.
            VerifyingKey::Hmac(secret) => write!(f, "Hmac([redacted; {} bytes])", secret.len()),
            VerifyingKey::Ed25519(key) => f.debug_tuple("Ed25519").field(key).finish(),
        }
    }
}

/// The key a partner signs with: used by tests, the benchmark and documentation examples.
#[derive(Clone)]
pub enum SigningKey {
    Hmac(Vec<u8>),
    Ed25519(ed25519_dalek::SigningKey),
}

impl SigningKey {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Hmac(_) => Algorithm::HmacSha256,
            SigningKey::Ed25519(_) => Algorithm::Ed25519,
        }
    }

    /// The key okno would store to verify this key's signatures.
    pub fn verifying_key(&self) -> VerifyingKey {
        match self {
            SigningKey::Hmac(secret) => VerifyingKey::Hmac(secret.clone()),
            SigningKey::Ed25519(key) => VerifyingKey::Ed25519(key.verifying_key()),
        }
    }

    fn sign_base(&self, base: &[u8]) -> Result<Vec<u8>, SignatureError> {
        match self {
            SigningKey::Hmac(secret) => {
                let mut mac = hmac_sha256(secret)?;
                mac.update(base);
                Ok(mac.finalize().into_bytes().to_vec())
            }
            SigningKey::Ed25519(key) => Ok(key.sign(base).to_bytes().to_vec()),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningKey::Hmac(secret) => write!(f, "Hmac([redacted; {} bytes])", secret.len()),
            SigningKey::Ed25519(key) => {
                write!(f, "Ed25519([redacted], public: {:?})", key.verifying_key())
            }
        }
    }
}

/// Why a request's signature is refused; [`SignatureError::code`] is the API error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed: send the Signature-Input and Signature headers (RFC 9421)")]
    Missing,
    #[error("the request signature is malformed: {0}")]
    Malformed(String),
    /// A component the profile requires is not covered, or a covered one is not in the request.
    #[error("{0}")]
    ComponentMissing(String),
    #[error(
        "the signature is valid for too long: expires may be at most {max_seconds} seconds after created"
    )]
    WindowTooLong { max_seconds: i64 },
    #[error(
        "the signature has expired: sign each request just before sending it, with a fresh created and expires"
    )]
    Expired,
    #[error(
        "the signature's created time is in the future: check the clock of the machine that signs"
    )]
    NotYetValid,
    #[error(
        "Content-Digest does not match the body: hash exactly the bytes sent, after any compression"
    )]
    DigestMismatch,
    #[error(
        "the signature does not verify: check the key, its algorithm, and that the signature base is built from the request as sent"
    )]
    Invalid,
}

impl SignatureError {
    /// The stable error code a partner's code can match on.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing => "signature_missing",
            SignatureError::Malformed(_) => "signature_malformed",
            SignatureError::ComponentMissing(_) => "component_missing",
            SignatureError::WindowTooLong { .. } => "signature_window_too_long",
            SignatureError::Expired => "signature_expired",
            SignatureError::NotYetValid => "signature_not_yet_valid",
            SignatureError::DigestMismatch => "digest_mismatch",
            SignatureError::Invalid => "signature_invalid",
        }
    }
}

fn malformed(reason: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(reason.into())
}

/// Time limits, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// The longest `expires - created` accepted.
    pub max_window: i64,
    /// How far `created` may be ahead of our clock.
    pub skew: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_window: MAX_WINDOW_SECONDS,
            skew: DEFAULT_SKEW_SECONDS,
        }
    }
}

/// A request whose signature is well formed, fresh and covers its body; not yet verified.
#[derive(Debug, Clone)]
pub struct SignedRequest {
    pub key_id: String,
    pub nonce: String,
    pub created: i64,
    pub expires: i64,
    base: String,
    signature: Vec<u8>,
    alg: Option<String>,
}

impl SignedRequest {
    /// Step 2, after the caller has looked the key up by `key_id` (and before it records the
    /// nonce, so a forged request cannot burn a partner's nonce).
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), SignatureError> {
        // The key decides the algorithm; a request claiming another one is refused rather
        // than ignored, so a confused signer learns early.
        if self
            .alg
            .as_deref()
            .is_some_and(|alg| alg != key.algorithm().name())
        {
            return Err(SignatureError::Invalid);
        }
        verify_base(key, self.base.as_bytes(), &self.signature)
    }
}

fn hmac_sha256(secret: &[u8]) -> Result<Hmac<Sha256>, SignatureError> {
    // HMAC takes keys of any length, so this does not fail in practice.
    Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::Invalid)
}

fn verify_base(key: &VerifyingKey, base: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    match key {
        VerifyingKey::Hmac(secret) => {
            if signature.len() != HMAC_SIGNATURE_LEN {
                return Err(SignatureError::Invalid);
            }
            let mut mac = hmac_sha256(secret)?;
            mac.update(base);
            // Constant time: a byte-by-byte comparison would leak the expected MAC.
            mac.verify_slice(signature)
                .map_err(|_| SignatureError::Invalid)
        }
        VerifyingKey::Ed25519(public) => {
            if signature.len() != ED25519_SIGNATURE_LEN {
                return Err(SignatureError::Invalid);
            }
            let signature = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|_| SignatureError::Invalid)?;
            // Strict: no malleable signatures, no weak (small-order) keys.
            public
                .verify_strict(base, &signature)
                .map_err(|_| SignatureError::Invalid)
        }
    }
}

/// Step 1: everything that needs no key — structure, covered components, time, body digest.
/// `now` is unix seconds; the caller reads the clock.
pub fn inspect(
    parts: &Parts,
    body: &[u8],
    now: i64,
    policy: &Policy,
) -> Result<SignedRequest, SignatureError> {
    let inputs = header_field(&parts.headers, SIGNATURE_INPUT)?.ok_or(SignatureError::Missing)?;
    let signatures = header_field(&parts.headers, SIGNATURE)?.ok_or(SignatureError::Missing)?;
    let inputs = parse_dictionary(&inputs, "Signature-Input")?;
    let signatures = parse_dictionary(&signatures, "Signature")?;

    let (label, covered) = select(&inputs)?;
    let signature = match signatures.get(label) {
        Some(ListEntry::Item(item)) => item
            .bare_item
            .as_byte_sequence()
            .ok_or_else(|| malformed(format!("Signature member {label} is not a byte sequence")))?
            .to_vec(),
        Some(ListEntry::InnerList(_)) => {
            return Err(malformed(format!(
                "Signature member {label} is not a byte sequence"
            )));
        }
        None => {
            return Err(malformed(format!(
                "Signature has no member {label} to match Signature-Input"
            )));
        }
    };
    if signature.is_empty() {
        return Err(SignatureError::Invalid);
    }

    let params = &covered.params;
    let created = integer_param(params, "created")?;
    let expires = integer_param(params, "expires")?;
    let nonce = string_param(params, "nonce")?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| malformed("the nonce parameter (a non-empty string) is required"))?;
    let key_id = string_param(params, "keyid")?
        .filter(|k| !k.is_empty())
        .ok_or_else(|| malformed("the keyid parameter (a non-empty string) is required"))?;
    let alg = string_param(params, "alg")?;
    if string_param(params, "tag")?.is_some_and(|tag| tag != TAG) {
        return Err(malformed(format!("the tag parameter must be \"{TAG}\"")));
    }

    check_coverage(covered, !body.is_empty())?;

    if expires <= created {
        return Err(malformed("expires must be later than created"));
    }
    if expires - created > policy.max_window {
        return Err(SignatureError::WindowTooLong {
            max_seconds: policy.max_window,
        });
    }
    if expires < now {
        return Err(SignatureError::Expired);
    }
    if created > now.saturating_add(policy.skew) {
        return Err(SignatureError::NotYetValid);
    }

    // Building the base also proves every covered header is present.
    let base = signature_base(parts, covered)?;
    check_digest(&parts.headers, body)?;

    Ok(SignedRequest {
        key_id,
        nonce,
        created,
        expires,
        base,
        signature,
        alg,
    })
}

/// The okno signature among the request's: the first tagged `okno`, else the only one.
fn select(inputs: &Dictionary) -> Result<(&str, &InnerList), SignatureError> {
    let tagged = inputs.iter().find(|(_, entry)| {
        let params = match entry {
            ListEntry::InnerList(list) => &list.params,
            ListEntry::Item(item) => &item.params,
        };
        params
            .get("tag")
            .and_then(|tag| tag.as_string())
            .is_some_and(|tag| tag.as_str() == TAG)
    });
    let (label, entry) = match tagged {
        Some(member) => member,
        None if inputs.len() == 1 => inputs
            .iter()
            .next()
            .ok_or_else(|| malformed("Signature-Input is empty"))?,
        None if inputs.is_empty() => return Err(SignatureError::Missing),
        None => {
            return Err(malformed(format!(
                "Signature-Input has several signatures and none is tagged \"{TAG}\""
            )));
        }
    };
    match entry {
        ListEntry::InnerList(list) => Ok((label.as_str(), list)),
        ListEntry::Item(_) => Err(malformed(format!(
            "Signature-Input member {} must be an inner list of components",
            label.as_str()
        ))),
    }
}

fn check_coverage(covered: &InnerList, has_body: bool) -> Result<(), SignatureError> {
    let mut names = Vec::with_capacity(covered.items.len());
    for item in &covered.items {
        let name = component_name(item)?;
        if names.contains(&name) {
            return Err(malformed(format!("component \"{name}\" is covered twice")));
        }
        names.push(name);
    }
    for required in REQUIRED_COMPONENTS {
        if !names.contains(&required) {
            return Err(SignatureError::ComponentMissing(format!(
                "the signature must cover \"{required}\""
            )));
        }
    }
    if has_body && !names.contains(&CONTENT_TYPE) {
        return Err(SignatureError::ComponentMissing(format!(
            "the signature must cover \"{CONTENT_TYPE}\" when the request has a body"
        )));
    }
    Ok(())
}

/// A covered component's name; okno accepts no component parameters (`;sf`, `;key`, `;bs`…).
fn component_name(item: &Item) -> Result<&str, SignatureError> {
    let name = item
        .bare_item
        .as_string()
        .ok_or_else(|| malformed("covered components must be strings, such as \"@method\""))?
        .as_str();
    if !item.params.is_empty() {
        return Err(malformed(format!(
            "component parameters are not supported (on \"{name}\")"
        )));
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(malformed(format!(
            "component names must be lowercase (\"{name}\")"
        )));
    }
    if name == "@signature-params" {
        return Err(malformed("\"@signature-params\" cannot be covered"));
    }
    Ok(name)
}

/// The RFC 9421 §2.5 signature base for `covered` (an inner list with its parameters).
pub(crate) fn signature_base(parts: &Parts, covered: &InnerList) -> Result<String, SignatureError> {
    let mut base = String::new();
    for item in &covered.items {
        let name = component_name(item)?;
        let value = component_value(parts, name)?;
        // The identifier is the component's serialization as a structured-field item.
        base.push_str(&item.serialize());
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    let mut params = ListSerializer::new();
    {
        let mut list = params.inner_list();
        list.items(&covered.items);
        let _ = list.finish().parameters(&covered.params);
    }
    let params = params
        .finish()
        .ok_or_else(|| malformed("cannot serialize the signature parameters"))?;
    base.push_str("\"@signature-params\": ");
    base.push_str(&params);
    Ok(base)
}

fn component_value(parts: &Parts, name: &str) -> Result<String, SignatureError> {
    match name {
        // As received: RFC 9421 forbids case-folding the method (every standard one is
        // uppercase already).
        "@method" => Ok(parts.method.as_str().to_owned()),
        "@authority" => authority(parts),
        "@path" => {
            let path = parts.uri.path();
            Ok(if path.is_empty() { "/" } else { path }.to_owned())
        }
        "@query" => Ok(format!("?{}", parts.uri.query().unwrap_or(""))),
        derived if derived.starts_with('@') => Err(malformed(format!(
            "derived component \"{derived}\" is not supported: cover @method, @authority, @path and @query"
        ))),
        header => {
            if http::HeaderName::from_bytes(header.as_bytes()).is_err() {
                return Err(malformed(format!("\"{header}\" is not a header name")));
            }
            header_field(&parts.headers, header)?.ok_or_else(|| {
                SignatureError::ComponentMissing(format!(
                    "the signature covers the \"{header}\" header, which the request does not carry"
                ))
            })
        }
    }
}

/// The Host header (HTTP/1.1), else the URI's authority (HTTP/2 `:authority`), lowercased.
fn authority(parts: &Parts) -> Result<String, SignatureError> {
    let mut hosts = parts.headers.get_all(http::header::HOST).iter();
    let authority = match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => return Err(malformed("the request has more than one Host header")),
        (Some(host), None) => host
            .to_str()
            .map_err(|_| malformed("the Host header is not ASCII"))?
            .trim()
            .to_owned(),
        (None, _) => parts
            .uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| {
                SignatureError::ComponentMissing(
                    "the request has neither a Host header nor an authority for \"@authority\""
                        .to_owned(),
                )
            })?,
    };
    Ok(authority.to_ascii_lowercase())
}

/// A header's field lines, each trimmed, joined with `, ` (RFC 9421 §2.1); `None` if absent.
fn header_field(headers: &HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut joined: Option<String> = None;
    for value in headers.get_all(name) {
        let value = value
            .to_str()
            .map_err(|_| malformed(format!("the {name} header must be ASCII")))?
            .trim_matches([' ', '\t']);
        match joined.as_mut() {
            Some(joined) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
            None => joined = Some(value.to_owned()),
        }
    }
    Ok(joined)
}

fn parse_dictionary(text: &str, header: &str) -> Result<Dictionary, SignatureError> {
    Parser::new(text).parse::<Dictionary>().map_err(|e| {
        malformed(format!(
            "{header} is not a structured-field dictionary: {e}"
        ))
    })
}

fn integer_param(params: &Parameters, name: &str) -> Result<i64, SignatureError> {
    params
        .get(name)
        .and_then(BareItem::as_integer)
        .map(i64::from)
        .ok_or_else(|| {
            malformed(format!(
                "the {name} parameter (an integer, unix seconds) is required"
            ))
        })
}

/// A string parameter: `None` when absent, refused when present with another type.
fn string_param(params: &Parameters, name: &str) -> Result<Option<String>, SignatureError> {
    match params.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_string()
            .map(|s| Some(s.as_str().to_owned()))
            .ok_or_else(|| malformed(format!("the {name} parameter must be a quoted string"))),
    }
}

fn check_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
    let field = header_field(headers, CONTENT_DIGEST)?.ok_or_else(|| {
        SignatureError::ComponentMissing("the request has no Content-Digest header".to_owned())
    })?;
    let digests = parse_dictionary(&field, "Content-Digest")?;
    let claimed = match digests.get(SHA_256) {
        Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence(),
        _ => None,
    }
    .ok_or_else(|| malformed("Content-Digest must have a sha-256 member: sha-256=:<base64>:"))?;
    let actual = Sha256::digest(body);
    if bool::from(claimed.ct_eq(actual.as_slice())) {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}

/// Signs a request the way a partner would (tests, benchmark, documentation examples): sets
/// Content-Digest, Signature-Input and Signature, replacing any already there. Covers
/// `content-type` whenever the request has one; a body without one is refused.
pub fn sign(
    parts: &mut Parts,
    body: &[u8],
    key_id: &str,
    key: &SigningKey,
    created: i64,
    expires: i64,
    nonce: &str,
) -> Result<(), SignatureError> {
    let has_content_type = parts.headers.contains_key(http::header::CONTENT_TYPE);
    if !body.is_empty() && !has_content_type {
        return Err(SignatureError::ComponentMissing(
            "a request with a body needs a Content-Type header to sign".to_owned(),
        ));
    }

    let mut digest = DictSerializer::new();
    digest.bare_item(SHA_256, Sha256::digest(body).as_slice());
    let digest = digest
        .finish()
        .ok_or_else(|| malformed("cannot serialize Content-Digest"))?;
    parts.headers.remove(SIGNATURE_INPUT);
    parts.headers.remove(SIGNATURE);
    parts.headers.insert(CONTENT_DIGEST, header_value(&digest)?);

    let mut names = REQUIRED_COMPONENTS.to_vec();
    if has_content_type {
        names.push(CONTENT_TYPE);
    }
    let items = names
        .into_iter()
        .map(|name| Ok(Item::new(sf_string(name)?)))
        .collect::<Result<Vec<_>, SignatureError>>()?;
    let mut params = Parameters::new();
    params.insert(CREATED.to_owned(), sf_integer(created)?);
    params.insert(EXPIRES.to_owned(), sf_integer(expires)?);
    params.insert(NONCE.to_owned(), sf_string(nonce)?);
    params.insert(KEYID.to_owned(), sf_string(key_id)?);
    params.insert(TAG_KEY.to_owned(), sf_string(TAG)?);
    let covered = InnerList::with_params(items, params);

    let base = signature_base(parts, &covered)?;
    let signature = key.sign_base(base.as_bytes())?;

    let label = LABEL_KEY;
    let mut input = DictSerializer::new();
    {
        let mut list = input.inner_list(label);
        list.items(&covered.items);
        let _ = list.finish().parameters(&covered.params);
    }
    let input = input
        .finish()
        .ok_or_else(|| malformed("cannot serialize Signature-Input"))?;
    let mut value = DictSerializer::new();
    value.bare_item(label, signature.as_slice());
    let value = value
        .finish()
        .ok_or_else(|| malformed("cannot serialize Signature"))?;
    parts.headers.insert(SIGNATURE_INPUT, header_value(&input)?);
    parts.headers.insert(SIGNATURE, header_value(&value)?);
    Ok(())
}

fn sf_string(value: &str) -> Result<BareItem, SignatureError> {
    StringRef::from_str(value)
        .map(|s| BareItem::String(s.to_owned()))
        .map_err(|e| {
            malformed(format!(
                "{value:?} cannot be a structured-field string: {e}"
            ))
        })
}

fn sf_integer(value: i64) -> Result<BareItem, SignatureError> {
    BareItem::try_from(value).map_err(|e| malformed(format!("{value} is out of range: {e}")))
}

fn header_value(text: &str) -> Result<HeaderValue, SignatureError> {
    HeaderValue::from_str(text).map_err(|e| malformed(format!("cannot set a header: {e}")))
}

#[cfg(test)]
mod tests;
