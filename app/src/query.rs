//! Query strings for okno's own links inside the widget's frame: percent-encoding and
//! `?name=value&…`.

/// `text` percent-encoded for a URL (everything but unreserved characters).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `?name=value&…` (both percent-encoded); empty for no pairs.
pub fn query_string(pairs: &[(String, String)]) -> String {
    let joined: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!("?{}", joined.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unreserved_characters_stay_as_they_are() {
        assert_eq!(percent_encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(
            percent_encode("труд 1.pdf"),
            "%D1%82%D1%80%D1%83%D0%B4%201.pdf"
        );
        assert_eq!(
            query_string(&[("scope".into(), "openid snils".into())]),
            "?scope=openid%20snils"
        );
    }
}
