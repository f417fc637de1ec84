//! Language of citizen-facing text: Bahasa Indonesia by default, English on request.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// Picks the language from an `Accept-Language` header: English only when an `en` tag
    /// ranks above any `id` tag; Indonesian otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::Id };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "id" || tag.starts_with("id-") || tag == "in" {
                Lang::Id
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Id)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language(None), Lang::Id);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("id-ID,id;q=0.9,en;q=0.8")),
            Lang::Id
        );
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Id);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.5")), Lang::En);
    }
}
