//! The sandbox portal's orders: creation, pushed archives, the scheduled status progression
//! (chosen by test data, as test card numbers choose outcomes at payment providers), cancels.

use std::{
    collections::HashMap,
    io::{Cursor, Read},
};

use app::statuses::{
    self, ACCEPTED, AGENCY_RECEIVE_ERROR, CANCELLED, DRAFT, NEEDS_CORRECTION, PROVIDED,
    RECEIVED_BY_AGENCY, REFUSED, REGISTERED, SENT_TO_AGENCY,
};
use time::{Duration, OffsetDateTime};

use crate::portal::wire::OrderMeta;

/// First order id the sandbox hands out (the portal's ids are plain integers of this size).
pub const FIRST_ORDER_ID: u64 = 52_353_456;
/// Largest archive a push accepts.
pub const MAX_ARCHIVE_BYTES: usize = 50_000_000;
/// Largest total size of an archive's unpacked files (a guard against zip bombs).
const MAX_UNPACKED_BYTES: u64 = 200_000_000;

/// Which way an order goes after it is pushed; chosen by words in its `req.xml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// 17 → 21 → 2 → 6 → 3 (service provided).
    Provided,
    /// 17 → 21 → 2 → 4 (refused).
    Refused,
    /// 17 → 21 → 2 → 15 (needs correction).
    NeedsCorrection,
    /// 17 → 21 → 22 (the agency failed to receive it).
    AgencyError,
    /// The provided path, ten times slower.
    Slow,
}

/// Test data that selects a path: a surname (or any field value) containing the word.
pub const TRIGGERS: &[(&str, Path, &str)] = &[
    (
        "Отказов",
        Path::Refused,
        "отказ (4) после получения ведомством",
    ),
    (
        "Исправлений",
        Path::NeedsCorrection,
        "требует исправления (15)",
    ),
    (
        "Ошибкин",
        Path::AgencyError,
        "ошибка получения ведомством (22)",
    ),
    (
        "Медленный",
        Path::Slow,
        "обычный путь, но в 10 раз медленнее",
    ),
];

impl Path {
    /// Picks the path from the application's `req.xml`.
    pub fn for_request(req_xml: &str) -> Path {
        let text = req_xml.to_lowercase();
        TRIGGERS
            .iter()
            .find(|(word, _, _)| text.contains(&word.to_lowercase()))
            .map_or(Path::Provided, |(_, path, _)| *path)
    }

    /// The statuses after "registered", each `step` apart.
    fn steps(self) -> (&'static [u32], u32) {
        match self {
            Path::Provided => (&[SENT_TO_AGENCY, RECEIVED_BY_AGENCY, ACCEPTED, PROVIDED], 1),
            Path::Slow => (
                &[SENT_TO_AGENCY, RECEIVED_BY_AGENCY, ACCEPTED, PROVIDED],
                10,
            ),
            Path::Refused => (&[SENT_TO_AGENCY, RECEIVED_BY_AGENCY, REFUSED], 1),
            Path::NeedsCorrection => (&[SENT_TO_AGENCY, RECEIVED_BY_AGENCY, NEEDS_CORRECTION], 1),
            Path::AgencyError => (&[SENT_TO_AGENCY, AGENCY_RECEIVE_ERROR], 1),
        }
    }
}

/// One entry of an order's status history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusEntry {
    pub id: u64,
    pub status_id: u32,
    pub at: OffsetDateTime,
    pub comment: String,
}

/// A file of a pushed archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveFile {
    pub name: String,
    /// Shared, so that reading an order (status queries clone it) never copies its files.
    pub content: axum::body::Bytes,
}

#[derive(Clone, Debug)]
pub struct SandboxOrder {
    pub id: u64,
    pub meta: OrderMeta,
    /// The ESIA oid of the citizen who created it.
    pub citizen: String,
    pub created: OffsetDateTime,
    pub history: Vec<StatusEntry>,
    pub files: Vec<ArchiveFile>,
    /// Statuses still to come, with when they are due.
    planned: Vec<(OffsetDateTime, u32)>,
}

impl SandboxOrder {
    /// The current `statusId` (history always starts with the draft entry).
    pub fn status_id(&self) -> u32 {
        self.history.last().map_or(DRAFT, |entry| entry.status_id)
    }

    pub fn is_final(&self) -> bool {
        statuses::is_final(self.status_id())
    }

    pub fn updated(&self) -> OffsetDateTime {
        self.history.last().map_or(self.created, |entry| entry.at)
    }
}

/// Why an archive is refused, with the portal's processing code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("INVALID_FILES_STRUCTURE: архив слишком велик")]
    TooLarge,
    #[error("INVALID_FILES_STRUCTURE: файл не является zip-архивом")]
    NotZip,
    #[error(
        "INVALID_FILES_STRUCTURE: архив должен быть плоским, без папок и вложенных архивов ({0})"
    )]
    NotFlat(String),
    #[error("REQ_NOT_FOUND: в архиве нет req.xml")]
    NoRequest,
    #[error("INVALID_FILES_STRUCTURE: req.xml не в UTF-8 или распакованный архив слишком велик")]
    Unreadable,
}

/// Checks a pushed archive: a flat zip with `req.xml`. Returns its files and the request text.
pub fn read_archive(
    bytes: &[u8],
    max_bytes: usize,
) -> Result<(Vec<ArchiveFile>, String), ArchiveError> {
    if bytes.len() > max_bytes {
        return Err(ArchiveError::TooLarge);
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ArchiveError::NotZip)?;
    let mut files = Vec::new();
    let mut request = None;
    let mut unpacked = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| ArchiveError::NotZip)?;
        let name = entry.name().map_err(|_| ArchiveError::NotZip)?.into_owned();
        let lower = name.to_lowercase();
        if entry.is_dir() || name.contains('/') || name.contains('\\') {
            return Err(ArchiveError::NotFlat(name));
        }
        if [".zip", ".rar", ".7z", ".tar", ".gz"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            return Err(ArchiveError::NotFlat(name));
        }
        unpacked = unpacked.saturating_add(entry.size());
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(ArchiveError::Unreadable);
        }
        let mut content = Vec::new();
        entry
            .by_ref()
            .take(MAX_UNPACKED_BYTES)
            .read_to_end(&mut content)
            .map_err(|_| ArchiveError::Unreadable)?;
        if name == "req.xml" {
            request =
                Some(String::from_utf8(content.clone()).map_err(|_| ArchiveError::Unreadable)?);
        }
        files.push(ArchiveFile {
            name,
            content: content.into(),
        });
    }
    let request = request.ok_or(ArchiveError::NoRequest)?;
    Ok((files, request))
}

/// All orders of the sandbox portal, and the time between scheduled steps.
pub struct OrderBook {
    next_id: u64,
    next_entry: u64,
    orders: HashMap<u64, SandboxOrder>,
    step: Duration,
}

impl OrderBook {
    pub fn new(step: Duration) -> Self {
        OrderBook {
            next_id: 0,
            next_entry: 1,
            orders: HashMap::new(),
            step,
        }
    }

    fn entry(&mut self, status_id: u32, at: OffsetDateTime, comment: &str) -> StatusEntry {
        let id = self.next_entry;
        self.next_entry += 1;
        StatusEntry {
            id,
            status_id,
            at,
            comment: comment.to_owned(),
        }
    }

    /// A new draft order.
    pub fn create(&mut self, meta: OrderMeta, citizen: &str, now: OffsetDateTime) -> u64 {
        let id = FIRST_ORDER_ID + self.next_id;
        self.next_id += 1;
        let first = self.entry(DRAFT, now, "");
        self.orders.insert(
            id,
            SandboxOrder {
                id,
                meta,
                citizen: citizen.to_owned(),
                created: now,
                history: vec![first],
                files: Vec::new(),
                planned: Vec::new(),
            },
        );
        id
    }

    /// Orders a citizen created for a service since `since` (for the per-user limit).
    pub fn count_recent(&self, citizen: &str, service_code: &str, since: OffsetDateTime) -> usize {
        self.orders
            .values()
            .filter(|o| {
                o.citizen == citizen && o.meta.service_code == service_code && o.created > since
            })
            .count()
    }

    /// Attaches a checked archive to a draft: the order is registered and its path scheduled.
    pub fn push(&mut self, id: u64, files: Vec<ArchiveFile>, request: &str, now: OffsetDateTime) {
        let path = Path::for_request(request);
        let (steps, slowness) = path.steps();
        let step = self.step * i32::try_from(slowness).unwrap_or(1);
        let registered = self.entry(REGISTERED, now, "");
        if let Some(order) = self.orders.get_mut(&id) {
            order.files = files;
            order.history.push(registered);
            order.planned = steps
                .iter()
                .enumerate()
                .map(|(i, status)| {
                    (
                        now + step * i32::try_from(i + 1).unwrap_or(i32::MAX),
                        *status,
                    )
                })
                .collect();
        }
    }

    /// Applies every scheduled status that is due by `now`.
    pub fn advance(&mut self, now: OffsetDateTime) {
        let due: Vec<(u64, OffsetDateTime, u32)> = self
            .orders
            .values()
            .flat_map(|o| {
                o.planned
                    .iter()
                    .filter(|(at, _)| *at <= now)
                    .map(|(at, s)| (o.id, *at, *s))
            })
            .collect();
        for (id, at, status) in due {
            let entry = self.entry(status, at, "");
            if let Some(order) = self.orders.get_mut(&id) {
                order.history.push(entry);
                order.planned.retain(|(when, _)| *when > at);
            }
        }
    }

    pub fn get(&self, id: u64) -> Option<&SandboxOrder> {
        self.orders.get(&id)
    }

    pub fn all(&self) -> impl Iterator<Item = &SandboxOrder> {
        self.orders.values()
    }

    /// Moves an order to any status now (operator action); the schedule stops.
    pub fn set_status(
        &mut self,
        id: u64,
        status_id: u32,
        comment: &str,
        now: OffsetDateTime,
    ) -> bool {
        let entry = self.entry(status_id, now, comment);
        match self.orders.get_mut(&id) {
            Some(order) => {
                order.planned.clear();
                order.history.push(entry);
                true
            }
            None => false,
        }
    }

    /// Cancels an order that is not final; false when it is.
    pub fn cancel(&mut self, id: u64, reason: &str, now: OffsetDateTime) -> Option<bool> {
        let order = self.orders.get(&id)?;
        if order.is_final() {
            return Some(false);
        }
        Some(self.set_status(id, CANCELLED, reason, now))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("start");
            writer.write_all(content).expect("write");
        }
        writer.finish().expect("finish").into_inner()
    }

    fn meta() -> OrderMeta {
        OrderMeta {
            region: "45000000000".into(),
            service_code: "10000000109".into(),
            target_code: "-10000000109".into(),
        }
    }

    fn statuses_of(book: &OrderBook, id: u64) -> Vec<u32> {
        book.get(id)
            .expect("order")
            .history
            .iter()
            .map(|e| e.status_id)
            .collect()
    }

    #[test]
    fn the_default_path_reaches_service_provided_step_by_step() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let step = Duration::seconds(30);
        let mut book = OrderBook::new(step);
        let id = book.create(meta(), "1", start);
        book.push(
            id,
            Vec::new(),
            "<req><lastName>Иванова</lastName></req>",
            start,
        );
        assert_eq!(statuses_of(&book, id), [0, 17]);
        book.advance(start + step - Duration::seconds(1));
        assert_eq!(statuses_of(&book, id), [0, 17]);
        book.advance(start + step);
        assert_eq!(statuses_of(&book, id), [0, 17, 21]);
        book.advance(start + step * 10);
        assert_eq!(statuses_of(&book, id), [0, 17, 21, 2, 6, 3]);
        assert!(book.get(id).expect("order").is_final());
        assert_eq!(book.get(id).expect("order").updated(), start + step * 4);
    }

    #[test]
    fn test_data_selects_the_other_paths() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let mut book = OrderBook::new(Duration::seconds(1));
        let cases = [
            ("<lastName>Отказов</lastName>", vec![0, 17, 21, 2, 4]),
            ("<lastName>исправлений</lastName>", vec![0, 17, 21, 2, 15]),
            ("<note>Ошибкин</note>", vec![0, 17, 21, 22]),
        ];
        for (request, want) in cases {
            let id = book.create(meta(), "1", start);
            book.push(id, Vec::new(), request, start);
            book.advance(start + Duration::minutes(5));
            assert_eq!(statuses_of(&book, id), want, "{request}");
        }
        let slow = book.create(meta(), "1", start);
        book.push(slow, Vec::new(), "<lastName>Медленный</lastName>", start);
        book.advance(start + Duration::seconds(9));
        assert_eq!(statuses_of(&book, slow), [0, 17]);
        book.advance(start + Duration::seconds(40));
        assert_eq!(statuses_of(&book, slow), [0, 17, 21, 2, 6, 3]);
    }

    #[test]
    fn cancel_is_refused_after_a_final_status_and_an_operator_move_stops_the_schedule() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let mut book = OrderBook::new(Duration::seconds(1));
        let id = book.create(meta(), "1", start);
        book.push(id, Vec::new(), "<req/>", start);
        assert!(book.set_status(id, 15, "исправьте адрес", start));
        book.advance(start + Duration::minutes(1));
        assert_eq!(statuses_of(&book, id), [0, 17, 15]);
        assert_eq!(book.cancel(id, "передумал", start), Some(true));
        assert_eq!(book.cancel(id, "ещё раз", start), Some(false));
        assert_eq!(book.cancel(999, "нет такого", start), None);
    }

    #[test]
    fn archives_must_be_flat_zips_with_req_xml() {
        let good = zip_of(&[("req.xml", "<req/>".as_bytes()), ("attach.pdf", b"%PDF")]);
        let (files, request) = read_archive(&good, MAX_ARCHIVE_BYTES).expect("valid");
        assert_eq!((files.len(), request.as_str()), (2, "<req/>"));

        assert_eq!(
            read_archive(b"not a zip", MAX_ARCHIVE_BYTES),
            Err(ArchiveError::NotZip)
        );
        let nested = zip_of(&[("req.xml", b"<req/>"), ("inner.zip", b"PK")]);
        assert!(matches!(
            read_archive(&nested, MAX_ARCHIVE_BYTES),
            Err(ArchiveError::NotFlat(_))
        ));
        let folder = zip_of(&[("docs/req.xml", b"<req/>")]);
        assert!(matches!(
            read_archive(&folder, MAX_ARCHIVE_BYTES),
            Err(ArchiveError::NotFlat(_))
        ));
        let no_request = zip_of(&[("attach.pdf", b"%PDF")]);
        assert_eq!(
            read_archive(&no_request, MAX_ARCHIVE_BYTES),
            Err(ArchiveError::NoRequest)
        );
        assert_eq!(
            read_archive(&vec![0; MAX_ARCHIVE_BYTES + 1], MAX_ARCHIVE_BYTES),
            Err(ArchiveError::TooLarge)
        );
    }
}
