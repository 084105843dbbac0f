//! The citizen flow's endpoints that are not server functions: attaching a file (a raw body, so
//! the browser can report upload progress) and the live status stream of an application
//! (server-sent events that resume after `Last-Event-ID`). Both are under `/widget-api/`, so
//! only okno's own pages may call them.

use std::collections::VecDeque;

use app::{
    applications::StatusView,
    error::AppError,
    widget_api::{FILE_NAME_HEADER, SESSION_HEADER},
};
use axum::{
    Json, Router,
    body::Body,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{get, post},
};
use futures_util::stream;
use serde::Deserialize;
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::AppState;
use crate::{applications::Applications, registry};

/// Where files are uploaded.
const ATTACHMENTS_ROUTE: &str = "/widget-api/applications/{id}/attachments";

/// Whether `path` is an upload (`ATTACHMENTS_ROUTE`), which gets a longer deadline.
pub fn is_upload(path: &str) -> bool {
    let (prefix, suffix) = ATTACHMENTS_ROUTE
        .split_once("{id}")
        .unwrap_or((ATTACHMENTS_ROUTE, ""));
    path.len() > prefix.len() + suffix.len() && path.starts_with(prefix) && path.ends_with(suffix)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(ATTACHMENTS_ROUTE, post(attach))
        .route("/widget-api/applications/{id}/events", get(events))
}

/// A refusal in the shape server functions use (`{"code": …}`), with its HTTP status.
fn refusal(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(error)).into_response()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[derive(Deserialize)]
struct AttachQuery {
    service: String,
}

/// `POST /widget-api/applications/{id}/attachments?service=…`: the file as the body, its type
/// as `Content-Type`, its name in `X-Okno-File-Name`; the widget session in `X-Okno-Session`
/// and the citizen's access token as a bearer token. 413 / 415 when the form does not take it.
async fn attach(
    State(state): State<AppState>,
    Path(application_id): Path<String>,
    Query(query): Query<AttachQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let session = header_text(&headers, SESSION_HEADER).unwrap_or_default();
    let access = header_text(&headers, header::AUTHORIZATION.as_str())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let citizen = match state.widget.citizen(session, access).await {
        Ok(citizen) => citizen,
        Err(error) => return refusal(error),
    };
    let Some(service) = registry::find(&query.service) else {
        return refusal(AppError::ServiceNotFound);
    };
    let limit = service.form.attachments.max_bytes_each as usize;
    let declared_length = header_text(&headers, header::CONTENT_LENGTH.as_str())
        .and_then(|value| value.parse::<usize>().ok());
    if declared_length.is_some_and(|length| length > limit) {
        return refusal(AppError::AttachmentTooLarge);
    }
    // One byte over the limit is enough to know the file is too big.
    let Ok(bytes) = axum::body::to_bytes(body, limit + 1).await else {
        return refusal(AppError::AttachmentTooLarge);
    };
    if bytes.len() > limit {
        return refusal(AppError::AttachmentTooLarge);
    }
    let content_type = header_text(&headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    let name = header_text(&headers, FILE_NAME_HEADER)
        .map(|encoded| percent_encoding::percent_decode_str(encoded).decode_utf8_lossy())
        .unwrap_or_default();
    match state
        .widget
        .applications
        .attach(
            &citizen,
            service,
            &application_id,
            &name,
            content_type,
            &bytes,
        )
        .await
    {
        Ok(view) => (StatusCode::CREATED, Json(view)).into_response(),
        Err(error) => refusal(error),
    }
}

#[derive(Deserialize)]
struct StreamQuery {
    session: String,
    access: String,
    /// The last status already shown, when the browser opens a new stream (after its access
    /// token was renewed) rather than reconnecting with `Last-Event-ID`.
    after: Option<i64>,
}

/// What the stream holds between events.
struct Stream {
    applications: std::sync::Arc<Applications>,
    application_id: String,
    last_seq: i64,
    queued: VecDeque<StatusView>,
    changes: Receiver<String>,
}

fn status_event(status: &StatusView) -> Event {
    Event::default()
        .id(status.seq.to_string())
        .event("status")
        .json_data(status)
        .unwrap_or_else(|_| Event::default().comment("unserialisable status"))
}

/// `GET /widget-api/applications/{id}/events?session=…&access=…[&after=N]`: every status after
/// `Last-Event-ID` (or `after`; all of them on first connect), then each new one as it arrives.
async fn events(
    State(state): State<AppState>,
    Path(application_id): Path<String>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Response {
    let citizen = match state.widget.citizen(&query.session, &query.access).await {
        Ok(citizen) => citizen,
        Err(error) => return refusal(error),
    };
    let applications = state.widget.applications.clone();
    let last_seq = header_text(&headers, "last-event-id")
        .and_then(|id| id.parse::<i64>().ok())
        .or(query.after)
        .unwrap_or(0);
    // Subscribed before the first read, so no change can fall between the two.
    let changes = applications.subscribe();
    let queued = match applications
        .timeline(&citizen, &application_id, last_seq)
        .await
    {
        Ok(statuses) => statuses.into(),
        Err(error) => return refusal(error),
    };
    let start = Stream {
        applications,
        application_id,
        last_seq,
        queued,
        changes,
    };
    let events = stream::unfold(start, |mut s| async move {
        loop {
            if let Some(status) = s.queued.pop_front() {
                s.last_seq = status.seq;
                return Some((Ok::<_, std::convert::Infallible>(status_event(&status)), s));
            }
            match s.changes.recv().await {
                Ok(changed) if changed != s.application_id => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
            // Whose it is was checked when the stream opened.
            match s
                .applications
                .timeline_after(&s.application_id, s.last_seq)
                .await
            {
                Ok(statuses) => s.queued.extend(statuses),
                Err(_) => return None,
            }
        }
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
