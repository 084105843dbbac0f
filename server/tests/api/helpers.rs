//! Starting a real okno for a test and talking to it.

use std::{path::PathBuf, sync::Arc};

use server::{
    clock::SystemClock, config::Settings, partners::CreatedPartner, partners::Partners,
    startup::Application,
};
use tokio::{sync::oneshot, task::JoinHandle};

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub partners: Arc<Partners>,
    pub storage: server::storage::SharedStorage,
    pub sandbox: Option<server::sandbox::SandboxPortal>,
    /// The test portal's base URL (the in-process sandbox), ending in `/`.
    pub portal_url: Option<String>,
    pub sessions: Arc<server::sessions::Sessions>,
    shutdown: Option<oneshot::Sender<()>>,
    pub server: Option<JoinHandle<std::io::Result<()>>>,
    _data: tempfile::TempDir,
}

/// Settings for a test: port 0, a fresh data directory, the in-process sandbox portal.
pub fn test_settings(data: &tempfile::TempDir) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data.path().to_owned(),
        demo_partner: false,
        site_root: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../public")),
        ..Settings::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_with_clock(adjust, Arc::new(SystemClock)).await
}

/// Like [`spawn_with`] on a clock the test controls.
pub async fn spawn_with_clock(
    adjust: impl FnOnce(&mut Settings),
    clock: server::clock::SharedClock,
) -> TestApp {
    let data = tempfile::tempdir().expect("tempdir");
    let mut settings = test_settings(&data);
    adjust(&mut settings);
    let app = Application::build(&settings, clock).await.expect("build");
    let base = app.base_url().to_owned();
    let partners = app.state().partners.clone();
    let storage = app.state().storage.clone();
    let sandbox = app.sandbox().cloned();
    let portal_url = app
        .state()
        .portals
        .test
        .as_ref()
        .map(|p| p.base_url().to_string());
    let sessions = app.state().sessions.clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestApp {
        base,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        partners,
        storage,
        sandbox,
        portal_url,
        sessions,
        shutdown: Some(tx),
        server: Some(server),
        _data: data,
    }
}

impl TestApp {
    pub async fn partner(&self, origins: &[&str]) -> CreatedPartner {
        let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
        self.partners
            .create("Test shop", &origins)
            .await
            .expect("partner")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// A widget-session token for `publishable_key`, as a widget page would carry.
    pub async fn widget_session(&self, publishable_key: &str) -> String {
        let partner = self.partners.resolve(publishable_key).await.expect("key");
        self.sessions
            .issue_widget_session(&server::tokens::WidgetSession {
                partner_id: partner.id,
                publishable_key: publishable_key.to_owned(),
                origin: self.base.clone(),
                mode: partner.mode,
            })
            .expect("session")
            .token
    }

    /// The server's data directory (its SQLite file and key file).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    /// EPGU API calls the in-process sandbox portal has received so far.
    pub fn portal_calls(&self) -> u64 {
        self.sandbox
            .as_ref()
            .map_or(0, |sandbox| sandbox.api_calls())
    }

    /// Sends `request` after signing it as a partner would with `key`, letting `tamper`
    /// change the signed request before it is sent.
    pub async fn send_signed(
        &self,
        request: SignedCall<'_>,
        tamper: impl FnOnce(&mut http::request::Parts, &mut Vec<u8>),
    ) -> reqwest::Response {
        let url = format!("{}{}", self.base, request.path_and_query);
        let authority = url::Url::parse(&url).expect("url");
        let host = format!(
            "{}:{}",
            authority.host_str().expect("host"),
            authority.port().expect("port")
        );
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(&url)
            .header("host", host);
        if let Some(content_type) = request.content_type {
            builder = builder.header("content-type", content_type);
        }
        let (mut parts, ()) = builder.body(()).expect("request").into_parts();
        let mut body = request.body.to_vec();
        let now = server::clock::Clock::now(&server::clock::SystemClock).unix_timestamp();
        let created = now + request.created_offset;
        let nonce = format!("n{:032x}", rand::random::<u128>());
        server::signatures::sign(
            &mut parts,
            &body,
            request.key_id,
            request.key,
            created,
            created + request.lifetime,
            &nonce,
        )
        .expect("sign");
        tamper(&mut parts, &mut body);
        let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).expect("m");
        let mut outgoing = self.http.request(method, parts.uri.to_string());
        for (name, value) in &parts.headers {
            if name != "host" {
                outgoing = outgoing.header(name.as_str(), value.as_bytes());
            }
        }
        outgoing.body(body).send().await.expect("send")
    }

    /// Asks the server to stop and waits until it has.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("join").expect("serve");
        }
    }
}

pub fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A Partner API call to sign: what is covered, and when it was signed.
pub struct SignedCall<'a> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub key_id: &'a str,
    pub key: &'a server::signatures::SigningKey,
    /// Seconds from now to `created`.
    pub created_offset: i64,
    /// `expires - created`.
    pub lifetime: i64,
}

impl<'a> SignedCall<'a> {
    pub fn get(
        path_and_query: &'a str,
        key_id: &'a str,
        key: &'a server::signatures::SigningKey,
    ) -> Self {
        SignedCall {
            method: "GET",
            path_and_query,
            content_type: None,
            body: b"",
            key_id,
            key,
            created_offset: 0,
            lifetime: 60,
        }
    }

    pub fn form(
        path: &'a str,
        body: &'a [u8],
        key_id: &'a str,
        key: &'a server::signatures::SigningKey,
    ) -> Self {
        SignedCall {
            method: "POST",
            content_type: Some("application/x-www-form-urlencoded"),
            body,
            ..SignedCall::get(path, key_id, key)
        }
    }
}
