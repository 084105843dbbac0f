//! One delivery attempt: POST the signed body to the endpoint over a client that is pinned to
//! the checked addresses and never follows redirects, and classify the answer.

use std::{net::SocketAddr, time::Duration};

use reqwest::{header, redirect};
use url::{Host, Url};

/// A receiver that has not answered by then is treated as down.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const USER_AGENT: &str = "okno-webhooks/1";
/// Enough of a `Location` header to act on, not enough to bloat the attempt log.
const MAX_LOCATION_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A 2xx answer: the message is done.
    Delivered,
    /// Anything else: retry on the schedule.
    Failed,
    /// 410 Gone: the receiver asked us to stop; the endpoint must be disabled.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The HTTP status, `None` when no answer arrived (connect error, timeout).
    pub status: Option<u16>,
    /// Time from sending until the response headers or the error.
    pub latency_ms: u64,
    pub outcome: AttemptOutcome,
    /// What went wrong, in words for the endpoint owner; `None` when delivered.
    pub error: Option<String>,
}

/// The delivery client: 15 s per attempt, no redirects (a 3xx could point anywhere, including
/// inside our network, after the URL was checked), no proxy from the environment (a proxy
/// would resolve the host itself and undo the pinning). With `pins`, the host's name resolves
/// only to the given addresses — pass what [`super::target::resolve_public`] returned.
pub fn client(pins: Option<(&str, &[SocketAddr])>) -> Result<reqwest::Client, reqwest::Error> {
    client_with_timeout(pins, ATTEMPT_TIMEOUT)
}

/// [`client`] with another overall timeout; tests use a short one.
pub fn client_with_timeout(
    pins: Option<(&str, &[SocketAddr])>,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .user_agent(USER_AGENT)
        .no_proxy();
    if let Some((host, addrs)) = pins {
        builder = builder.resolve_to_addrs(host, addrs);
    }
    builder.build()
}

/// A client for `url` pinned to `addrs`. An IP-literal host needs no pin: reqwest connects to
/// it without resolving, and it was checked as it stands.
pub fn client_for(url: &Url, addrs: &[SocketAddr]) -> Result<reqwest::Client, reqwest::Error> {
    match url.host() {
        Some(Host::Domain(domain)) => client(Some((domain, addrs))),
        _ => client(None),
    }
}

/// POSTs `body` as JSON with `headers` (the `webhook-*` ones from
/// [`super::signing::headers`]) and says what happened. Never fails: every error is a
/// [`AttemptOutcome::Failed`] attempt, to be logged and retried.
pub async fn attempt(
    client: &reqwest::Client,
    url: &Url,
    headers: &[(&str, String)],
    body: impl Into<reqwest::Body>,
) -> Attempt {
    let mut request = client
        .post(url.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let started = std::time::Instant::now();
    let sent = request.send().await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return Attempt {
                status: None,
                latency_ms,
                outcome: AttemptOutcome::Failed,
                error: Some(describe(error)),
            };
        }
    };
    // The body is not read: nothing in it changes the outcome, and a hostile receiver could
    // make it endless.
    let status = response.status();
    let (outcome, error) = if status.is_success() {
        (AttemptOutcome::Delivered, None)
    } else if status == reqwest::StatusCode::GONE {
        (
            AttemptOutcome::Gone,
            Some("the endpoint answered 410 Gone, asking for no more webhooks".to_owned()),
        )
    } else if status.is_redirection() {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.chars().take(MAX_LOCATION_CHARS).collect::<String>());
        let to = location.map(|l| format!(" to {l}")).unwrap_or_default();
        (
            AttemptOutcome::Failed,
            Some(format!(
                "the endpoint answered {status} redirecting{to}; redirects are not followed, \
                 register the final URL instead"
            )),
        )
    } else {
        (
            AttemptOutcome::Failed,
            Some(format!(
                "the endpoint answered {status}, expected a 2xx status"
            )),
        )
    };
    Attempt {
        status: Some(status.as_u16()),
        latency_ms,
        outcome,
        error,
    }
}

/// The error and its causes on one line ("error sending request: … : connection refused"):
/// reqwest's own message alone rarely says what failed. The URL is left out; it is on record.
fn describe(error: reqwest::Error) -> String {
    let timed_out = error.is_timeout();
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if timed_out && !text.contains("timed out") {
        text.push_str(" (timed out)");
    }
    text
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    };

    use axum::{
        Router,
        http::{HeaderMap, StatusCode},
        response::IntoResponse,
        routing::post,
    };

    use super::*;

    #[derive(Default)]
    struct Seen {
        requests: Mutex<Vec<(HeaderMap, Vec<u8>)>>,
        ok_hits: AtomicUsize,
    }

    async fn serve() -> (SocketAddr, Arc<Seen>) {
        let seen = Arc::new(Seen::default());
        let record = seen.clone();
        let ok_seen = seen.clone();
        let app = Router::new()
            .route(
                "/ok",
                post(
                    move |headers: HeaderMap, body: axum::body::Bytes| async move {
                        ok_seen.ok_hits.fetch_add(1, Ordering::SeqCst);
                        record
                            .requests
                            .lock()
                            .unwrap()
                            .push((headers, body.to_vec()));
                        StatusCode::OK
                    },
                ),
            )
            .route("/accepted", post(|| async { StatusCode::ACCEPTED }))
            .route("/no-content", post(|| async { StatusCode::NO_CONTENT }))
            .route(
                "/fail",
                post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
            )
            .route("/not-found", post(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/too-many",
                post(|| async { StatusCode::TOO_MANY_REQUESTS }),
            )
            .route("/gone", post(|| async { StatusCode::GONE }))
            .route(
                "/redirect",
                post(|| async { (StatusCode::FOUND, [("location", "/ok")]).into_response() }),
            )
            .route(
                "/redirect-308",
                post(|| async {
                    (StatusCode::PERMANENT_REDIRECT, [("location", "/ok")]).into_response()
                }),
            )
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    StatusCode::OK
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (addr, seen)
    }

    fn url(addr: SocketAddr, path: &str) -> Url {
        Url::parse(&format!("http://{addr}{path}")).unwrap()
    }

    fn test_headers() -> [(&'static str, String); 3] {
        super::super::signing::headers("msg_test", 1_700_000_000, "v1,c2ln")
    }

    #[tokio::test]
    async fn two_hundreds_are_delivered_with_the_right_request() {
        let (addr, seen) = serve().await;
        let client = client(None).unwrap();
        let body = br#"{"type":"ping"}"#.to_vec();
        let got = attempt(&client, &url(addr, "/ok"), &test_headers(), body.clone()).await;
        assert_eq!(got.outcome, AttemptOutcome::Delivered);
        assert_eq!(got.status, Some(200));
        assert_eq!(got.error, None);
        assert!(got.latency_ms < 15_000);

        {
            let requests = seen.requests.lock().unwrap();
            let (headers, received) = &requests[0];
            assert_eq!(received, &body);
            assert_eq!(headers["content-type"], "application/json");
            assert_eq!(headers["user-agent"], USER_AGENT);
            assert_eq!(headers["webhook-id"], "msg_test");
            assert_eq!(headers["webhook-timestamp"], "1700000000");
            assert_eq!(headers["webhook-signature"], "v1,c2ln");
        }

        for path in ["/accepted", "/no-content"] {
            let got = attempt(&client, &url(addr, path), &test_headers(), "{}").await;
            assert_eq!(got.outcome, AttemptOutcome::Delivered, "{path}");
        }
    }

    #[tokio::test]
    async fn error_statuses_fail() {
        let (addr, _) = serve().await;
        let client = client(None).unwrap();
        for (path, code) in [("/fail", 500), ("/not-found", 404), ("/too-many", 429)] {
            let got = attempt(&client, &url(addr, path), &test_headers(), "{}").await;
            assert_eq!(got.outcome, AttemptOutcome::Failed, "{path}");
            assert_eq!(got.status, Some(code));
            assert!(got.error.unwrap().contains(&code.to_string()));
        }
    }

    #[tokio::test]
    async fn redirects_fail_and_are_not_followed() {
        let (addr, seen) = serve().await;
        let client = client(None).unwrap();
        for (path, code) in [("/redirect", 302), ("/redirect-308", 308)] {
            let got = attempt(&client, &url(addr, path), &test_headers(), "{}").await;
            assert_eq!(got.outcome, AttemptOutcome::Failed, "{path}");
            assert_eq!(got.status, Some(code));
            let error = got.error.unwrap();
            assert!(
                error.contains("to /ok") && error.contains("not followed"),
                "{error}"
            );
        }
        assert_eq!(
            seen.ok_hits.load(Ordering::SeqCst),
            0,
            "a redirect was followed"
        );
    }

    #[tokio::test]
    async fn gone_disables() {
        let (addr, _) = serve().await;
        let got = attempt(
            &client(None).unwrap(),
            &url(addr, "/gone"),
            &test_headers(),
            "{}",
        )
        .await;
        assert_eq!(got.outcome, AttemptOutcome::Gone);
        assert_eq!(got.status, Some(410));
    }

    #[tokio::test]
    async fn slow_receivers_time_out() {
        let (addr, _) = serve().await;
        let client = client_with_timeout(None, Duration::from_millis(300)).unwrap();
        let got = attempt(&client, &url(addr, "/slow"), &test_headers(), "{}").await;
        assert_eq!(got.outcome, AttemptOutcome::Failed);
        assert_eq!(got.status, None);
        assert!((300..5_000).contains(&got.latency_ms), "{}", got.latency_ms);
        let error = got.error.unwrap();
        assert!(error.contains("timed out"), "{error}");
        assert!(
            !error.contains("127.0.0.1"),
            "URL leaked into the error: {error}"
        );
    }

    #[tokio::test]
    async fn refused_connections_fail_with_the_cause() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let got = attempt(
            &client(None).unwrap(),
            &url(addr, "/ok"),
            &test_headers(),
            "{}",
        )
        .await;
        assert_eq!(got.outcome, AttemptOutcome::Failed);
        assert_eq!(got.status, None);
        let error = got.error.unwrap();
        assert!(error.to_lowercase().contains("refused"), "{error}");
    }

    #[tokio::test]
    async fn bad_header_values_fail_instead_of_panicking() {
        let (addr, seen) = serve().await;
        let headers = [("webhook-id", "msg_\r\ninjected: yes".to_owned())];
        let got = attempt(&client(None).unwrap(), &url(addr, "/ok"), &headers, "{}").await;
        assert_eq!(got.outcome, AttemptOutcome::Failed);
        assert_eq!(got.status, None);
        assert!(seen.requests.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn pinned_names_go_to_the_pinned_address_only() {
        let (addr, seen) = serve().await;
        // A name no resolver knows: reaching the server proves the pin was used, not DNS.
        let pinned = Url::parse(&format!("http://hooks.okno.test:{}/ok", addr.port())).unwrap();
        let client = client_for(&pinned, &[addr]).unwrap();
        let got = attempt(&client, &pinned, &test_headers(), "{}").await;
        assert_eq!(got.outcome, AttemptOutcome::Delivered, "{:?}", got.error);
        let requests = seen.requests.lock().unwrap();
        assert_eq!(
            requests[0].0["host"],
            format!("hooks.okno.test:{}", addr.port())
        );
    }

    #[tokio::test]
    async fn ip_literals_need_no_pin() {
        let (addr, _) = serve().await;
        let target = url(addr, "/ok");
        let client = client_for(&target, &[addr]).unwrap();
        let got = attempt(&client, &target, &test_headers(), "{}").await;
        assert_eq!(got.outcome, AttemptOutcome::Delivered);
    }

    #[test]
    fn production_timeouts() {
        assert_eq!(ATTEMPT_TIMEOUT, Duration::from_secs(15));
        assert_eq!(CONNECT_TIMEOUT, Duration::from_secs(5));
    }
}
