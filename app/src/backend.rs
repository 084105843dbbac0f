//! The server-side services pages and server functions call; the `okno` server provides them.

use std::{future::Future, pin::Pin, sync::Arc};

use crate::{
    applications::{Draft, Receipt, Resumed},
    catalog::CatalogPage,
    citizen::SignedInCitizen,
    consent::GivenConsent,
    error::AppError,
    lang::Lang,
    sandbox_info::SandboxOverview,
    services::{ServiceDescription, values::FormValues},
};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the widget needs from the gateway. Handlers stay thin: one call each.
pub trait WidgetBackend: Send + Sync + 'static {
    /// The catalog for a widget session's partner, filtered by a search query.
    fn catalog<'a>(
        &'a self,
        session: &'a str,
        query: &'a str,
    ) -> BoxFuture<'a, Result<CatalogPage, AppError>>;

    /// One service's description and form, for a partner's publishable key.
    fn service<'a>(
        &'a self,
        publishable_key: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<ServiceDescription, AppError>>;

    /// Collects a finished Gosuslugi sign-in with its one-time code, for the widget session's
    /// partner; also answers the refresh token for the frame's cookie.
    fn collect_signin<'a>(
        &'a self,
        session: &'a str,
        code: &'a str,
    ) -> BoxFuture<'a, Result<(SignedInCitizen, String), AppError>>;

    /// Records the signed-in citizen's consent for `service_code` to the text shown in `lang`,
    /// and answers it with a new access token that carries it.
    fn give_consent<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        lang: Lang,
    ) -> BoxFuture<'a, Result<GivenConsent, AppError>>;

    /// Signs the citizen in again from the frame's refresh token (rotating it) after a reload,
    /// with their consent for `service_code` if given; also answers the next refresh token.
    fn resume<'a>(
        &'a self,
        session: &'a str,
        refresh_token: &'a str,
        service_code: &'a str,
    ) -> BoxFuture<'a, Result<(Resumed, String), AppError>>;

    /// The citizen's draft for the service (created empty on first use).
    fn open_draft<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
    ) -> BoxFuture<'a, Result<Draft, AppError>>;

    /// Saves the answers of the citizen's draft `application_id`.
    fn save_draft<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        application_id: &'a str,
        values: FormValues,
    ) -> BoxFuture<'a, Result<(), AppError>>;

    /// Submits the draft `application_id` with these answers; the same again answers the
    /// same receipt.
    fn submit<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        service_code: &'a str,
        application_id: &'a str,
        values: FormValues,
    ) -> BoxFuture<'a, Result<Receipt, AppError>>;

    /// The citizen's rating (1–5) and comment on a decided application.
    fn leave_feedback<'a>(
        &'a self,
        session: &'a str,
        access_token: &'a str,
        application_id: &'a str,
        rating: u8,
        comment: &'a str,
    ) -> BoxFuture<'a, Result<(), AppError>>;

    /// Test citizens, status triggers and injected faults, for a test key's sandbox page.
    fn sandbox_overview<'a>(
        &'a self,
        publishable_key: &'a str,
    ) -> BoxFuture<'a, Result<SandboxOverview, AppError>>;
}

/// Provided as Leptos context to every page render and server-function call.
pub type SharedBackend = Arc<dyn WidgetBackend>;
