//! Assembling okno from its settings: storage, portals, sandbox, partners, the router; then serving.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use leptos::config::LeptosOptions;
use tokio::{net::TcpListener, task::JoinHandle};
use url::Url;

use crate::{
    applications::{Applications, ApplicationsParts},
    audit::AuditLog,
    clock::{SharedClock, unix_millis},
    config::Settings,
    esia::{client::EsiaClient, signer::TestSigner},
    gateway::Gateway,
    http::{self, AppState},
    partner_api::PartnerApi,
    partners::{Partners, origin::Origin},
    portal::{PortalClient, Portals},
    sandbox::{self, SandboxPortal, control::SandboxControl, esia::SANDBOX_CLIENT_ID},
    sealing::Sealer,
    sessions::Sessions,
    signin::SignIn,
    storage, tls,
    webhooks::outbox::Outbox,
    widget_backend::WidgetService,
};

/// A built okno, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    base_url: String,
    state: AppState,
    sandbox: Option<(SandboxPortal, JoinHandle<()>)>,
    audit_writer: JoinHandle<()>,
    housekeeping: JoinHandle<()>,
    webhook_worker: JoinHandle<()>,
    applications_worker: JoinHandle<()>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Application {
    /// Binds the listener, connects and migrates storage, starts the in-process sandbox portal.
    pub async fn build(settings: &Settings, clock: SharedClock) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let bound = listener.local_addr()?;
        let base_url = settings.public_base(bound);
        let okno_origin = Origin::parse(&base_url)
            .with_context(|| format!("public_url {base_url} is not an origin"))?
            .to_string();

        let tls = match (&settings.tls_cert_file, &settings.tls_key_file) {
            (Some(cert), Some(key)) => {
                Some(tls::server_config(cert, key, &settings.tls_min_version)?)
            }
            (None, None) => None,
            _ => anyhow::bail!("TLS needs both tls_cert_file and tls_key_file"),
        };

        let storage = storage::connect(&settings.database_url())
            .await
            .context("cannot open the database or run its migrations")?;

        let sandbox = if settings.sandbox {
            let (addr, portal, task) = sandbox::spawn(
                settings.sandbox_addr,
                clock.clone(),
                settings.sandbox_step(),
            )
            .await
            .with_context(|| {
                format!(
                    "cannot start the sandbox portal on {}",
                    settings.sandbox_addr
                )
            })?;
            tracing::info!(%addr, "sandbox portal listening");
            Some((addr, portal, task))
        } else {
            None
        };
        let sandbox_url = match &sandbox {
            Some((addr, _, _)) => Some(Url::parse(&format!("http://{addr}/"))?),
            None => None,
        };
        let client = |url: Url| {
            PortalClient::new(
                url,
                Duration::from_millis(settings.portal_timeout_ms),
                Duration::from_millis(settings.portal_connect_timeout_ms),
            )
        };
        let portals = Arc::new(Portals {
            test: settings
                .test_portal_url
                .clone()
                .or(sandbox_url)
                .map(client)
                .transpose()?,
            live: settings.live_portal_url.clone().map(client).transpose()?,
        });

        let sealer = Arc::new(Sealer::from_key_file(&settings.encryption_key_file())?);
        let partners = Arc::new(Partners::new(
            storage.clone(),
            clock.clone(),
            sealer.clone(),
        ));
        let leptos = LeptosOptions::builder()
            .output_name("okno")
            .site_root(settings.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(bound)
            .build();
        let sandbox_control = match &portals.test {
            Some(portal) => Some(SandboxControl::new(
                reqwest::Client::builder()
                    .timeout(Duration::from_millis(settings.portal_timeout_ms))
                    .build()?,
                portal.base_url().clone(),
            )),
            None => None,
        };
        let sessions = Arc::new(
            Sessions::start(
                storage.clone(),
                sealer.clone(),
                clock.clone(),
                base_url.clone(),
            )
            .await
            .context("cannot load the token-signing keys")?,
        );
        let (audit, audit_writer) = AuditLog::start(storage.clone(), clock.clone());
        let outbox = Arc::new(Outbox::new(
            storage.clone(),
            sealer.clone(),
            clock.clone(),
            audit.clone(),
        ));
        let webhook_worker = tokio::spawn(outbox.clone().run());
        let partner_api = Arc::new(PartnerApi {
            storage: storage.clone(),
            clock: clock.clone(),
            outbox: outbox.clone(),
            sandbox: sandbox_control.clone(),
        });
        // In test mode citizens sign in at the sandbox's ESIA, on the test portal's host.
        let test_esia = match &portals.test {
            Some(portal) => Some(EsiaClient::new(
                portal.base_url().clone(),
                SANDBOX_CLIENT_ID,
                Arc::new(TestSigner::sandbox()),
                Duration::from_millis(settings.portal_timeout_ms),
            )?),
            None => None,
        };
        let signin = Arc::new(SignIn::new(
            storage.clone(),
            sealer.clone(),
            clock.clone(),
            sessions.clone(),
            test_esia,
            &base_url,
        ));
        let applications = Arc::new(Applications::new(ApplicationsParts {
            storage: storage.clone(),
            sealer: sealer.clone(),
            clock: clock.clone(),
            audit: audit.clone(),
            outbox: outbox.clone(),
            portals: portals.clone(),
            signin: signin.clone(),
            poll_every: Duration::from_secs(settings.status_poll_seconds.max(1)),
        }));
        let applications_worker = tokio::spawn(applications.clone().run());
        let widget = Arc::new(WidgetService {
            storage: storage.clone(),
            audit: audit.clone(),
            clock: clock.clone(),
            partners: partners.clone(),
            sessions: sessions.clone(),
            signin: signin.clone(),
            portals: portals.clone(),
            applications: applications.clone(),
            sandbox: sandbox_control,
            sandbox_step_seconds: settings.sandbox_step_seconds,
        });
        let gateway = Arc::new(
            Gateway::new(
                settings,
                partners.clone(),
                storage.clone(),
                audit.clone(),
                clock.clone(),
            )
            .context("trusted_proxies")?,
        );
        let housekeeping = tokio::spawn(housekeeping(
            storage.clone(),
            gateway.clone(),
            sessions.clone(),
            clock.clone(),
        ));
        let state = AppState {
            leptos,
            partners,
            portals,
            widget,
            storage,
            audit,
            gateway,
            sessions,
            partner_api,
            outbox,
            signin,
            okno_origin,
            https: tls.is_some(),
        };
        Ok(Application {
            listener,
            router: http::router(state.clone()),
            base_url,
            state,
            sandbox: sandbox.map(|(_, portal, task)| (portal, task)),
            audit_writer,
            housekeeping,
            webhook_worker,
            applications_worker,
            tls,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// okno's public base URL, e.g. `http://127.0.0.1:3000`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The in-process sandbox portal, when it runs.
    pub fn sandbox(&self) -> Option<&SandboxPortal> {
        self.sandbox.as_ref().map(|(portal, _)| portal)
    }

    /// The URL of the sandbox page for the first test partner, creating a demo partner
    /// (allowed origin: okno itself) when there is none yet.
    pub async fn sandbox_page(&self) -> anyhow::Result<String> {
        let partners = self.state.partners.list().await?;
        let existing = partners
            .iter()
            .flat_map(|partner| &partner.keys)
            .find(|key| key.mode == app::partner::Mode::Test && key.revoked_at.is_none())
            .map(|key| key.key.clone());
        let key = match existing {
            Some(key) => key,
            None => {
                let origins = [self.state.okno_origin.clone()];
                let created = self.state.partners.create("Демо-партнёр", &origins).await?;
                tracing::info!(partner = %created.id, "created the demo partner");
                created.publishable_key_test
            }
        };
        Ok(format!("{}/sandbox/{key}", self.base_url))
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let result = match self.tls {
            None => {
                axum::serve(self.listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Some(config) => {
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    stopper.graceful_shutdown(Some(Duration::from_secs(30)));
                });
                let config = axum_server::tls_rustls::RustlsConfig::from_config(config);
                axum_server::tls_rustls::from_tcp_rustls(self.listener.into_std()?, config)?
                    .handle(handle)
                    .serve(service)
                    .await
            }
        };
        // Every handler has finished; once the last handle is gone the writer drains what is
        // queued and ends. A handle kept elsewhere must not hold shutdown up for long.
        self.housekeeping.abort();
        // Undelivered webhooks stay in the outbox; the next start picks them up.
        self.webhook_worker.abort();
        // Applications not yet forwarded stay in their outbox too.
        self.applications_worker.abort();
        drop(self.state);
        let _ = tokio::time::timeout(Duration::from_secs(5), self.audit_writer).await;
        if let Some((_, task)) = self.sandbox {
            task.abort();
        }
        result
    }
}

/// How long personal data is kept after an application's final status (or a draft's or a
/// sign-in's last use): the consent text's "не позднее 30 дней".
pub const PERSONAL_DATA_KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1_000;
/// Housekeeping rounds between two sweeps for old personal data (hourly).
const PERSONAL_DATA_SWEEP_EVERY: u32 = 120;

/// Every half minute: forgets expired nonces, revocations and refresh tokens and idle rate
/// state, and reloads the signing keys (another process may have rotated them); hourly,
/// destroys personal data past its keeping time.
async fn housekeeping(
    storage: storage::SharedStorage,
    gateway: Arc<Gateway>,
    sessions: Arc<Sessions>,
    clock: SharedClock,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    for round in 0u32.. {
        tick.tick().await;
        gateway.forget_idle();
        if let Err(error) = storage.purge_expired(unix_millis(clock.now())).await {
            tracing::warn!(%error, "purging expired gateway state failed");
        }
        if let Err(error) = sessions.reload().await {
            tracing::warn!(%error, "reloading signing keys failed");
        }
        if round % PERSONAL_DATA_SWEEP_EVERY != 0 {
            continue;
        }
        // The consent text promises personal data is destroyed within 30 days of the decision.
        let before = unix_millis(clock.now()) - PERSONAL_DATA_KEPT_MS;
        match storage.purge_personal_data(before).await {
            Ok((0, 0, 0)) => {}
            Ok((applications, drafts, signins)) => {
                tracing::info!(
                    applications,
                    drafts,
                    signins,
                    "personal data past its keeping time destroyed"
                );
            }
            Err(error) => tracing::warn!(%error, "destroying old personal data failed"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
