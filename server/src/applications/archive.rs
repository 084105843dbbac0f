//! The archive okno pushes to the portal for an application: a flat zip holding `req.xml` and
//! the attached files.
//!
//! # `req.xml` (namespace `urn:okno:application:1`)
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <application xmlns="urn:okno:application:1" id="app_…" service="10000000110"
//!              target="-10000000110" form-version="1" submitted="2026-11-29T12:00:00Z">
//!   <field name="snils">112-233-445 95</field>
//!   <field name="pension_type">old_age</field>
//!   <attachment file="01-scan.pdf" type="application/pdf" size="48213"/>
//! </application>
//! ```
//!
//! - `id` is okno's application id, the same the partner and the host page see.
//! - One `field` per answer, in the form's order, holding the answer as validated and
//!   normalised by the form's rules (`app::services::values`); optional fields left empty are
//!   absent; a checkbox is `true` or `false`.
//! - One `attachment` per file, naming the archive entry that holds it (`NN-name`, numbered so
//!   that two files with one name never collide), its MIME type and its size in bytes.
//! - Text is escaped as XML requires; the file is UTF-8.

use std::io::{Cursor, Write};

use quick_xml::{
    Writer,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};

/// One answer for `req.xml`.
pub struct Answer<'a> {
    pub name: &'a str,
    pub value: &'a str,
}

/// One attached file, opened.
pub struct File {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What `req.xml` describes.
pub struct Request<'a> {
    pub application_id: &'a str,
    pub service_code: &'a str,
    pub target_code: &'a str,
    pub form_version: u32,
    /// RFC 3339.
    pub submitted: &'a str,
    pub answers: Vec<Answer<'a>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("writing req.xml failed: {0}")]
    Xml(String),
    #[error("writing the zip failed: {0}")]
    Zip(String),
}

/// The archive entry name of the `index`-th file: `01-name`, keeping only safe characters.
fn entry_name(index: usize, name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    format!(
        "{:02}-{}",
        index + 1,
        if safe.is_empty() { "file" } else { safe }
    )
}

/// `req.xml` for the request and the files' entry names.
pub fn request_xml(request: &Request<'_>, files: &[File]) -> Result<String, ArchiveError> {
    let xml = |e: std::io::Error| ArchiveError::Xml(e.to_string());
    let mut writer = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml)?;
    let version = request.form_version.to_string();
    let root = BytesStart::new("application").with_attributes([
        ("xmlns", "urn:okno:application:1"),
        ("id", request.application_id),
        ("service", request.service_code),
        ("target", request.target_code),
        ("form-version", version.as_str()),
        ("submitted", request.submitted),
    ]);
    writer.write_event(Event::Start(root)).map_err(xml)?;
    for answer in &request.answers {
        let field = BytesStart::new("field").with_attributes([("name", answer.name)]);
        writer.write_event(Event::Start(field)).map_err(xml)?;
        writer
            .write_event(Event::Text(BytesText::new(answer.value)))
            .map_err(xml)?;
        writer
            .write_event(Event::End(BytesEnd::new("field")))
            .map_err(xml)?;
    }
    for (index, file) in files.iter().enumerate() {
        let entry = entry_name(index, &file.name);
        let size = file.bytes.len().to_string();
        let element = BytesStart::new("attachment").with_attributes([
            ("file", entry.as_str()),
            ("type", file.content_type.as_str()),
            ("size", size.as_str()),
        ]);
        writer.write_event(Event::Empty(element)).map_err(xml)?;
    }
    writer
        .write_event(Event::End(BytesEnd::new("application")))
        .map_err(xml)?;
    String::from_utf8(writer.into_inner().into_inner())
        .map_err(|e| ArchiveError::Xml(e.to_string()))
}

/// The flat zip: `req.xml` first, then each file under its entry name.
pub fn build(request: &Request<'_>, files: &[File]) -> Result<Vec<u8>, ArchiveError> {
    let zip = |e: zip::result::ZipError| ArchiveError::Zip(e.to_string());
    let io = |e: std::io::Error| ArchiveError::Zip(e.to_string());
    let req = request_xml(request, files)?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("req.xml", options).map_err(zip)?;
    writer.write_all(req.as_bytes()).map_err(io)?;
    for (index, file) in files.iter().enumerate() {
        writer
            .start_file(entry_name(index, &file.name), options)
            .map_err(zip)?;
        writer.write_all(&file.bytes).map_err(io)?;
    }
    Ok(writer.finish().map_err(zip)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::orders::{MAX_ARCHIVE_BYTES, read_archive};

    fn request<'a>(answers: Vec<Answer<'a>>) -> Request<'a> {
        Request {
            application_id: "app_1",
            service_code: "10000000110",
            target_code: "-10000000110",
            form_version: 1,
            submitted: "2026-11-29T12:00:00Z",
            answers,
        }
    }

    #[test]
    fn req_xml_escapes_answers_and_lists_files() {
        let answers = vec![
            Answer {
                name: "snils",
                value: "112-233-445 95",
            },
            Answer {
                name: "address",
                value: "г. Москва, ул. <Тверская> & д. 1",
            },
        ];
        let files = [File {
            name: "../скан паспорта.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.7".to_vec(),
        }];
        let xml = request_xml(&request(answers), &files).expect("xml");
        assert!(
            xml.contains(r#"<field name="snils">112-233-445 95</field>"#),
            "{xml}"
        );
        assert!(xml.contains("ул. &lt;Тверская&gt; &amp; д. 1"), "{xml}");
        assert!(
            xml.contains(r#"file="01-_скан_паспорта.pdf" type="application/pdf" size="8""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"xmlns="urn:okno:application:1" id="app_1""#),
            "{xml}"
        );
    }

    #[test]
    fn the_archive_is_flat_with_req_xml_and_the_files() {
        let files = [
            File {
                name: "a.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1".to_vec(),
            },
            File {
                name: "a.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-2".to_vec(),
            },
        ];
        let answers = vec![Answer {
            name: "x",
            value: "1",
        }];
        let bytes = build(&request(answers), &files).expect("zip");
        let (entries, req) =
            read_archive(&bytes, MAX_ARCHIVE_BYTES).expect("the sandbox portal reads it");
        let names: Vec<_> = entries.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["req.xml", "01-a.pdf", "02-a.pdf"]);
        assert!(req.contains(r#"<field name="x">1</field>"#));
    }
}
