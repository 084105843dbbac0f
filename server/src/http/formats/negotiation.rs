//! Content negotiation for the Partner API: the request body's format by `Content-Type`, the
//! answer's by `Accept` (q-values, wildcards, the most specific range first).

use std::{cmp::Reverse, convert::Infallible};

use axum::{
    extract::FromRequestParts,
    response::{IntoResponse, Response},
};
use http::{
    HeaderMap, StatusCode,
    header::{ACCEPT, CONTENT_TYPE},
    request::Parts,
};
use serde::Serialize;

use super::{DocumentError, DocumentRejection, Format, render, request_id, typed_response};

/// The format of the request body by `Content-Type`: JSON when there is none; `application/json`,
/// `application/xml` or `text/xml` with any parameters (a `charset` must be UTF-8); else 415.
pub fn request_format(headers: &HeaderMap) -> Result<Format, DocumentError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(Format::Json);
    };
    let text = value
        .to_str()
        .map_err(|_| DocumentError::unsupported_media_type("the Content-Type is not text"))?;
    let (essence, params) = text.split_once(';').unwrap_or((text, ""));
    let format = match essence.trim().to_ascii_lowercase().as_str() {
        "application/json" => Format::Json,
        "application/xml" | "text/xml" => Format::Xml,
        _ => {
            return Err(DocumentError::unsupported_media_type(&format!(
                "got `{}`",
                essence.trim()
            )));
        }
    };
    for param in params.split(';') {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = value.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("us-ascii") {
                return Err(DocumentError::unsupported_media_type(&format!(
                    "got charset `{charset}`"
                )));
            }
        }
    }
    Ok(format)
}

/// One media range of `Accept`.
#[derive(Debug)]
struct MediaRange {
    kind: String,
    subtype: String,
    /// The quality in thousandths (0..=1000).
    quality: u16,
    /// Its place in the header, first = 0.
    position: usize,
}

/// An RFC 9110 qvalue (`0`, `0.5`, `1.000`…) in thousandths.
pub(super) fn parse_quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

fn parse_range(item: &str, position: usize) -> Option<MediaRange> {
    let mut parts = item.split(';');
    let (kind, subtype) = parts.next()?.trim().split_once('/')?;
    let (kind, subtype) = (
        kind.trim().to_ascii_lowercase(),
        subtype.trim().to_ascii_lowercase(),
    );
    if kind.is_empty() || subtype.is_empty() || (kind == "*" && subtype != "*") {
        return None;
    }
    let mut quality = 1000;
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            quality = parse_quality(value.trim())?;
        }
    }
    Some(MediaRange {
        kind,
        subtype,
        quality,
        position,
    })
}

/// How much a client wants a media type: quality, specificity of the deciding range, earliness.
type Score = (u16, u8, Reverse<usize>);

/// How much the client wants `kind/subtype`: the quality of the most specific range that matches
/// it (the first listed among equals), then that specificity, then earliness.
fn preference(
    ranges: &[MediaRange],
    kind: &str,
    subtype: &str,
) -> Option<(u16, u8, Reverse<usize>)> {
    ranges
        .iter()
        .filter_map(|range| {
            let specificity = if range.kind == kind && range.subtype == subtype {
                2
            } else if range.kind == kind && range.subtype == "*" {
                1
            } else if range.kind == "*" {
                0
            } else {
                return None;
            };
            Some((specificity, Reverse(range.position), range.quality))
        })
        .max()
        .map(|(specificity, position, quality)| (quality, specificity, position))
}

/// The format to answer in by `Accept`: the acceptable one (q > 0) with the highest quality; on a
/// tie the one named more specifically, then the one listed first, then JSON. JSON when `Accept`
/// is missing or names nothing readable; 406 when it excludes both.
pub fn response_format(headers: &HeaderMap) -> Result<Format, DocumentError> {
    let ranges: Vec<MediaRange> = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .enumerate()
        .filter_map(|(position, item)| parse_range(item, position))
        .collect();
    if ranges.is_empty() {
        return Ok(Format::Json);
    }
    let mut best: Option<(Format, Score)> = None;
    for format in Format::ALL {
        let score = format
            .media_types()
            .iter()
            .filter_map(|(kind, subtype)| preference(&ranges, kind, subtype))
            .max();
        if let Some(score) = score
            && score.0 > 0
            && best.as_ref().is_none_or(|(_, best)| score > *best)
        {
            best = Some((format, score));
        }
    }
    best.map(|(format, _)| format)
        .ok_or_else(DocumentError::not_acceptable)
}

/// The answer format of a request (an extractor that never fails): the client's best by `Accept`,
/// or JSON with `acceptable == false` when it accepts neither, then [`Negotiated::check`] and
/// [`Negotiated::respond`] answer 406 (as JSON). Check before changing state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub format: Format,
    pub acceptable: bool,
    pub request_id: Option<String>,
}

impl Negotiated {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let (format, acceptable) = match response_format(headers) {
            Ok(format) => (format, true),
            Err(_) => (Format::Json, false),
        };
        Self {
            format,
            acceptable,
            request_id: request_id(headers),
        }
    }

    /// The answer format, or the 406 refusal.
    pub fn check(&self) -> Result<Format, DocumentRejection> {
        if self.acceptable {
            Ok(self.format)
        } else {
            Err(self.reject(DocumentError::not_acceptable()))
        }
    }

    /// `error` as this request's refusal (its format and request id).
    pub fn reject(&self, error: DocumentError) -> DocumentRejection {
        DocumentRejection {
            error,
            format: self.format,
            request_id: self.request_id.clone(),
        }
    }

    /// [`respond`] in the negotiated format, or the 406 refusal.
    pub fn respond<T: Serialize + ?Sized>(
        &self,
        status: StatusCode,
        root: &str,
        value: &T,
    ) -> Response {
        match self.check() {
            Ok(format) => match render(format, root, value) {
                Ok(bytes) => typed_response(status, format, bytes),
                Err(error) => self.reject(error).into_response(),
            },
            Err(rejection) => rejection.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}
