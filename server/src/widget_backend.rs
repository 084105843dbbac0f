//! The gateway side of the widget's server functions: key check, then the partner's portal.

use std::sync::Arc;

use app::{
    applications::{Draft, Receipt, Resumed},
    backend::{BoxFuture, WidgetBackend},
    catalog::CatalogPage,
    citizen::SignedInCitizen,
    consent::{GivenConsent, consent_text, consent_version, version_lang},
    error::AppError,
    lang::Lang,
    partner::Mode,
    sandbox_info::{PathTrigger, SandboxOverview, TestCitizenCard},
    services::{ServiceDescription, values::FormValues},
};

use crate::{
    applications::Applications,
    audit::{AuditEvent, AuditLog, Outcome},
    clock::{SharedClock, rfc3339_millis, unix_millis},
    digest::sha256_hex,
    partners::{Partners, ResolvedPartner},
    portal::Portals,
    registry,
    sandbox::{citizens, control::SandboxControl, orders::TRIGGERS},
    sessions::Sessions,
    signin::SignIn,
    storage::{ConsentRecord, SharedStorage},
    telemetry::internal,
    tokens::{CitizenAccess, WidgetSession},
};

pub struct WidgetService {
    pub storage: SharedStorage,
    pub audit: AuditLog,
    pub clock: SharedClock,
    pub partners: Arc<Partners>,
    pub sessions: Arc<Sessions>,
    pub signin: Arc<SignIn>,
    pub portals: Arc<Portals>,
    pub applications: Arc<Applications>,
    /// The test portal's control API, when test mode runs against a sandbox.
    pub sandbox: Option<SandboxControl>,
    /// Seconds between the sandbox's scheduled status changes.
    pub sandbox_step_seconds: u64,
}

impl WidgetService {
    /// The verified claims of a widget session, or the refusal to show.
    async fn widget_claims(&self, session: &str) -> Result<WidgetSession, AppError> {
        self.sessions
            .verify_widget_session(session)
            .await
            .map(|verified| verified.claims)
            .map_err(|error| match error.code() {
                "token_expired" => AppError::SessionExpired,
                "internal_error" => {
                    tracing::error!(%error, "widget session check failed");
                    AppError::Internal
                }
                _ => AppError::SessionInvalid,
            })
    }

    /// The partner of a widget session: the token must verify (≤ 15 min, not revoked) and its
    /// publishable key must still be live and the partner's.
    async fn session_partner(&self, session: &str) -> Result<ResolvedPartner, AppError> {
        let claims = self.widget_claims(session).await?;
        let partner = self.partners.resolve(&claims.publishable_key).await?;
        if partner.id != claims.partner_id {
            return Err(AppError::SessionInvalid);
        }
        Ok(partner)
    }

    /// The signed-in citizen behind an access token, for the widget session's partner.
    pub async fn citizen(
        &self,
        session: &str,
        access_token: &str,
    ) -> Result<CitizenAccess, AppError> {
        Ok(self.partner_and_citizen(session, access_token).await?.1)
    }

    async fn partner_and_citizen(
        &self,
        session: &str,
        access_token: &str,
    ) -> Result<(ResolvedPartner, CitizenAccess), AppError> {
        let partner = self.session_partner(session).await?;
        let access = self.access_for(&partner, access_token).await?;
        Ok((partner, access))
    }

    /// The citizen an access token names, if it was issued for this partner and mode.
    async fn access_for(
        &self,
        partner: &ResolvedPartner,
        access_token: &str,
    ) -> Result<CitizenAccess, AppError> {
        let access = self
            .sessions
            .verify_access(access_token)
            .await
            .map_err(|_| AppError::SigninExpired)?
            .claims;
        if access.partner_id != partner.id || access.mode != partner.mode {
            return Err(AppError::SessionInvalid);
        }
        Ok(access)
    }

    /// A recorded consent as the citizen sees it, with an access token carrying it.
    fn given_consent(
        &self,
        partner_name: &str,
        service: &ServiceDescription,
        record: &ConsentRecord,
        access: CitizenAccess,
    ) -> Result<GivenConsent, AppError> {
        let token = self
            .sessions
            .issue_access(&CitizenAccess {
                consent_id: record.id.clone(),
                scope: "profile applications:submit".to_owned(),
                ..access
            })
            .map_err(internal("issuing an access token failed"))?;
        let granted_at = rfc3339_millis(record.granted_at);
        Ok(GivenConsent {
            consent_id: record.id.clone(),
            version: record.version.clone(),
            text: consent_text(version_lang(&record.version), partner_name, service),
            granted_at,
            access_token: token.token,
        })
    }
}

fn service_by_code(code: &str) -> Result<&'static ServiceDescription, AppError> {
    registry::find(code).ok_or(AppError::ServiceNotFound)
}

impl WidgetBackend for WidgetService {
    fn catalog<'a>(
        &'a self,
        session: &'a str,
        query: &'a str,
    ) -> BoxFuture<'a, Result<CatalogPage, AppError>> {
        Box::pin(async move {
            let partner = self.session_partner(session).await?;
            let portal = self.portals.for_mode(partner.mode)?;
            let services = portal.services().await.map_err(|error| {
                tracing::warn!(partner = %partner.id, %error, "catalog read from the portal failed");
                AppError::PortalUnavailable
            })?;
            Ok(CatalogPage {
                query: query.to_owned(),
                services: services
                    .into_iter()
                    .filter(|service| service.matches(query))
                    .collect(),
            })
        })
    }

    fn service<'a>(
        &'a self,
        publishable_key: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<ServiceDescription, AppError>> {
        Box::pin(async move {
            self.partners.resolve(publishable_key).await?;
            registry::find(code)
                .cloned()
                .ok_or(AppError::ServiceNotFound)
        })
    }

    fn collect_signin<'a>(
        &'a self,
        session: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<(SignedInCitizen, String), AppError>> {
        Box::pin(async move {
            let claims = self.widget_claims(session).await?;
            // The key must still be live: a revoked widget signs nobody in.
            self.partners.resolve(&claims.publishable_key).await?;
            let signed_in = self.signin.collect(&claims, code).await?;
            let citizen = SignedInCitizen {
                profile: signed_in.profile,
                access_token: signed_in.tokens.access.token,
            };
            Ok((citizen, signed_in.tokens.refresh_token))
        })
    }

    fn give_consent<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        lang: Lang,
    ) -> BoxFuture<'a, Result<GivenConsent, AppError>> {
        Box::pin(async move {
            let (partner, access) = self.partner_and_citizen(session, access_token).await?;
            let service = service_by_code(service_code)?;
            let text = consent_text(lang, &partner.name, service);
            let now = self.clock.now();
            let record = ConsentRecord {
                id: format!("cns_{:024x}", rand::random::<u128>() >> 32),
                partner_id: partner.id.clone(),
                citizen_id: access.citizen_id.clone(),
                service_code: service.code.clone(),
                version: consent_version(lang),
                text_sha256: sha256_hex(&text),
                granted_at: unix_millis(now),
            };
            self.storage
                .record_consent(&record)
                .await
                .map_err(internal("recording a consent failed"))?;
            // Consent is personal-data processing itself (152-FZ art. 19): durable before the answer.
            self.audit
                .record(AuditEvent::new(
                    format!("citizen:{}", access.citizen_id),
                    "consent.give",
                    record.id.clone(),
                    Outcome::Ok,
                ))
                .await
                .map_err(internal("recording a consent failed"))?;
            self.given_consent(&partner.name, service, &record, access)
        })
    }

    fn resume<'a>(
        &'a self,
        session: &'a str,
        refresh_token: &'a str,
        service_code: &'a str,
    ) -> BoxFuture<'a, Result<(Resumed, String), AppError>> {
        Box::pin(async move {
            // The widget session first: an invalid one must not spend the refresh token.
            let partner = self.session_partner(session).await?;
            let service = service_by_code(service_code)?;
            let tokens = self
                .sessions
                .refresh(refresh_token)
                .await
                .map_err(|_| AppError::SigninExpired)?;
            let access = self.access_for(&partner, &tokens.access.token).await?;
            let profile = self
                .signin
                .profile(&partner.id, &access.citizen_id)
                .await?
                .ok_or(AppError::SigninExpired)?;
            let consent = self
                .storage
                .active_consent(&partner.id, &access.citizen_id, &service.code)
                .await
                .map_err(internal("reading a consent failed"))?;
            let consent = match consent {
                Some(record) => {
                    Some(self.given_consent(&partner.name, service, &record, access.clone())?)
                }
                None => None,
            };
            let latest = self.applications.latest(&access, &service.code).await?;
            let citizen = SignedInCitizen {
                profile,
                access_token: tokens.access.token,
            };
            Ok((
                Resumed {
                    citizen,
                    consent,
                    latest,
                },
                tokens.refresh_token,
            ))
        })
    }

    fn open_draft<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
    ) -> BoxFuture<'a, Result<Draft, AppError>> {
        Box::pin(async move {
            let citizen = self.citizen(session, access_token).await?;
            let service = service_by_code(service_code)?;
            self.applications.open_draft(&citizen, service).await
        })
    }

    fn save_draft<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        application_id: &'a str,
        values: FormValues,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let citizen = self.citizen(session, access_token).await?;
            let service = service_by_code(service_code)?;
            self.applications
                .save_draft(&citizen, service, application_id, &values)
                .await
        })
    }

    fn submit<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        application_id: &'a str,
        values: FormValues,
    ) -> BoxFuture<'a, Result<Receipt, AppError>> {
        Box::pin(async move {
            let citizen = self.citizen(session, access_token).await?;
            let service = service_by_code(service_code)?;
            self.applications
                .submit(&citizen, service, application_id, &values)
                .await
        })
    }

    fn leave_feedback<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        application_id: &'a str,
        rating: u8,
        comment: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>> {
        Box::pin(async move {
            let citizen = self.citizen(session, access_token).await?;
            self.applications
                .leave_feedback(&citizen, application_id, rating, comment)
                .await
        })
    }

    fn sandbox_overview<'a>(
        &'a self,
        publishable_key: &'a str,
    ) -> BoxFuture<'a, Result<SandboxOverview, AppError>> {
        Box::pin(async move {
            let partner = self.partners.resolve(publishable_key).await?;
            if partner.mode != Mode::Test {
                return Err(AppError::SandboxNeedsTestKey);
            }
            let faults = match &self.sandbox {
                Some(control) => control
                    .faults()
                    .await
                    .inspect_err(|error| {
                        tracing::warn!(%error, "sandbox control API did not answer");
                    })
                    .ok(),
                None => None,
            };
            Ok(SandboxOverview {
                citizens: citizens::CITIZENS.iter().map(card).collect(),
                triggers: TRIGGERS
                    .iter()
                    .map(|(word, _, outcome)| PathTrigger {
                        word: (*word).to_owned(),
                        outcome: (*outcome).to_owned(),
                    })
                    .collect(),
                step_seconds: self.sandbox_step_seconds,
                faults,
            })
        })
    }
}

fn card(citizen: &citizens::TestCitizen) -> TestCitizenCard {
    TestCitizenCard {
        oid: citizen.oid.to_owned(),
        full_name: citizen.full_name(),
        level: citizen.level.label_ru().to_owned(),
        snils: citizen.snils.map(str::to_owned),
        inn: citizen.inn.map(str::to_owned),
        passport: citizen
            .passport
            .as_ref()
            .map(|p| format!("{} {}", p.series, p.number)),
        phone: citizen
            .contacts
            .iter()
            .find(|c| c.kind == "MBT")
            .map(|c| c.value.to_owned()),
        purpose: citizen.purpose.to_owned(),
    }
}
