//! A partner's theme for the widget, set from the snippet (`data-okno-accent`,
//! `data-okno-text`, `data-okno-background`, `data-okno-radius`): only values that cannot
//! carry anything but a colour or a size are taken, and they become the `--okno-*` custom
//! properties of `style/okno.css`.

use serde::{Deserialize, Serialize};

/// Valid theme values, each optional; the query parameters carry colours without `#`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// `rrggbb` or `rgb`, hexadecimal.
    pub accent: Option<String>,
    pub text: Option<String>,
    pub background: Option<String>,
    /// Corner radius in pixels, 0–24.
    pub radius: Option<u8>,
}

fn colour(value: &str) -> Option<String> {
    let value = value.strip_prefix('#').unwrap_or(value);
    (matches!(value.len(), 3 | 6) && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| value.to_ascii_lowercase())
}

impl Theme {
    /// The theme in query parameters (`accent`, `text`, `background`, `radius`); anything
    /// malformed is left out.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Theme {
        let mut theme = Theme::default();
        for (name, value) in pairs {
            match name {
                "accent" => theme.accent = colour(value),
                "text" => theme.text = colour(value),
                "background" => theme.background = colour(value),
                "radius" => theme.radius = value.parse().ok().filter(|r| *r <= 24),
                _ => {}
            }
        }
        theme
    }

    /// The query parameters that carry this theme from page to page inside the frame.
    pub fn pairs(&self) -> Vec<(String, String)> {
        [
            ("accent", self.accent.clone()),
            ("text", self.text.clone()),
            ("background", self.background.clone()),
            ("radius", self.radius.map(|r| r.to_string())),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v)))
        .collect()
    }

    /// The custom properties this theme sets, or `None` for the default look.
    pub fn css(&self) -> Option<String> {
        let mut rules = String::new();
        for (property, value) in [
            ("accent", &self.accent),
            ("text", &self.text),
            ("background", &self.background),
        ] {
            if let Some(value) = value {
                rules.push_str(&format!("--okno-{property}:#{value};"));
            }
        }
        if let Some(radius) = self.radius {
            rules.push_str(&format!("--okno-radius:{radius}px;"));
        }
        (!rules.is_empty()).then(|| format!(":root{{{rules}}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_colours_and_small_radii_are_taken() {
        let theme = Theme::from_pairs([
            ("accent", "#0D4CD3"),
            ("text", "123"),
            ("background", "red;}body{display:none"),
            ("radius", "4"),
            ("font", "Comic Sans"),
        ]);
        assert_eq!(theme.accent.as_deref(), Some("0d4cd3"));
        assert_eq!(theme.text.as_deref(), Some("123"));
        assert_eq!(theme.background, None);
        assert_eq!(theme.radius, Some(4));
        assert_eq!(
            theme.css().as_deref(),
            Some(":root{--okno-accent:#0d4cd3;--okno-text:#123;--okno-radius:4px;}")
        );
        assert_eq!(Theme::from_pairs([("radius", "40")]).radius, None);
        assert_eq!(Theme::default().css(), None);
    }

    #[test]
    fn the_theme_travels_in_the_query() {
        use crate::query::query_string;
        let theme = Theme::from_pairs([("accent", "0d4cd3"), ("radius", "0")]);
        let mut pairs = vec![("origin".to_owned(), "https://shop.example".to_owned())];
        pairs.extend(theme.pairs());
        assert_eq!(
            query_string(&pairs),
            "?origin=https%3A%2F%2Fshop.example&accent=0d4cd3&radius=0"
        );
        assert_eq!(query_string(&[]), "");
    }
}
