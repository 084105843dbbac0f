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
    let data = tempfile::tempdir().expect("tempdir");
    let mut settings = test_settings(&data);
    adjust(&mut settings);
    let app = Application::build(&settings, Arc::new(SystemClock))
        .await
        .expect("build");
    let base = app.base_url().to_owned();
    let partners = app.state().partners.clone();
    let storage = app.state().storage.clone();
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
