//! JSON and XML for the Partner API: request bodies by `Content-Type`, answers by `Accept`, and one error document in both.

use std::error::Error as StdError;

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{
    HeaderMap, HeaderValue, StatusCode,
    header::{CONTENT_LENGTH, CONTENT_TYPE, VARY},
};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::error::Category;
use serde_path_to_error::{Path, Segment};

/// The largest request body read, in bytes (5 MiB); a larger one is refused with 413 `body_too_large`.
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// The request header whose value is echoed as `request_id` in error documents.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The element name of each entry of a list in XML.
pub const XML_ITEM: &str = "item";

mod negotiation;

#[cfg(test)]
use negotiation::parse_quality;
pub use negotiation::{Negotiated, request_format, response_format};

/// A body format of the Partner API.
///
/// XML mapping (the same Rust types serve both formats):
/// - The document is one root element. In requests its name is not checked (any name is
///   accepted); in answers it is the name the caller passes to [`respond`] (`order`, `services`, `error`…).
/// - A struct (or map) is an element whose fields are child elements named as in JSON; attributes
///   are not used (with `deny_unknown_fields` an attribute, `xmlns` too, is an unknown field `@name`).
/// - A list is an element with one `<item>` child per entry: `<items><item>…</item><item>…</item></items>`;
///   request types mark such `Vec` fields `#[serde(with = "formats::list")]` (add `default` to make them optional).
///   A list answered at the top is `<root><item>…</item></root>`.
/// - Numbers, booleans (`true`/`false`) and unit enum variants (`premium`) are the element's text;
///   text is escaped (`&lt; &amp; &gt; &quot; &apos;`) and must be UTF-8.
/// - An absent `Option` (JSON `null`) is an absent element; an empty list is an empty element (`<items/>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/json`: the default.
    Json,
    /// `application/xml` or `text/xml`, UTF-8.
    Xml,
}

impl Format {
    /// Every format, in the server's order of preference when the client likes both equally.
    pub const ALL: [Self; 2] = [Self::Json, Self::Xml];

    /// The `Content-Type` of an answer in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Xml => "application/xml; charset=utf-8",
        }
    }

    /// The media types (type, subtype) that name this format.
    const fn media_types(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Json => &[("application", "json")],
            Self::Xml => &[("application", "xml"), ("text", "xml")],
        }
    }
}

/// A refusal of a request, rendered as the error document
/// (`{"error":{"code","message","field","request_id"}}` or `<error>…</error>`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct DocumentError {
    pub status: StatusCode,
    /// A stable code clients can branch on.
    pub code: &'static str,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The dotted path of the field at fault (`items[2].service_id`), when there is one.
    pub field: Option<String>,
}

/// The error document's fields; absent ones are `null` in JSON and left out in XML.
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
    request_id: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

/// Sent when even the error document could not be written (it cannot happen in practice).
const FALLBACK_ERROR: &str = r#"{"error":{"code":"internal_error","message":"okno could not complete this request; try again later.","field":null,"request_id":null}}"#;

impl DocumentError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The same error, naming the field at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 500 `internal_error`: okno failed; the details belong in the log, not the answer.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "okno could not complete this request; try again later.",
        )
    }

    /// 406 `not_acceptable`: `Accept` allows neither JSON nor XML.
    pub fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "okno answers in application/json or application/xml; accept one of them (or */*).",
        )
    }

    /// 413 `body_too_large`.
    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "The request body is larger than 5 MiB; send less and try again.",
        )
    }

    fn unsupported_media_type(detail: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Send the body as application/json or application/xml in UTF-8 ({detail})."),
        )
    }

    fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_body", message)
    }

    /// Renders the error document in `format`, with the request's id when known.
    pub fn into_response_for(self, format: Format, request_id: Option<String>) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: &self.message,
            field: self.field.as_deref(),
            request_id: request_id.as_deref(),
        };
        let rendered = match format {
            Format::Json => render(format, "", &ErrorEnvelope { error: body }),
            Format::Xml => render(format, "error", &body),
        };
        match rendered {
            Ok(bytes) => typed_response(self.status, format, bytes),
            Err(_) => typed_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                Format::Json,
                FALLBACK_ERROR.as_bytes().to_vec(),
            ),
        }
    }
}

/// Marks a response made from a bare [`DocumentError`] so [`negotiated_errors`] can re-render it.
#[derive(Clone, Debug)]
struct Unrendered(DocumentError);

/// Without a known format: JSON without a request id. Behind the [`negotiated_errors`] layer the
/// document is re-rendered in the client's format with its request id.
impl IntoResponse for DocumentError {
    fn into_response(self) -> Response {
        let mut response = self.clone().into_response_for(Format::Json, None);
        response.extensions_mut().insert(Unrendered(self));
        response
    }
}

/// Middleware (`axum::middleware::from_fn(negotiated_errors)`): renders every [`DocumentError`]
/// that a handler returned in the format the client accepts, with its `x-request-id`.
pub async fn negotiated_errors(request: Request, next: Next) -> Response {
    let negotiated = Negotiated::from_headers(request.headers());
    let mut response = next.run(request).await;
    let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    let (parts, _) = response.into_parts();
    let mut rendered = error.into_response_for(negotiated.format, negotiated.request_id);
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && name != VARY {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}

/// A [`DocumentError`] with what is known of the request: answers in the client's format.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct DocumentRejection {
    pub error: DocumentError,
    pub format: Format,
    pub request_id: Option<String>,
}

impl IntoResponse for DocumentRejection {
    fn into_response(self) -> Response {
        self.error.into_response_for(self.format, self.request_id)
    }
}

/// The request's `x-request-id`, if it is text.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn typed_response(status: StatusCode, format: Format, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.append(VARY, HeaderValue::from_static("accept"));
    response
}

/// `value` as an answer in `format` with `status`; in XML its root element is `root` (in JSON
/// `root` is unused). A value that cannot be written becomes 500 `internal_error`.
pub fn respond<T: Serialize + ?Sized>(
    format: Format,
    status: StatusCode,
    root: &str,
    value: &T,
) -> Response {
    match render(format, root, value) {
        Ok(bytes) => typed_response(status, format, bytes),
        Err(error) => error.into_response_for(format, None),
    }
}

fn render<T: Serialize + ?Sized>(
    format: Format,
    root: &str,
    value: &T,
) -> Result<Vec<u8>, DocumentError> {
    match format {
        Format::Json => serde_json::to_vec(value).map_err(|_| DocumentError::internal()),
        Format::Xml => to_xml(root, value).map(String::into_bytes),
    }
}

/// `value` as an XML document with root element `root` (see [`Format`] for the mapping).
pub fn to_xml<T: Serialize + ?Sized>(root: &str, value: &T) -> Result<String, DocumentError> {
    // Through JSON into an ordered tree: fields keep their declared order, lists and nulls get
    // their XML shape, and quick-xml writes (and escapes) the result.
    let json = serde_json::to_vec(value).map_err(|_| DocumentError::internal())?;
    let tree: Node = serde_json::from_slice(&json).map_err(|_| DocumentError::internal())?;
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let mut serializer = quick_xml::se::Serializer::with_root(&mut out, Some(root))
        .map_err(|_| DocumentError::internal())?;
    serializer.set_quote_level(quick_xml::se::QuoteLevel::Full);
    tree.serialize(serializer)
        .map_err(|_| DocumentError::internal())?;
    Ok(out)
}

/// A JSON value with its members in document order, written in its XML shape.
#[derive(Debug)]
enum Node {
    Null,
    Text(String),
    List(Vec<Node>),
    Fields(Vec<(String, Node)>),
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> serde::de::Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Node, E> {
        Ok(Node::Text(value.to_string()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Node, E> {
        Ok(Node::Text(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Node, E> {
        Ok(Node::Text(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Node, E> {
        // JSON's spelling of the number (`9.5`, `1e300`), as the JSON answer has it.
        Ok(serde_json::Number::from_f64(value).map_or(Node::Null, |n| Node::Text(n.to_string())))
    }

    fn visit_str<E>(self, value: &str) -> Result<Node, E> {
        Ok(Node::Text(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Node, E> {
        Ok(Node::Text(value))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut fields = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            fields.push((key, value));
        }
        Ok(Node::Fields(fields))
    }
}

/// The entries of a list, written as repeated `<item>` elements.
struct Items<'a>(&'a [Node]);

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0)
    }
}

impl Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Text(text) => serializer.serialize_str(text),
            Self::List(items) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(XML_ITEM, &Items(items))?;
                map.end()
            }
            Self::Fields(fields) => {
                let mut map = serializer.serialize_map(None)?;
                for (key, value) in fields {
                    if !matches!(value, Self::Null) {
                        map.serialize_entry(key, value)?;
                    }
                }
                map.end()
            }
        }
    }
}

/// Reads `body` (a document in `format`) into `T`. Malformed → 400 `malformed_body`; well-formed
/// but not a `T` (wrong type, missing or unknown field) → 422 `invalid_field` naming the field.
pub fn parse<T: DeserializeOwned>(format: Format, body: &[u8]) -> Result<T, DocumentError> {
    match format {
        Format::Json => parse_json(body),
        Format::Xml => parse_xml(body),
    }
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DocumentError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().clone();
        let error = error.into_inner();
        // A misfit found before a syntax error further on: the syntax error is the answer.
        match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Err(syntax) if error.classify() == Category::Data => json_error(&syntax, None),
            _ => json_error(&error, Some(&path)),
        }
    })?;
    deserializer
        .end()
        .map_err(|error| json_error(&error, None))?;
    Ok(value)
}

fn json_error(error: &serde_json::Error, path: Option<&Path>) -> DocumentError {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let detail = text.strip_suffix(&suffix).unwrap_or(&text);
    match error.classify() {
        Category::Data => invalid_field(path, Format::Json, detail),
        Category::Io | Category::Syntax | Category::Eof => DocumentError::malformed(format!(
            "The body is not valid JSON at line {}, column {}: {detail}.",
            error.line(),
            error.column()
        )),
    }
}

fn parse_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, DocumentError> {
    let text = std::str::from_utf8(body).map_err(|error| {
        DocumentError::malformed(format!(
            "The body is not UTF-8 (byte {} is not).",
            error.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_xml_document(text)?;
    let mut deserializer = quick_xml::de::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().clone();
        xml_error(error.into_inner(), &path)
    })
}

/// One pass over the document's events before it is mapped to a type, so a syntax error is
/// answered as such (400) even where a misfit (422) comes first: tags matched and closed, one
/// root element, and outside it only whitespace, comments, processing instructions and the
/// declaration. Entities other than XML's five and character references are refused later.
fn check_xml_document(text: &str) -> Result<(), DocumentError> {
    use quick_xml::events::Event;
    let malformed = |position: u64, problem: &str| {
        let position = usize::try_from(position).unwrap_or(usize::MAX);
        DocumentError::malformed(format!(
            "The body is not well-formed XML at {}: {problem}.",
            line_column(text, position)
        ))
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0_usize;
    let mut roots = 0_usize;
    loop {
        let start = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| malformed(reader.error_position(), &error.to_string()))?;
        let outside = depth == 0;
        match event {
            Event::Start(_) | Event::Empty(_) if outside && roots > 0 => {
                return Err(malformed(
                    start,
                    "a second element follows the root element",
                ));
            }
            Event::Start(_) => {
                roots += 1;
                depth += 1;
            }
            Event::Empty(_) => roots += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(content)
                if outside && !content.bytes().all(|b| b.is_ascii_whitespace()) =>
            {
                return Err(malformed(start, "text outside the root element"));
            }
            Event::CData(_) | Event::GeneralRef(_) if outside => {
                return Err(malformed(start, "text outside the root element"));
            }
            Event::Eof if depth > 0 => {
                return Err(malformed(
                    start,
                    "the document ends before its root element is closed",
                ));
            }
            Event::Eof if roots == 0 => {
                return Err(malformed(
                    start,
                    "there is no root element such as `<order>…</order>`",
                ));
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn xml_error(error: quick_xml::DeError, path: &Path) -> DocumentError {
    use quick_xml::DeError;
    match error {
        DeError::Custom(detail) => invalid_field(Some(path), Format::Xml, &detail),
        DeError::MixedContent(tag) => invalid_field(
            Some(path),
            Format::Xml,
            &format!("expected a value, found the element <{tag}>"),
        ),
        // The structure was checked before: what is left is an unknown entity or a bad escape.
        DeError::InvalidXml(error) => {
            DocumentError::malformed(format!("The body is not well-formed XML: {error}."))
        }
        DeError::UnexpectedEof => DocumentError::malformed(
            "The body is not well-formed XML: it ends before its root element is closed.",
        ),
        DeError::TooDeeplyNested(limit) => DocumentError::malformed(format!(
            "The XML body nests elements deeper than {limit} levels."
        )),
        DeError::KeyNotRead => DocumentError::internal(),
    }
}

/// "line L, column C" (1-based, columns in characters) of a byte offset in `text`.
fn line_column(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    format!("line {line}, column {column}")
}

/// The path as `items[2].service_id`. In XML the `item` element of a list (`items.item[2]`) is
/// dropped so both formats name a field alike.
fn dotted(path: &Path, format: Format) -> String {
    let segments: Vec<&Segment> = path.iter().collect();
    let mut out = String::new();
    for (at, segment) in segments.iter().enumerate() {
        let name = match segment {
            Segment::Seq { index } => {
                out.push_str(&format!("[{index}]"));
                continue;
            }
            Segment::Map { key } => key.as_str(),
            Segment::Enum { variant } => variant.as_str(),
            Segment::Unknown => "?",
        };
        let list_item = format == Format::Xml
            && name == XML_ITEM
            && matches!(segments.get(at + 1), Some(Segment::Seq { .. }));
        if !list_item {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(name);
        }
    }
    out
}

/// The name quoted in serde's "missing field `x`" or "duplicate field `x`" (the path of such an
/// error stops at the field's parent).
fn named_field(detail: &str) -> Option<&str> {
    ["missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| detail.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name)
}

/// quick-xml's names for an element's text content, met as unknown fields.
const XML_TEXT_KEYS: [&str; 2] = ["$text", "$value"];

fn invalid_field(path: Option<&Path>, format: Format, detail: &str) -> DocumentError {
    let mut field = path.map(|path| dotted(path, format)).unwrap_or_default();
    let named = named_field(detail);
    if let Some(name) = named {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    let text_key = XML_TEXT_KEYS
        .iter()
        .find(|key| field == **key || field.ends_with(&format!(".{key}")));
    if let Some(key) = text_key {
        field.truncate(field.len().saturating_sub(key.len() + 1));
    }
    let message = match (field.as_str(), text_key) {
        ("", Some(_)) => "The root element holds text where only child elements belong.".to_owned(),
        (field, Some(_)) => {
            format!("The element `{field}` holds text where only child elements belong.")
        }
        ("", None) => format!("The document does not have the expected shape: {detail}."),
        (field, None) if detail.starts_with("missing field") => {
            format!("The required field `{field}` is missing.")
        }
        (field, None)
            if detail.starts_with("unknown field") || detail.starts_with("duplicate field") =>
        {
            format!("The field `{field}` is not allowed here: {detail}.")
        }
        (field, None) => format!("The field `{field}` is invalid: {detail}."),
    };
    let error = DocumentError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message);
    if field.is_empty() {
        error
    } else {
        error.with_field(field)
    }
}

/// The declared `Content-Length`, if any.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn is_length_limit(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

async fn read_body(body: Body) -> Result<Bytes, DocumentError> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if is_length_limit(&*error) => Err(DocumentError::body_too_large()),
        Err(_) => Err(DocumentError::new(
            StatusCode::BAD_REQUEST,
            "body_unreadable",
            "The request body could not be read to its end; send it again.",
        )),
    }
}

/// A request body in JSON or XML (by `Content-Type`) read into `T`. Refusals answer in the
/// client's format: 406 first if `Accept` allows neither format (before the body is read), then
/// 413 (over 5 MiB), 415, 400 `malformed_body`, 422 `invalid_field`. An empty body reads as an
/// empty document (`{}`), whatever its `Content-Type`, so types whose fields are all optional accept it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document<T>(pub T);

impl<S, T> FromRequest<S> for Document<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = DocumentRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let negotiated = Negotiated::from_headers(request.headers());
        negotiated.check()?;
        let format = request_format(request.headers());
        match declared_length(request.headers()) {
            Some(length) if length > MAX_BODY_BYTES as u64 => {
                return Err(negotiated.reject(DocumentError::body_too_large()));
            }
            Some(length) if length > 0 => {
                format.clone().map_err(|error| negotiated.reject(error))?;
            }
            _ => {}
        }
        let bytes = read_body(request.into_body())
            .await
            .map_err(|error| negotiated.reject(error))?;
        let value = if bytes.is_empty() {
            parse(Format::Json, b"{}")
        } else {
            format.and_then(|format| parse(format, &bytes))
        };
        value
            .map(Document)
            .map_err(|error| negotiated.reject(error))
    }
}

pub mod list {
    //! `#[serde(with = "formats::list")]` for a `Vec` field: a JSON array, or in XML one `<item>` child per entry.

    use std::{fmt, marker::PhantomData};

    use serde::{
        Deserialize, Deserializer, Serialize, Serializer,
        de::{self, MapAccess, SeqAccess, Visitor},
    };

    use super::XML_ITEM;

    /// Writes the list as a sequence (answers turn every sequence into `<item>` children).
    pub fn serialize<V: Serialize + ?Sized, S: Serializer>(
        items: &V,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        items.serialize(serializer)
    }

    /// Reads a JSON array, or an XML element whose children are all `<item>` (none for an empty list).
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }

    struct ListVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a list (in XML: one <item> element per entry)")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut items = None;
            while let Some(ItemKey) = map.next_key()? {
                if items.is_some() {
                    return Err(de::Error::duplicate_field(XML_ITEM));
                }
                items = Some(map.next_value::<Vec<T>>()?);
            }
            Ok(items.unwrap_or_default())
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            if text.trim().is_empty() {
                Ok(Vec::new())
            } else {
                Err(de::Error::invalid_type(de::Unexpected::Str(text), &self))
            }
        }
    }

    /// The only child name of an XML list element.
    struct ItemKey;

    impl<'de> Deserialize<'de> for ItemKey {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_identifier(ItemKeyVisitor)
        }
    }

    struct ItemKeyVisitor;

    impl Visitor<'_> for ItemKeyVisitor {
        type Value = ItemKey;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("`item`")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
            if name == XML_ITEM {
                Ok(ItemKey)
            } else {
                Err(de::Error::unknown_field(name, &[XML_ITEM]))
            }
        }
    }
}

#[cfg(test)]
mod tests;
