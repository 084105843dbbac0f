//! The sandbox ESIA's person API: `/rs/prns/{oid}`, its collections and `?embed=(…)`,
//! each field shown only when the token's scopes grant it.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{AccessClaims, EsiaEmulator};
use crate::sandbox::citizens::{self, TestCitizen};

#[derive(Deserialize)]
pub struct Embed {
    embed: Option<String>,
}

/// A refusal of the person API: status, ESIA code, message.
pub struct Refusal(StatusCode, &'static str, &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal(status, code, message) = self;
        (status, Json(json!({ "code": code, "message": message }))).into_response()
    }
}

const NO_SUCH_PERSON: Refusal = Refusal(
    StatusCode::NOT_FOUND,
    "ESIA-007004",
    "Пользователь не найден",
);

/// The token's claims if it is valid and belongs to `oid`.
fn authorize(esia: &EsiaEmulator, headers: &HeaderMap, oid: &str) -> Result<AccessClaims, Refusal> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Refusal(
            StatusCode::UNAUTHORIZED,
            "ESIA-007014",
            "Нет маркера доступа",
        ))?;
    let claims = esia
        .verify_access_token(token)
        .map_err(|e| Refusal(StatusCode::UNAUTHORIZED, e.code, e.description))?;
    if claims.sbj_id != oid {
        return Err(Refusal(
            StatusCode::FORBIDDEN,
            "ESIA-007004",
            "Маркер выдан для другого пользователя",
        ));
    }
    Ok(claims)
}

/// The collections of a person, the scope each needs, and its elements.
fn elements(
    citizen: &TestCitizen,
    collection: &str,
    claims: &AccessClaims,
) -> Option<Vec<(String, Value)>> {
    let granted = |scope: &str| claims.has_scope(scope);
    let list = match collection {
        "ctts" => citizen
            .contacts
            .iter()
            .filter(|c| (c.kind == "EML" && granted("email")) || (c.kind != "EML" && granted("mobile")))
            .map(|c| {
                let status = if c.verified { "VERIFIED" } else { "NOT_VERIFIED" };
                (c.id.to_string(), json!({ "stateFacts": ["Identifiable"], "id": c.id, "type": c.kind, "vrfStu": status, "value": c.value }))
            })
            .collect(),
        "addrs" if granted("addresses") => citizen
            .addresses
            .iter()
            .map(|a| {
                let text = format!("{}, {}, {}, д. {}, кв. {}", a.zip_code, a.city, a.street, a.house, a.flat);
                (a.id.to_string(), json!({
                    "stateFacts": ["Identifiable"], "id": a.id, "type": a.kind, "addressStr": text,
                    "countryId": "RUS", "zipCode": a.zip_code, "region": a.region, "city": a.city,
                    "street": a.street, "house": a.house, "flat": a.flat,
                }))
            })
            .collect(),
        "docs" if granted("id_doc") => citizen
            .passport
            .iter()
            .map(|p| {
                (p.id.to_string(), json!({
                    "stateFacts": ["Identifiable"], "id": p.id, "type": "RF_PASSPORT", "vrfStu": "VERIFIED",
                    "series": p.series, "number": p.number, "issueDate": p.issue_date,
                    "issueId": p.issue_id, "issuedBy": p.issued_by,
                }))
            })
            .collect(),
        "kids" if granted("kid_fullname") => citizen
            .children
            .iter()
            .filter_map(|oid| citizens::find(oid))
            .map(|kid| {
                (kid.oid.to_owned(), json!({
                    "stateFacts": ["Identifiable"], "id": kid.oid, "firstName": kid.first_name,
                    "lastName": kid.last_name, "middleName": kid.middle_name,
                    "birthDate": kid.birth_date, "gender": kid.gender, "snils": kid.snils,
                }))
            })
            .collect(),
        "addrs" | "docs" | "kids" => Vec::new(),
        _ => return None,
    };
    Some(list)
}

fn collection_body(
    esia: &EsiaEmulator,
    citizen: &TestCitizen,
    name: &str,
    items: Vec<(String, Value)>,
    embed: bool,
) -> Value {
    let elements: Vec<Value> = if embed {
        items.into_iter().map(|(_, value)| value).collect()
    } else {
        items
            .into_iter()
            .map(|(id, _)| {
                json!(format!(
                    "{}/rs/prns/{}/{name}/{id}",
                    esia.base_url, citizen.oid
                ))
            })
            .collect()
    };
    json!({ "stateFacts": ["hasSize"], "size": elements.len(), "eTag": format!("{:x}", elements.len() * 7919), "elements": elements })
}

/// `GET /rs/prns/{oid}` with optional `?embed=(contacts.elements,addresses.elements,documents.elements)`.
pub async fn person(
    State(esia): State<EsiaEmulator>,
    Path(oid): Path<String>,
    Query(query): Query<Embed>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let claims = authorize(&esia, &headers, &oid)?;
    let citizen = citizens::find(&oid).ok_or(NO_SUCH_PERSON)?;
    let mut body = Map::new();
    body.insert("stateFacts".into(), json!(["EntityRoot"]));
    body.insert(
        "trusted".into(),
        json!(citizen.level == citizens::AccountLevel::Confirmed),
    );
    body.insert("updatedOn".into(), json!(1_764_000_000));
    let granted = |scope: &str| claims.has_scope(scope);
    if granted("fullname") {
        body.insert("firstName".into(), json!(citizen.first_name));
        body.insert("lastName".into(), json!(citizen.last_name));
        if !citizen.middle_name.is_empty() {
            body.insert("middleName".into(), json!(citizen.middle_name));
        }
    }
    let optional = [
        ("birthdate", "birthDate", Some(citizen.birth_date)),
        (
            "birthplace",
            "birthPlace",
            Some(citizen.birth_place).filter(|p| !p.is_empty()),
        ),
        ("gender", "gender", Some(citizen.gender)),
        ("citizenship", "citizenship", Some("RUS")),
        ("snils", "snils", citizen.snils),
        ("inn", "inn", citizen.inn),
    ];
    for (scope, field, value) in optional {
        if let (true, Some(value)) = (granted(scope), value) {
            body.insert(field.into(), json!(value));
        }
    }
    let embed = query.embed.unwrap_or_default();
    for (name, collection) in [
        ("contacts", "ctts"),
        ("addresses", "addrs"),
        ("documents", "docs"),
        ("kids", "kids"),
    ] {
        if embed.contains(&format!("{name}.elements")) {
            let items = elements(citizen, collection, &claims).unwrap_or_default();
            body.insert(
                name.into(),
                collection_body(&esia, citizen, collection, items, true),
            );
        }
    }
    Ok(Json(Value::Object(body)))
}

/// `GET /rs/prns/{oid}/{ctts|addrs|docs|kids}`, with `?embed=(elements)` to inline them.
pub async fn collection(
    State(esia): State<EsiaEmulator>,
    Path((oid, name)): Path<(String, String)>,
    Query(query): Query<Embed>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let claims = authorize(&esia, &headers, &oid)?;
    let citizen = citizens::find(&oid).ok_or(NO_SUCH_PERSON)?;
    let items = elements(citizen, &name, &claims).ok_or(Refusal(
        StatusCode::NOT_FOUND,
        "ESIA-007003",
        "Неизвестная коллекция",
    ))?;
    let embed = query.embed.is_some_and(|e| e.contains("elements"));
    Ok(Json(collection_body(&esia, citizen, &name, items, embed)))
}

/// `GET /rs/prns/{oid}/{collection}/{id}`: one element.
pub async fn element(
    State(esia): State<EsiaEmulator>,
    Path((oid, name, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let claims = authorize(&esia, &headers, &oid)?;
    let found = citizens::find(&oid)
        .and_then(|citizen| elements(citizen, &name, &claims))
        .and_then(|items| items.into_iter().find(|(item_id, _)| item_id == &id));
    found.map(|(_, value)| Json(value)).ok_or(Refusal(
        StatusCode::NOT_FOUND,
        "ESIA-007003",
        "Элемент не найден",
    ))
}
