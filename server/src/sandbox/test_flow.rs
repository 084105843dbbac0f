//! Test support: a sandbox on port 0 and a citizen's sign-in driven through its pages over HTTP,
//! with the gateway's own ESIA and portal clients.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use url::Url;

use super::{SandboxPortal, esia::SANDBOX_CLIENT_ID, spawn};
use crate::{
    clock::{SharedClock, SystemClock},
    esia::{
        client::{EsiaClient, EsiaClientError, Pkce, Tokens},
        signer::TestSigner,
    },
    portal::PortalClient,
};

/// Time between scheduled status changes in tests.
pub const STEP: time::Duration = time::Duration::seconds(30);

pub const REDIRECT_URI: &str = "http://okno.test/esia/callback";

pub struct Sandbox {
    pub base: Url,
    pub portal: PortalClient,
    pub esia: EsiaClient,
    pub state: SandboxPortal,
    pub http: reqwest::Client,
    pub clock: SharedClock,
}

pub async fn start() -> Sandbox {
    start_with_clock(Arc::new(SystemClock)).await
}

pub async fn start_with_clock(clock: SharedClock) -> Sandbox {
    let (addr, state, _task) = spawn(SocketAddr::from(([127, 0, 0, 1], 0)), clock.clone(), STEP)
        .await
        .expect("spawn");
    let base = Url::parse(&format!("http://{addr}/")).expect("url");
    Sandbox {
        portal: PortalClient::new(base.clone(), Duration::from_secs(5), Duration::from_secs(1))
            .expect("client"),
        esia: EsiaClient::new(
            base.clone(),
            SANDBOX_CLIENT_ID,
            Arc::new(TestSigner::sandbox()),
            Duration::from_secs(5),
        )
        .expect("esia"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http"),
        base,
        state,
        clock,
    }
}

/// What a step of the browser flow ended with.
#[derive(Debug)]
pub enum Step {
    /// A page (status, HTML).
    Page(u16, String),
    /// A redirect to the client system.
    Redirect(Url),
}

pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].split('"').next()?.to_owned())
}

impl Sandbox {
    pub async fn step(&self, request: reqwest::RequestBuilder) -> Step {
        let response = request.send().await.expect("send");
        let status = response.status().as_u16();
        match response.headers().get("location") {
            Some(location) => {
                Step::Redirect(Url::parse(location.to_str().expect("ascii")).expect("location"))
            }
            None => Step::Page(status, response.text().await.expect("body")),
        }
    }

    /// Opens the sign-in page; returns its request id.
    pub async fn open(&self, scope: &str, state: &str, pkce: &Pkce) -> Step {
        let url = self
            .esia
            .authorization_url(scope, state, REDIRECT_URI, pkce, self.clock.now())
            .expect("url");
        self.step(self.http.get(url)).await
    }

    pub async fn choose(&self, request_id: &str, oid: &str) -> Step {
        let url = self.base.join("aas/oauth2/v2/ac/login").expect("url");
        self.step(
            self.http
                .post(url)
                .form(&[("request_id", request_id), ("oid", oid)]),
        )
        .await
    }

    pub async fn decide(&self, request_id: &str, oid: &str, decision: &str) -> Step {
        let url = self.base.join("aas/oauth2/v2/ac/consent").expect("url");
        self.step(self.http.post(url).form(&[
            ("request_id", request_id),
            ("oid", oid),
            ("decision", decision),
        ]))
        .await
    }

    /// Signs a test citizen in and consents; returns the authorization code and the PKCE verifier.
    pub async fn authorize(&self, oid: &str, scope: &str) -> Result<(String, Pkce), Url> {
        let pkce = Pkce::generate();
        let Step::Page(200, page) = self.open(scope, "state-1", &pkce).await else {
            panic!("no sign-in page")
        };
        let request_id = hidden_value(&page, "request_id").expect("request id");
        match self.choose(&request_id, oid).await {
            Step::Page(200, _) => {}
            Step::Redirect(url) => return Err(url),
            other => panic!("unexpected {other:?}"),
        }
        let Step::Redirect(back) = self.decide(&request_id, oid, "allow").await else {
            panic!("no redirect")
        };
        let returned_state = back
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned());
        assert_eq!(
            returned_state.as_deref(),
            Some("state-1"),
            "ESIA returns the request's state"
        );
        let code = back
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned());
        match code {
            Some(code) => Ok((code, pkce)),
            None => Err(back),
        }
    }

    /// The whole flow: sign-in page, citizen, consent, code exchange.
    pub async fn sign_in(&self, oid: &str, scope: &str) -> Result<Tokens, EsiaClientError> {
        let (code, pkce) =
            self.authorize(oid, scope)
                .await
                .map_err(|url| EsiaClientError::Refused {
                    error: "redirect".into(),
                    description: url.to_string(),
                })?;
        self.esia
            .exchange_code(&code, scope, REDIRECT_URI, &pkce.verifier, self.clock.now())
            .await
    }
}
