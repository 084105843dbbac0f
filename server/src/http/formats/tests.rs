//! Router tests of the formats: JSON and XML requests, negotiated answers, and every refusal in both formats.

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header::ACCEPT},
    middleware,
    response::Response,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    customer: String,
    express: bool,
    tier: Tier,
    note: Option<String>,
    #[serde(with = "list")]
    items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    service_id: u32,
    quantity: u16,
    unit_price: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tier {
    Basic,
    Premium,
}

/// A type whose fields are all optional (an empty body is one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Filter {
    name: Option<String>,
    limit: Option<u32>,
    #[serde(default, with = "list")]
    tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Service {
    id: u32,
    name: String,
}

#[derive(Debug, PartialEq, Deserialize)]
struct XmlError {
    code: String,
    message: String,
    field: Option<String>,
    request_id: Option<String>,
}

fn order() -> Order {
    Order {
        customer: "Ada".to_owned(),
        express: true,
        tier: Tier::Premium,
        note: None,
        items: vec![
            Item {
                service_id: 1,
                quantity: 2,
                unit_price: 9.5,
            },
            Item {
                service_id: 7,
                quantity: 1,
                unit_price: 0.25,
            },
        ],
    }
}

const ORDER_JSON: &str = r#"{"customer":"Ada","express":true,"tier":"premium",
    "items":[{"service_id":1,"quantity":2,"unit_price":9.5},{"service_id":7,"quantity":1,"unit_price":0.25}]}"#;

const ORDER_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<order>
  <customer>Ada</customer>
  <express>true</express>
  <tier>premium</tier>
  <items>
    <item><service_id>1</service_id><quantity>2</quantity><unit_price>9.5</unit_price></item>
    <item><service_id>7</service_id><quantity>1</quantity><unit_price>0.25</unit_price></item>
  </items>
</order>
"#;

fn services() -> Vec<Service> {
    vec![
        Service {
            id: 1,
            name: "scan".to_owned(),
        },
        Service {
            id: 2,
            name: "print".to_owned(),
        },
    ]
}

async fn create_order(negotiated: Negotiated, Document(order): Document<Order>) -> Response {
    negotiated.respond(StatusCode::CREATED, "order", &order)
}

async fn list_services(negotiated: Negotiated) -> Response {
    negotiated.respond(StatusCode::OK, "services", &services())
}

async fn filter(negotiated: Negotiated, Document(filter): Document<Filter>) -> Response {
    negotiated.respond(StatusCode::OK, "filter", &filter)
}

async fn conflict() -> Result<Response, DocumentError> {
    Err(
        DocumentError::new(StatusCode::CONFLICT, "order_closed", "The order is closed.")
            .with_field("items"),
    )
}

async fn bad_root(negotiated: Negotiated) -> Response {
    negotiated.respond(StatusCode::OK, "not a name", &services())
}

fn app() -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/services", get(list_services))
        .route("/filter", post(filter))
        .route("/conflict", get(conflict))
        .route("/bad-root", get(bad_root))
        .layer(middleware::from_fn(negotiated_errors))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        assert_eq!(self.content_type(), "application/json", "{}", self.body);
        serde_json::from_str(&self.body).unwrap()
    }

    /// The JSON error document's `error` member, after checking status and code.
    fn json_error(&self, status: StatusCode, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        let error = self.json()["error"].clone();
        assert_eq!(error["code"], code, "{}", self.body);
        error
    }

    fn xml_error(&self, status: StatusCode, code: &str) -> XmlError {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type(),
            "application/xml; charset=utf-8",
            "{}",
            self.body
        );
        let error: XmlError = quick_xml::de::from_str(&self.body).unwrap();
        assert_eq!(error.code, code, "{}", self.body);
        error
    }
}

async fn call(request: Request<Body>) -> Answer {
    let response = app().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn request(
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap()
}

async fn post_order(content_type: &str, accept: &str, body: &str) -> Answer {
    let mut headers = vec![("content-type", content_type)];
    if !accept.is_empty() {
        headers.push(("accept", accept));
    }
    call(request("POST", "/orders", &headers, body.to_owned())).await
}

async fn get_services(accept: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
    call(request("GET", "/services", &headers, Body::empty())).await
}

#[tokio::test]
async fn json_and_xml_requests_reach_the_handler_with_equal_values() {
    let from_json = post_order("application/json", "application/json", ORDER_JSON).await;
    let from_xml = post_order(
        "application/xml; charset=UTF-8",
        "application/json",
        ORDER_XML,
    )
    .await;
    let from_text_xml = post_order("Text/XML", "application/json", ORDER_XML).await;
    assert_eq!(from_json.status, StatusCode::CREATED, "{}", from_json.body);
    assert_eq!(from_xml.status, StatusCode::CREATED, "{}", from_xml.body);
    let expected = serde_json::to_value(order()).unwrap();
    assert_eq!(from_json.json(), expected);
    assert_eq!(from_xml.json(), expected);
    assert_eq!(from_text_xml.json(), expected);
}

#[tokio::test]
async fn answers_in_xml_when_asked() {
    let answer = post_order("application/json", "application/xml", ORDER_JSON).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.content_type(), "application/xml; charset=utf-8");
    assert_eq!(
        answer.body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><order><customer>Ada</customer><express>true</express>\
         <tier>premium</tier><items><item><service_id>1</service_id><quantity>2</quantity>\
         <unit_price>9.5</unit_price></item><item><service_id>7</service_id><quantity>1</quantity>\
         <unit_price>0.25</unit_price></item></items></order>"
    );
    assert_eq!(
        parse::<Order>(Format::Xml, answer.body.as_bytes()).unwrap(),
        order()
    );
}

#[test]
fn the_example_type_round_trips_in_both_formats() {
    let mut with_note = order();
    with_note.note = Some("ring twice".to_owned());
    with_note.tier = Tier::Basic;
    with_note.express = false;
    let mut empty = order();
    empty.items.clear();
    for value in [order(), with_note, empty] {
        let json = serde_json::to_vec(&value).unwrap();
        assert_eq!(parse::<Order>(Format::Json, &json).unwrap(), value);
        let xml = to_xml("order", &value).unwrap();
        assert_eq!(
            parse::<Order>(Format::Xml, xml.as_bytes()).unwrap(),
            value,
            "{xml}"
        );
    }
    let empty_list = to_xml(
        "order",
        &Order {
            items: vec![],
            ..order()
        },
    )
    .unwrap();
    assert!(empty_list.contains("<items/>"), "{empty_list}");
}

#[test]
fn any_xml_root_name_is_accepted_and_a_list_of_one_is_a_list() {
    let xml = "<whatever><customer>Ada</customer><express>false</express><tier>basic</tier>\
               <items><item><service_id>3</service_id><quantity>1</quantity><unit_price>1</unit_price></item></items>\
               </whatever>";
    let parsed: Order = parse(Format::Xml, xml.as_bytes()).unwrap();
    assert_eq!(parsed.items.len(), 1);
    assert_eq!(parsed.tier, Tier::Basic);
    let empty = "<order><customer>Ada</customer><express>false</express><tier>basic</tier><items></items></order>";
    assert!(
        parse::<Order>(Format::Xml, empty.as_bytes())
            .unwrap()
            .items
            .is_empty()
    );
    let commented = format!("{xml}\n<!-- trailing comment -->\n");
    assert!(parse::<Order>(Format::Xml, commented.as_bytes()).is_ok());
}

#[tokio::test]
async fn json_is_the_default_answer() {
    for accept in [
        None,
        Some("*/*"),
        Some("application/*"),
        Some("application/json"),
        Some(""),
    ] {
        let answer = get_services(accept).await;
        assert_eq!(answer.status, StatusCode::OK, "{accept:?}");
        assert_eq!(
            answer.json(),
            serde_json::to_value(services()).unwrap(),
            "{accept:?}"
        );
        assert_eq!(answer.headers.get(VARY).unwrap(), "accept");
    }
}

#[tokio::test]
async fn a_list_answers_in_xml_under_the_callers_root() {
    for accept in ["application/xml", "text/xml", "text/*"] {
        let answer = get_services(Some(accept)).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.content_type(),
            "application/xml; charset=utf-8",
            "{accept}"
        );
        assert_eq!(
            answer.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><services><item><id>1</id><name>scan</name></item>\
             <item><id>2</id><name>print</name></item></services>"
        );
    }
}

#[tokio::test]
async fn quality_values_decide() {
    let cases = [
        ("application/json;q=0.5, application/xml", Format::Xml),
        (
            "application/xml;q=0.2, application/json;q=0.9",
            Format::Json,
        ),
        ("application/json;q=0, */*", Format::Xml),
        ("*/*;q=0.1, text/xml", Format::Xml),
        ("application/xml, */*", Format::Xml),
        ("application/xml;q=0.8, */*;q=0.9", Format::Json),
        ("application/*;q=0.3, application/xml;q=0.2", Format::Json),
        (
            "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
            Format::Xml,
        ),
        ("application/xml, application/json", Format::Xml),
        ("application/json, application/xml", Format::Json),
        ("APPLICATION/XML ; Q=1.0", Format::Xml),
        ("*/*", Format::Json),
    ];
    for (accept, expected) in cases {
        let answer = get_services(Some(accept)).await;
        assert_eq!(answer.status, StatusCode::OK, "{accept}");
        let content_type = answer.content_type().to_owned();
        assert_eq!(content_type, expected.content_type(), "{accept}");
    }
}

#[test]
fn accept_headers_are_parsed_strictly_but_kindly() {
    assert_eq!(parse_quality("0"), Some(0));
    assert_eq!(parse_quality("0.5"), Some(500));
    assert_eq!(parse_quality("0.125"), Some(125));
    assert_eq!(parse_quality("1"), Some(1000));
    assert_eq!(parse_quality("1.000"), Some(1000));
    assert_eq!(parse_quality("1.5"), None);
    assert_eq!(parse_quality("0.1234"), None);
    assert_eq!(parse_quality("abc"), None);
    let mut headers = HeaderMap::new();
    headers.append(ACCEPT, HeaderValue::from_static("application/json;q=0.1"));
    headers.append(ACCEPT, HeaderValue::from_static("text/xml"));
    assert_eq!(response_format(&headers), Ok(Format::Xml));
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT,
        HeaderValue::from_static("application/xml;q=bogus, image/png"),
    );
    assert_eq!(
        response_format(&headers).unwrap_err().code,
        "not_acceptable"
    );
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("*/*;q=0"));
    assert!(response_format(&headers).is_err());
}

#[tokio::test]
async fn nothing_acceptable_is_406_in_json() {
    let answer = get_services(Some("text/html")).await;
    let error = answer.json_error(StatusCode::NOT_ACCEPTABLE, "not_acceptable");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("application/xml")
    );
    // A body is not read (nor anything done) for a client that could not read the answer.
    let answer = post_order("application/json", "text/html", "{not json").await;
    answer.json_error(StatusCode::NOT_ACCEPTABLE, "not_acceptable");
}

#[tokio::test]
async fn other_content_types_are_415() {
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml; charset=latin1",
    ] {
        let body = if content_type.starts_with("text") {
            "customer=Ada"
        } else {
            ORDER_XML
        };
        let answer = post_order(content_type, "", body).await;
        let error = answer.json_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{error}"
        );
    }
    let answer = post_order("text/plain", "application/xml", "customer=Ada").await;
    answer.xml_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn malformed_documents_are_400() {
    let answer = post_order(
        "application/json",
        "",
        "{\"customer\": \"Ada\",\n \"express\": tru }",
    )
    .await;
    let error = answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(
        error["message"].as_str().unwrap().contains("line 2"),
        "{error}"
    );
    assert_eq!(error["field"], Value::Null);
    let answer = post_order("application/json", "", &format!("{ORDER_JSON} {{}}")).await;
    answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");

    let broken = ORDER_XML.replace("</express>", "</expres>");
    let answer = post_order("application/xml", "", &broken).await;
    let error = answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(
        error["message"].as_str().unwrap().contains("line 4"),
        "{error}"
    );
    for broken in [
        ORDER_XML.replace("</order>", ""),
        "customer=Ada".to_owned(),
        format!("{ORDER_XML}<order/>"),
        format!("{ORDER_XML}trailing"),
        ORDER_XML.replace("Ada", "A & B"),
        ORDER_XML.replace("Ada", "&nbsp;"),
        "<?xml version=\"1.0\"?><!-- nothing -->".to_owned(),
        // A misfit (the unknown `oops`) before a syntax error: the syntax error is the answer.
        "<order><oops></order>".to_owned(),
        "<order><oops/>".to_owned(),
    ] {
        let answer = post_order("application/xml", "", &broken).await;
        answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");
    }
    let answer = post_order("application/json", "", r#"{"oops": 1, "customer": "#).await;
    answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");
}

/// One bad order in both formats, and the field its refusal must name.
struct Case {
    name: &'static str,
    json: String,
    xml: String,
    field: &'static str,
}

fn xml_item(fields: &str) -> String {
    format!("<item>{fields}</item>")
}

const GOOD_ITEM_XML: &str =
    "<service_id>1</service_id><quantity>2</quantity><unit_price>9.5</unit_price>";
const GOOD_ITEM_JSON: &str = r#"{"service_id":1,"quantity":2,"unit_price":9.5}"#;

fn order_json(extra: &str, items: &[&str]) -> String {
    format!(
        r#"{{"customer":"Ada","express":true,"tier":"premium"{extra},"items":[{}]}}"#,
        items.join(",")
    )
}

fn order_xml(extra: &str, items: &[String]) -> String {
    format!(
        "<order><customer>Ada</customer><express>true</express><tier>premium</tier>{extra}<items>{}</items></order>",
        items.concat()
    )
}

fn invalid_cases() -> Vec<Case> {
    let good_xml = xml_item(GOOD_ITEM_XML);
    vec![
        Case {
            name: "wrong type",
            json: order_json(
                "",
                &[r#"{"service_id":1,"quantity":"many","unit_price":9.5}"#],
            ),
            xml: order_xml(
                "",
                &[xml_item(
                    "<service_id>1</service_id><quantity>many</quantity><unit_price>9.5</unit_price>",
                )],
            ),
            field: "items[0].quantity",
        },
        Case {
            name: "wrong type at the top",
            json: order_json(r#","note":"x","express":"yes""#, &[]).replacen(
                r#""express":true,"#,
                "",
                1,
            ),
            xml: order_xml("", &[]).replace("<express>true</express>", "<express>yes</express>"),
            field: "express",
        },
        Case {
            name: "missing field",
            json: order_json("", &[GOOD_ITEM_JSON, r#"{"quantity":2,"unit_price":9.5}"#]),
            xml: order_xml(
                "",
                &[
                    good_xml.clone(),
                    xml_item("<quantity>2</quantity><unit_price>9.5</unit_price>"),
                ],
            ),
            field: "items[1].service_id",
        },
        Case {
            name: "missing top-level field",
            json: order_json("", &[]).replace(r#""customer":"Ada","#, ""),
            xml: order_xml("", &[]).replace("<customer>Ada</customer>", ""),
            field: "customer",
        },
        Case {
            name: "unknown field",
            json: order_json(r#","colour":"red""#, &[GOOD_ITEM_JSON]),
            xml: order_xml("<colour>red</colour>", std::slice::from_ref(&good_xml)),
            field: "colour",
        },
        Case {
            name: "unknown field in an item",
            json: order_json(
                "",
                &[r#"{"service_id":1,"quantity":2,"unit_price":9.5,"colour":"red"}"#],
            ),
            xml: order_xml(
                "",
                &[xml_item(&format!("{GOOD_ITEM_XML}<colour>red</colour>"))],
            ),
            field: "items[0].colour",
        },
        Case {
            name: "bad element in a list",
            json: order_json(
                "",
                &[
                    GOOD_ITEM_JSON,
                    GOOD_ITEM_JSON,
                    r#"{"service_id":"x","quantity":2,"unit_price":9.5}"#,
                ],
            ),
            xml: order_xml(
                "",
                &[
                    good_xml.clone(),
                    good_xml.clone(),
                    xml_item(
                        "<service_id>x</service_id><quantity>2</quantity><unit_price>9.5</unit_price>",
                    ),
                ],
            ),
            field: "items[2].service_id",
        },
        Case {
            name: "unknown enum variant",
            json: order_json("", &[]).replace("premium", "gold"),
            xml: order_xml("", &[]).replace("premium", "gold"),
            field: "tier",
        },
        Case {
            name: "number out of range",
            json: order_json(
                "",
                &[r#"{"service_id":1,"quantity":70000,"unit_price":9.5}"#],
            ),
            xml: order_xml(
                "",
                &[xml_item(
                    "<service_id>1</service_id><quantity>70000</quantity><unit_price>9.5</unit_price>",
                )],
            ),
            field: "items[0].quantity",
        },
    ]
}

#[tokio::test]
async fn misfits_are_422_naming_the_field_in_both_formats() {
    for case in invalid_cases() {
        for (content_type, body) in [
            ("application/json", &case.json),
            ("application/xml", &case.xml),
        ] {
            let answer = post_order(content_type, "", body).await;
            assert_eq!(
                answer.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{} {content_type}: {}",
                case.name,
                answer.body
            );
            let error = answer.json_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
            assert_eq!(
                error["field"], case.field,
                "{} {content_type}: {error}",
                case.name
            );
            assert!(
                error["message"].as_str().unwrap().contains(case.field),
                "{} {content_type}: {error}",
                case.name
            );
        }
    }
}

#[tokio::test]
async fn xml_only_misfits_name_their_place() {
    let cases = [
        (order_xml("", &["<thing/>".to_owned()]), "items.thing"),
        (
            order_xml("", &[]).replace("<order>", "<order xmlns=\"urn:x\">"),
            "@xmlns",
        ),
        (
            order_xml("", &[]).replace("<express>true</express>", "<express><b>1</b></express>"),
            "express",
        ),
        (
            order_xml("", &[]).replace("<items></items>", "<items>none</items>"),
            "items",
        ),
        (
            order_xml("", &[]).replace("<items></items>", "<items/><items/>"),
            "items",
        ),
    ];
    for (xml, field) in cases {
        let answer = post_order("application/xml", "", &xml).await;
        let error = answer.json_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(error["field"], field, "{error}");
    }
}

#[tokio::test]
async fn errors_answer_in_xml_when_xml_is_accepted() {
    let case = &invalid_cases()[6];
    for (content_type, body) in [("application/json", &case.json), ("text/xml", &case.xml)] {
        let answer = post_order(
            content_type,
            "application/xml, application/json;q=0.5",
            body,
        )
        .await;
        let error = answer.xml_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
        assert_eq!(error.field.as_deref(), Some("items[2].service_id"));
        assert_eq!(error.request_id, None);
        assert!(
            !answer.body.contains("<request_id>"),
            "absent fields are left out: {}",
            answer.body
        );
    }
    let answer = post_order("application/xml", "text/xml", "<order><oops></order>").await;
    let error = answer.xml_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert_eq!(error.field, None);
}

#[tokio::test]
async fn the_request_id_is_echoed() {
    let headers = [
        ("content-type", "application/json"),
        ("x-request-id", "req-42"),
    ];
    let answer = call(request("POST", "/orders", &headers, "{")).await;
    let error = answer.json_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert_eq!(error["request_id"], "req-42");

    let headers = [
        ("content-type", "application/json"),
        ("accept", "text/xml"),
        ("x-request-id", "req-43"),
    ];
    let answer = call(request("POST", "/orders", &headers, "{")).await;
    let error = answer.xml_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert_eq!(error.request_id.as_deref(), Some("req-43"));
    assert!(error.message.contains("JSON"));

    let headers = [("accept", "text/html"), ("x-request-id", "req-44")];
    let answer = call(request("GET", "/services", &headers, Body::empty())).await;
    let error = answer.json_error(StatusCode::NOT_ACCEPTABLE, "not_acceptable");
    assert_eq!(error["request_id"], "req-44");
}

#[tokio::test]
async fn a_bare_document_error_is_rendered_for_the_client_by_the_layer() {
    let headers = [("accept", "application/xml"), ("x-request-id", "req-7")];
    let answer = call(request("GET", "/conflict", &headers, Body::empty())).await;
    let error = answer.xml_error(StatusCode::CONFLICT, "order_closed");
    assert_eq!(
        error,
        XmlError {
            code: "order_closed".to_owned(),
            message: "The order is closed.".to_owned(),
            field: Some("items".to_owned()),
            request_id: Some("req-7".to_owned()),
        }
    );
    let answer = call(request("GET", "/conflict", &[], Body::empty())).await;
    let error = answer.json_error(StatusCode::CONFLICT, "order_closed");
    assert_eq!(
        error,
        json!({"code": "order_closed", "message": "The order is closed.", "field": "items", "request_id": null})
    );
    // Without the layer: JSON, no request id.
    let response = axum::response::IntoResponse::into_response(DocumentError::not_acceptable());
    assert_eq!(
        response.headers().get(CONTENT_TYPE).unwrap(),
        "application/json"
    );
}

#[tokio::test]
async fn xml_escapes_special_characters_both_ways() {
    let tricky = "Ada <&> \"Co\" 'Ltd' ]]>";
    let body = serde_json::to_string(&Order {
        customer: tricky.to_owned(),
        ..order()
    })
    .unwrap();
    let answer = post_order("application/json", "application/xml", &body).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert!(
        answer.body.contains(
            "<customer>Ada &lt;&amp;&gt; &quot;Co&quot; &apos;Ltd&apos; ]]&gt;</customer>"
        ),
        "{}",
        answer.body
    );
    let back: Order = parse(Format::Xml, answer.body.as_bytes()).unwrap();
    assert_eq!(back.customer, tricky);

    let xml = ORDER_XML.replace(
        "<customer>Ada</customer>",
        "<customer>Ada &lt;&amp;&gt; \"Co\" 'Ltd' &#x263A;</customer>",
    );
    let answer = post_order("application/xml", "application/json", &xml).await;
    assert_eq!(answer.json()["customer"], "Ada <&> \"Co\" 'Ltd' \u{263A}");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let big = format!("{{\"name\":\"{}\"}}", "a".repeat(MAX_BODY_BYTES));
    // Declared up front: refused before reading.
    let length = big.len().to_string();
    let headers = [
        ("content-type", "application/json"),
        ("content-length", length.as_str()),
    ];
    let answer = call(request("POST", "/filter", &headers, big.clone())).await;
    answer.json_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    // Without Content-Length the read itself stops at the limit.
    let body = Body::from(big);
    let headers = [
        ("content-type", "application/xml"),
        ("accept", "application/xml"),
    ];
    let answer = call(request("POST", "/filter", &headers, body)).await;
    answer.xml_error(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

    // Exactly the limit is read.
    let fits = format!("{{\"name\":\"{}\"}}", "a".repeat(MAX_BODY_BYTES - 11));
    assert_eq!(fits.len(), MAX_BODY_BYTES);
    let answer = call(request(
        "POST",
        "/filter",
        &[("content-type", "application/json")],
        fits,
    ))
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn an_empty_body_is_an_empty_document() {
    for headers in [
        vec![],
        vec![("content-type", "application/json")],
        vec![("content-type", "text/plain")],
    ] {
        let answer = call(request("POST", "/filter", &headers, Body::empty())).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{headers:?}: {}",
            answer.body
        );
        assert_eq!(
            answer.json(),
            json!({"name": null, "limit": null, "tags": []})
        );
    }
    let answer = call(request("POST", "/orders", &[], Body::empty())).await;
    let error = answer.json_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field");
    assert_eq!(error["field"], "customer");
}

#[tokio::test]
async fn an_answer_that_cannot_be_written_is_a_500() {
    let answer = call(request(
        "GET",
        "/bad-root",
        &[("accept", "application/xml")],
        Body::empty(),
    ))
    .await;
    answer.xml_error(StatusCode::INTERNAL_SERVER_ERROR, "internal_error");
}

#[test]
fn list_helpers_read_scalars_and_optional_lists() {
    let filter: Filter = parse(
        Format::Xml,
        b"<filter><limit>5</limit><tags><item>a</item><item>b &amp; c</item></tags></filter>",
    )
    .unwrap();
    assert_eq!(filter.tags, ["a", "b & c"]);
    assert_eq!(filter.limit, Some(5));
    let filter: Filter = parse(Format::Xml, b"<filter/>").unwrap();
    assert_eq!(
        filter,
        Filter {
            name: None,
            limit: None,
            tags: vec![]
        }
    );
    let filter: Filter = parse(Format::Json, br#"{"tags":["x"]}"#).unwrap();
    assert_eq!(filter.tags, ["x"]);
    let error = parse::<Filter>(Format::Json, br#"{"tags":"x"}"#).unwrap_err();
    assert_eq!(error.field.as_deref(), Some("tags"));
}

#[test]
fn line_and_column_count_characters() {
    assert_eq!(line_column("ab\ncdé\nf", 7), "line 2, column 4");
    assert_eq!(line_column("é", 1), "line 1, column 1");
    assert_eq!(line_column("", 10), "line 1, column 1");
}
