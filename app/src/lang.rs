//! The widget's language, chosen in the snippet (`data-okno-lang`): Russian, the default, or
//! English. It sets `<html lang>` and every word that has both languages; what the registry has
//! in Russian only (service titles, summaries, documents, notes, field hints) stays Russian and
//! is marked `lang="ru"`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    /// The `lang` query parameter; anything but `en` means Russian.
    pub fn from_query(value: Option<&str>) -> Lang {
        match value {
            Some("en") => Lang::En,
            _ => Lang::Ru,
        }
    }

    /// The BCP 47 tag, for `lang` attributes.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The other of the two languages: messages show it second, marked with its tag.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }

    /// The Russian or the English of the same words.
    pub fn pick<T>(self, ru: T, en: T) -> T {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }

    /// The same message in both languages, this one first: how messages are shown, the second
    /// marked with its language's tag.
    pub fn both<'a>(self, ru: &'a str, en: &'a str) -> [(Lang, &'a str); 2] {
        let other = self.other();
        [(self, self.pick(ru, en)), (other, other.pick(ru, en))]
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn only_en_chooses_english() {
        assert_eq!(Lang::from_query(Some("en")), Lang::En);
        for other in [None, Some("ru"), Some("EN"), Some("de"), Some("")] {
            assert_eq!(Lang::from_query(other), Lang::Ru);
        }
        assert_eq!(Lang::En.pick("да", "yes"), "yes");
        assert_eq!(Lang::Ru.other().tag(), "en");
        assert_eq!(
            Lang::En.both("да", "yes"),
            [(Lang::En, "yes"), (Lang::Ru, "да")]
        );
    }
}
