//! Citizens sign in with Gosuslugi (ESIA) for the widget. A popup on okno's own origin runs the
//! authorization-code flow with PKCE; the callback leaves a one-time code that the popup hands to
//! the widget frame over postMessage; the frame exchanges it (with its widget session) for the
//! citizen's profile, to prefill forms, and the citizen's tokens. No third-party cookie is needed
//! for any of it.

use std::sync::Arc;

use app::{citizen::CitizenProfile, error::AppError, partner::Mode, services::AccountLevel};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::{
    clock::{SharedClock, unix_millis},
    digest::sha256_hex,
    esia::client::{EsiaClient, EsiaClientError, Pkce},
    sealing::Sealer,
    sessions::{CitizenTokens, Sessions},
    storage::{CitizenLinkRecord, SharedStorage, SigninAttempt, SigninHandoff, parse_mode},
    telemetry::internal,
    tokens::{CitizenAccess, WidgetSession},
};

/// How long a citizen has to finish signing in at ESIA.
const ATTEMPT_MS: i64 = 10 * 60 * 1_000;
/// An ESIA access token this close to running out is renewed before a portal call.
const RENEW_AHEAD_MS: i64 = 60 * 1_000;
/// How long the widget frame has to collect a finished sign-in.
const HANDOFF_MS: i64 = 2 * 60 * 1_000;
/// What okno reads at ESIA when a service does not say more.
const DEFAULT_SCOPE: &str = "openid fullname birthdate snils";
/// The scope that lets okno file and track orders on the portal for the citizen; ESIA grants
/// it to confirmed accounts only.
pub const ORDERS_SCOPE: &str = "http://lk.gosuslugi.ru/api-order";
/// ESIA's error code for an account that is not confirmed.
const NOT_CONFIRMED: &str = "ESIA-007055";

/// Where a sign-in starts: the partner and embedding page a checked widget request came from.
#[derive(Debug, Clone)]
pub struct SigninOrigin {
    pub partner_id: String,
    pub publishable_key: String,
    pub mode: Mode,
    pub origin: String,
}

/// The sealed content of a handoff.
#[derive(Serialize, Deserialize)]
struct Handoff {
    oid: String,
    mode: Mode,
    profile: CitizenProfile,
    /// ESIA's access token, for the portal calls made for the citizen, and the refresh token
    /// that renews it.
    portal_token: String,
    portal_refresh_token: String,
    portal_token_expires_at: i64,
}

/// A collected sign-in: the profile and the citizen's okno tokens.
pub struct SignedIn {
    pub profile: CitizenProfile,
    pub tokens: CitizenTokens,
}

pub struct SignIn {
    storage: SharedStorage,
    sealer: Arc<Sealer>,
    clock: SharedClock,
    sessions: Arc<Sessions>,
    /// ESIA for test keys (the sandbox's); live ESIA is configured by a later issue.
    test_esia: Option<EsiaClient>,
    /// `…/signin/callback` on okno's public origin.
    redirect_uri: String,
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The ESIA person id in an access token. The token came straight from ESIA over the back
/// channel, so its payload is read, not verified again.
fn subject(access_token: &str) -> Option<String> {
    let payload = access_token.split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.get("urn:esia:sbj_id")?.as_str().map(str::to_owned)
}

fn text(person: &serde_json::Value, key: &str) -> Option<String> {
    person.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

impl SignIn {
    pub fn new(
        storage: SharedStorage,
        sealer: Arc<Sealer>,
        clock: SharedClock,
        sessions: Arc<Sessions>,
        test_esia: Option<EsiaClient>,
        okno_base: &str,
    ) -> Self {
        SignIn {
            storage,
            sealer,
            clock,
            sessions,
            test_esia,
            redirect_uri: format!("{okno_base}/signin/callback"),
        }
    }

    fn esia(&self, mode: Mode) -> Result<&EsiaClient, AppError> {
        match mode {
            Mode::Test => self.test_esia.as_ref().ok_or(AppError::ModeNotConfigured),
            Mode::Live => Err(AppError::ModeNotConfigured),
        }
    }

    /// Remembers the attempt and answers the ESIA page to send the popup to.
    pub async fn start(&self, from: &SigninOrigin, scope: Option<&str>) -> Result<Url, AppError> {
        let esia = self.esia(from.mode)?;
        let mut scope = scope.unwrap_or(DEFAULT_SCOPE).to_owned();
        if !scope.split(' ').any(|s| s == ORDERS_SCOPE) {
            scope = format!("{scope} {ORDERS_SCOPE}");
        }
        let pkce = Pkce::generate();
        let state = random_token();
        let now = self.clock.now();
        let attempt = SigninAttempt {
            sealed_verifier: self
                .sealer
                .seal(pkce.verifier.as_bytes(), &state)
                .map_err(internal("sealing a PKCE verifier failed"))?,
            state: state.clone(),
            partner_id: from.partner_id.clone(),
            publishable_key: from.publishable_key.clone(),
            mode: from.mode.as_str().to_owned(),
            origin: from.origin.clone(),
            scope: scope.clone(),
            expires_at: unix_millis(now) + ATTEMPT_MS,
        };
        self.storage
            .store_signin_attempt(&attempt)
            .await
            .map_err(internal("storing a sign-in failed"))?;
        esia.authorization_url(&scope, &state, &self.redirect_uri, &pkce, now)
            .map_err(internal("building the ESIA URL failed"))
    }

    /// ESIA sent the popup back: exchanges the code, reads the profile, leaves a one-time code
    /// for the widget frame. `Err(SigninCancelled)` when the citizen declined at ESIA.
    pub async fn finish(
        &self,
        code: Option<&str>,
        state: &str,
        esia_error: Option<&str>,
        esia_error_description: Option<&str>,
    ) -> Result<String, AppError> {
        let now = self.clock.now();
        let attempt = self
            .storage
            .take_signin_attempt(state, unix_millis(now))
            .await
            .map_err(internal("reading a sign-in failed"))?
            .ok_or(AppError::SigninExpired)?;
        if esia_error.is_some() {
            if esia_error_description.is_some_and(|d| d.contains(NOT_CONFIRMED)) {
                return Err(AppError::AccountNotConfirmed);
            }
            return Err(AppError::SigninCancelled);
        }
        let code = code.ok_or(AppError::SigninCancelled)?;
        let mode = parse_mode(&attempt.mode).map_err(internal("reading a stored mode failed"))?;
        let esia = self.esia(mode)?;
        let verifier = self
            .sealer
            .open(&attempt.sealed_verifier, &attempt.state)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(AppError::Internal)?;
        let tokens = esia
            .exchange_code(code, &attempt.scope, &self.redirect_uri, &verifier, now)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "ESIA code exchange failed");
                AppError::EsiaUnavailable
            })?;
        let oid = subject(&tokens.access_token).ok_or(AppError::EsiaUnavailable)?;
        let person = esia
            .person(&tokens.access_token, &oid)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "ESIA person read failed");
                AppError::EsiaUnavailable
            })?;
        let profile = CitizenProfile {
            last_name: text(&person, "lastName"),
            first_name: text(&person, "firstName"),
            middle_name: text(&person, "middleName"),
            birth_date: text(&person, "birthDate"),
            snils: text(&person, "snils"),
            level: if person.get("trusted").and_then(|v| v.as_bool()) == Some(true) {
                AccountLevel::Confirmed
            } else {
                AccountLevel::Standard
            },
        };
        let one_time = random_token();
        let code_hash = sha256_hex(&one_time);
        let portal_token_expires_at = unix_millis(now) + tokens.expires_in.max(0) * 1_000;
        let payload = serde_json::to_vec(&Handoff {
            oid,
            mode,
            profile,
            portal_token: tokens.access_token,
            portal_refresh_token: tokens.refresh_token,
            portal_token_expires_at,
        })
        .map_err(internal("encoding a sign-in failed"))?;
        let handoff = SigninHandoff {
            sealed_payload: self
                .sealer
                .seal(&payload, &code_hash)
                .map_err(internal("sealing a sign-in failed"))?,
            code_hash,
            partner_id: attempt.partner_id,
            publishable_key: attempt.publishable_key,
            expires_at: unix_millis(now) + HANDOFF_MS,
        };
        self.storage
            .store_signin_handoff(&handoff)
            .await
            .map_err(internal("storing a sign-in failed"))?;
        Ok(one_time)
    }

    /// Keeps the citizen's profile and portal token, sealed, for prefilling after a reload and
    /// for filing and tracking their applications.
    async fn remember(
        &self,
        partner_id: &str,
        citizen_id: &str,
        handoff: &Handoff,
        now: i64,
    ) -> Result<(), AppError> {
        let row = format!("{partner_id}:{citizen_id}");
        let profile =
            serde_json::to_vec(&handoff.profile).map_err(internal("encoding a profile failed"))?;
        let link = CitizenLinkRecord {
            partner_id: partner_id.to_owned(),
            citizen_id: citizen_id.to_owned(),
            mode: handoff.mode.as_str().to_owned(),
            sealed_profile: self
                .sealer
                .seal(&profile, &format!("profile:{row}"))
                .map_err(internal("sealing a profile failed"))?,
            sealed_portal_token: self
                .sealer
                .seal(handoff.portal_token.as_bytes(), &format!("token:{row}"))
                .map_err(internal("sealing a portal token failed"))?,
            sealed_portal_refresh_token: self
                .sealer
                .seal(
                    handoff.portal_refresh_token.as_bytes(),
                    &format!("refresh:{row}"),
                )
                .map_err(internal("sealing a portal token failed"))?,
            portal_token_expires_at: handoff.portal_token_expires_at,
            updated_at: now,
        };
        self.storage
            .upsert_citizen_link(&link)
            .await
            .map_err(internal("storing a citizen link failed"))
    }

    /// The citizen's ESIA access token for portal calls, renewed with the refresh token when it
    /// has run out or is about to; `SigninExpired` when there is none or ESIA refuses to renew.
    pub async fn portal_token(
        &self,
        partner_id: &str,
        citizen_id: &str,
    ) -> Result<String, AppError> {
        let row = format!("{partner_id}:{citizen_id}");
        let link = self
            .storage
            .citizen_link(partner_id, citizen_id)
            .await
            .map_err(internal("reading a citizen link failed"))?
            .ok_or(AppError::SigninExpired)?;
        let now = self.clock.now();
        let open = |sealed: &str, kind: &str| {
            self.sealer
                .open(sealed, &format!("{kind}:{row}"))
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or(AppError::Internal)
        };
        if link.portal_token_expires_at > unix_millis(now) + RENEW_AHEAD_MS {
            return open(&link.sealed_portal_token, "token");
        }
        let mode = parse_mode(&link.mode).map_err(internal("reading a stored mode failed"))?;
        let refresh = open(&link.sealed_portal_refresh_token, "refresh")?;
        let tokens = self
            .esia(mode)?
            .refresh(&refresh, &self.redirect_uri, now)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "renewing a citizen's ESIA token failed");
                match error {
                    EsiaClientError::Refused { .. } => AppError::SigninExpired,
                    _ => AppError::EsiaUnavailable,
                }
            })?;
        let renewed = CitizenLinkRecord {
            sealed_portal_token: self
                .sealer
                .seal(tokens.access_token.as_bytes(), &format!("token:{row}"))
                .map_err(internal("sealing a portal token failed"))?,
            sealed_portal_refresh_token: self
                .sealer
                .seal(tokens.refresh_token.as_bytes(), &format!("refresh:{row}"))
                .map_err(internal("sealing a portal token failed"))?,
            portal_token_expires_at: unix_millis(now) + tokens.expires_in.max(0) * 1_000,
            updated_at: unix_millis(now),
            ..link.clone()
        };
        let stored = self
            .storage
            .renew_portal_tokens(&renewed, &link.sealed_portal_token)
            .await
            .map_err(internal("storing a renewed portal token failed"))?;
        if !stored {
            tracing::info!("a citizen's ESIA token was renewed elsewhere first");
        }
        Ok(tokens.access_token)
    }

    /// The profile kept at the citizen's last sign-in through the partner.
    pub async fn profile(
        &self,
        partner_id: &str,
        citizen_id: &str,
    ) -> Result<Option<CitizenProfile>, AppError> {
        let Some(link) = self
            .storage
            .citizen_link(partner_id, citizen_id)
            .await
            .map_err(internal("reading a citizen link failed"))?
        else {
            return Ok(None);
        };
        let bytes = self
            .sealer
            .open(
                &link.sealed_profile,
                &format!("profile:{partner_id}:{citizen_id}"),
            )
            .map_err(internal("opening a profile failed"))?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(internal("decoding a profile failed"))
    }

    /// The widget frame collects a finished sign-in with its one-time code. The code works once,
    /// only for the partner and key whose widget started it.
    pub async fn collect(
        &self,
        widget: &WidgetSession,
        one_time: &str,
    ) -> Result<SignedIn, AppError> {
        let now = unix_millis(self.clock.now());
        let handoff = self
            .storage
            .take_signin_handoff(&sha256_hex(one_time), now)
            .await
            .map_err(internal("reading a sign-in failed"))?
            .ok_or(AppError::SigninExpired)?;
        if handoff.partner_id != widget.partner_id
            || handoff.publishable_key != widget.publishable_key
        {
            tracing::warn!(partner = %widget.partner_id, "a sign-in code was presented by another widget");
            return Err(AppError::SigninExpired);
        }
        let payload = self
            .sealer
            .open(&handoff.sealed_payload, &handoff.code_hash)
            .map_err(internal("opening a sign-in failed"))?;
        let handoff_content: Handoff =
            serde_json::from_slice(&payload).map_err(internal("decoding a sign-in failed"))?;
        // The partner only ever sees this pseudonym, never the ESIA id. The mode is part of it:
        // a sandbox citizen shares no data with a real person whose account id is the same.
        let citizen_id = format!(
            "cit_{}",
            &sha256_hex(format!(
                "{}:{}:{}",
                widget.partner_id,
                handoff_content.mode.as_str(),
                handoff_content.oid
            ))[..24]
        );
        self.remember(&widget.partner_id, &citizen_id, &handoff_content, now)
            .await?;
        let tokens = self
            .sessions
            .start_citizen_session(&CitizenAccess {
                citizen_id,
                partner_id: widget.partner_id.clone(),
                consent_id: String::new(),
                scope: "profile".to_owned(),
                mode: handoff_content.mode,
            })
            .await
            .map_err(internal("starting a citizen session failed"))?;
        Ok(SignedIn {
            profile: handoff_content.profile,
            tokens,
        })
    }
}
