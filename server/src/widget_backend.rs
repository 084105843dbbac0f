//! The gateway side of the widget's server functions: key check, then the partner's portal.

use std::sync::Arc;

use app::{
    backend::{BoxFuture, WidgetBackend},
    catalog::CatalogPage,
    citizen::SignedInCitizen,
    error::AppError,
    partner::Mode,
    sandbox_info::{PathTrigger, SandboxOverview, TestCitizenCard},
    services::ServiceDescription,
};

use crate::{
    partners::{Partners, ResolvedPartner},
    portal::Portals,
    registry,
    sandbox::{citizens, control::SandboxControl, orders::TRIGGERS},
    sessions::Sessions,
    signin::SignIn,
    tokens::WidgetSession,
};

pub struct WidgetService {
    pub partners: Arc<Partners>,
    pub sessions: Arc<Sessions>,
    pub signin: Arc<SignIn>,
    pub portals: Arc<Portals>,
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
