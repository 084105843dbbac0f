//! The gateway side of the widget's server functions: key check, then the partner's portal.

use std::sync::Arc;

use app::{
    backend::{BoxFuture, WidgetBackend},
    catalog::CatalogPage,
    error::AppError,
};

use crate::{partners::Partners, portal::Portals};

pub struct WidgetService {
    pub partners: Arc<Partners>,
    pub portals: Arc<Portals>,
}

impl WidgetBackend for WidgetService {
    fn catalog<'a>(
        &'a self,
        publishable_key: &'a str,
        query: &'a str,
    ) -> BoxFuture<'a, Result<CatalogPage, AppError>> {
        Box::pin(async move {
            let partner = self.partners.resolve(publishable_key).await?;
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
}
