//! Marks the words a search matched in a chunk's HTML with `<b>…</b>`: in text only, never in a
//! tag, an attribute, a comment, a character reference or the contents of `<script>` and the
//! like. A span the scanner cannot read as text is left as it is, so a malformed tag can cost a
//! highlight but never breaks the markup. Linear in the size of the HTML.

use std::collections::HashSet;

use super::tokens::{self, Word};

/// What a search matched: words with these stems, or words that begin with these prefixes.
#[derive(Debug, Default)]
pub struct Matches {
    stems: HashSet<String>,
    prefixes: Vec<String>,
}

impl Matches {
    pub fn new(stems: impl IntoIterator<Item = String>, prefixes: Vec<String>) -> Matches {
        Matches {
            stems: stems.into_iter().collect(),
            prefixes,
        }
    }

    fn matches(&self, word: &Word) -> bool {
        self.stems.contains(&word.stem)
            || self
                .prefixes
                .iter()
                .any(|prefix| word.folded.starts_with(prefix.as_str()))
    }
}

/// Elements whose contents are not text a reader sees.
const RAW_TEXT: &[&str] = &[
    "script", "style", "title", "textarea", "noscript", "template", "iframe",
];

pub fn highlight(html: &str, matches: &Matches) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let bytes = html.as_bytes();
    let (mut i, mut text_from) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let opens_markup = matches!(bytes.get(i + 1), Some(c) if c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?'));
        if !opens_markup {
            i += 1;
            continue;
        }
        mark_text(&html[text_from..i], matches, &mut out);
        let end = if html[i..].starts_with("<!--") {
            html[i + 4..]
                .find("-->")
                .map_or(html.len(), |at| i + 4 + at + 3)
        } else {
            let end = tag_end(bytes, i);
            raw_text_end(html, i, end)
        };
        out.push_str(&html[i..end]);
        i = end;
        text_from = end;
    }
    mark_text(&html[text_from..], matches, &mut out);
    out
}

/// Past the `>` that closes the tag opened at `start`; a `>` inside a quoted attribute value
/// does not close it. The rest of the HTML when nothing does.
fn tag_end(bytes: &[u8], start: usize) -> usize {
    let mut quote = None;
    for (at, &byte) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(open) if byte == open => quote = None,
            Some(_) => {}
            None if byte == b'"' || byte == b'\'' => quote = Some(byte),
            None if byte == b'>' => return at + 1,
            None => {}
        }
    }
    bytes.len()
}

/// For a start tag of a raw-text element, past its end tag (the contents are not text); else
/// `tag_end` unchanged.
fn raw_text_end(html: &str, start: usize, tag_end: usize) -> usize {
    let name: String = html[start + 1..tag_end]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if !RAW_TEXT.contains(&name.as_str()) {
        return tag_end;
    }
    let closing = format!("</{name}");
    let rest = &html.as_bytes()[tag_end..];
    rest.windows(closing.len())
        .position(|window| window.eq_ignore_ascii_case(closing.as_bytes()))
        .map_or(html.len(), |at| tag_end + at)
}

/// Copy `text` (HTML text, entities still encoded) into `out`, matched words in `<b>`.
fn mark_text(text: &str, matches: &Matches, out: &mut String) {
    let mut from = 0;
    for piece in between_references(text) {
        for word in tokens::words(&text[piece.clone()]) {
            if !matches.matches(&word) {
                continue;
            }
            let (start, end) = (piece.start + word.span.start, piece.start + word.span.end);
            out.push_str(&text[from..start]);
            out.push_str("<b>");
            out.push_str(&text[start..end]);
            out.push_str("</b>");
            from = end;
        }
    }
    out.push_str(&text[from..]);
}

/// The byte ranges of `text` between its character references (`&amp;`, `&#233;`), which are
/// never split or marked.
fn between_references(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let (mut from, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'&' {
            let name_len = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'#')
                .count();
            if name_len > 0 && bytes.get(i + 1 + name_len) == Some(&b';') {
                pieces.push(from..i);
                i += name_len + 2;
                from = i;
                continue;
            }
        }
        i += 1;
    }
    pieces.push(from..bytes.len());
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fish() -> Matches {
        Matches::new(
            ["fish".to_string(), "chip".to_string()],
            vec!["vin".to_string()],
        )
    }

    #[test]
    fn matched_words_are_marked_in_text_only() {
        assert_eq!(
            highlight("<p>Fish &amp; Chips with vinegar</p>", &fish()),
            "<p><b>Fish</b> &amp; <b>Chips</b> with <b>vinegar</b></p>"
        );
        assert_eq!(
            highlight(
                r#"<a title="fish > chips" href="/fish">fishing</a>"#,
                &fish()
            ),
            r#"<a title="fish > chips" href="/fish"><b>fishing</b></a>"#
        );
    }

    #[test]
    fn comments_scripts_and_references_are_left_alone() {
        let html = "<!-- fish --><script>var fish = 1;</script><style>.fish{}</style>&fish; fish";
        assert_eq!(
            highlight(html, &fish()),
            "<!-- fish --><script>var fish = 1;</script><style>.fish{}</style>&fish; <b>fish</b>"
        );
        assert_eq!(highlight("1 < 2 fish", &fish()), "1 < 2 <b>fish</b>");
        assert_eq!(highlight("<p unclosed fish", &fish()), "<p unclosed fish");
    }

    #[test]
    fn a_long_document_costs_linear_time() {
        let html = "<p class=\"x\">fish &amp; chips</p>".repeat(50_000);
        let started = std::time::Instant::now();
        let marked = highlight(&html, &fish());
        assert_eq!(marked.matches("<b>").count(), 100_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
