//! Marks the words a search matched in a chunk's HTML with `<b>…</b>`: in text only, never in a
//! tag, an attribute, a comment, a character reference or the contents of `<script>` and the
//! like. A span the scanner cannot read as text is left as it is, so a malformed tag can cost a
//! highlight but never breaks the markup. Linear in the size of the HTML.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::html::{self, Piece};
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

pub fn highlight(html: &str, matches: &Matches) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut references = HashMap::new();
    let mut copied = 0;
    html::read(html, |piece| {
        let Piece::Text {
            text,
            source,
            markable: true,
        } = piece
        else {
            return;
        };
        let readable = source.start >= copied
            && source.start <= source.end
            && html.is_char_boundary(source.start)
            && html.is_char_boundary(source.end);
        if !readable {
            return;
        }
        out.push_str(&html[copied..source.start]);
        mark_text(
            &html[source.clone()],
            text,
            matches,
            &mut references,
            &mut out,
        );
        copied = source.end;
    });
    out.push_str(&html[copied..]);
    out
}

/// Copy `source` (HTML text, references still encoded) into `out`, matched words in `<b>`:
/// words are read in the decoded text (`caf&eacute;` is "café"), and marked around the source
/// they came from, never inside a reference. `text` is what the reader decoded; a run this
/// decodes otherwise is copied unmarked rather than risked.
fn mark_text(
    source: &str,
    text: &str,
    matches: &Matches,
    references: &mut HashMap<String, Option<String>>,
    out: &mut String,
) {
    let decoded = Decoded::of(source, references);
    if decoded.as_read != text {
        out.push_str(source);
        return;
    }
    let mut from = 0;
    for word in tokens::words(&decoded.text) {
        if !matches.matches(&word) {
            continue;
        }
        let (start, end) = decoded.source_of(word.span);
        if start < from {
            continue;
        }
        out.push_str(&source[from..start]);
        out.push_str("<b>");
        out.push_str(&source[start..end]);
        out.push_str("</b>");
        from = end;
    }
    out.push_str(&source[from..]);
}
/// A run of HTML text as the reader reads it (references decoded, line breaks as `\n`), with
/// where each piece of it came from in the source.
struct Decoded {
    /// Words are read in this: as `as_read`, but for a `&name;` that is no reference, which is a
    /// space here (a word is never marked inside one).
    text: String,
    /// The run as the reader reads it: what it must equal for the marks to fall right.
    as_read: String,
    /// Pieces of `text` in order: literal ones map byte for byte onto the source, the others
    /// (a reference, a CRLF) as a whole onto theirs.
    segments: Vec<Segment>,
}

struct Segment {
    /// Where it starts in `text`.
    at: usize,
    source: Range<usize>,
    literal: bool,
}

impl Decoded {
    fn of(source: &str, references: &mut HashMap<String, Option<String>>) -> Decoded {
        let mut decoded = Decoded {
            text: String::with_capacity(source.len()),
            as_read: String::with_capacity(source.len()),
            segments: Vec::new(),
        };
        let mut literal_from = 0;
        for reference in references_in(source) {
            decoded.push_literal(source, literal_from..reference.start);
            let written = &source[reference.clone()];
            if !references.contains_key(written) {
                references.insert(written.to_string(), html::decode_reference(written));
            }
            let (text, as_read) = match &references[written] {
                Some(text) => (text.as_str(), text.as_str()),
                // Not a reference: its letters are text, but `&name;` is never marked into.
                None if written.ends_with(';') => (" ", written),
                None => {
                    decoded.push_literal(source, reference.clone());
                    literal_from = reference.end;
                    continue;
                }
            };
            decoded.push(text, as_read, reference.clone(), false);
            literal_from = reference.end;
        }
        decoded.push_literal(source, literal_from..source.len());
        decoded
    }

    fn push(&mut self, text: &str, as_read: &str, source: Range<usize>, literal: bool) {
        if text.is_empty() {
            return;
        }
        self.segments.push(Segment {
            at: self.text.len(),
            source,
            literal,
        });
        self.text.push_str(text);
        self.as_read.push_str(as_read);
    }

    /// Literal text, but for its line breaks: the reader reads `\r\n` and a lone `\r` as `\n`.
    fn push_literal(&mut self, source: &str, range: Range<usize>) {
        let mut from = range.start;
        while let Some(found) = source[from..range.end].find('\r') {
            let at = from + found;
            self.push(&source[from..at], &source[from..at], from..at, true);
            let end = if source[at + 1..range.end].starts_with('\n') {
                at + 2
            } else {
                at + 1
            };
            self.push("\n", "\n", at..end, false);
            from = end;
        }
        self.push(
            &source[from..range.end],
            &source[from..range.end],
            from..range.end,
            true,
        );
    }

    /// Where in the source the decoded bytes `span` came from: a word that begins or ends
    /// inside a reference takes all of it.
    fn source_of(&self, span: Range<usize>) -> (usize, usize) {
        let at = |position: usize| {
            let index = self
                .segments
                .partition_point(|segment| segment.at <= position)
                - 1;
            &self.segments[index]
        };
        let first = at(span.start);
        let last = at(span.end - 1);
        let start = if first.literal {
            first.source.start + (span.start - first.at)
        } else {
            first.source.start
        };
        let end = if last.literal {
            last.source.start + (span.end - last.at)
        } else {
            last.source.end
        };
        (start, end)
    }
}

/// The byte ranges of what may be a character reference in `text`: `&`, a name or a number,
/// and the `;` when there is one (`&amp;`, `&#233;`, the legacy `&copy`).
fn references_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let at = i;
            i += 1;
            if bytes[at] != b'&' {
                continue;
            }
            let name_len = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'#')
                .count();
            if name_len == 0 {
                continue;
            }
            i = at + 1 + name_len;
            if bytes.get(i) == Some(&b';') {
                i += 1;
            }
            return Some(at..i);
        }
        None
    })
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
    fn a_word_written_with_references_is_marked_around_its_source() {
        let cafe = Matches::new(["cafe".to_string(), "creme".to_string()], Vec::new());
        assert_eq!(
            highlight("<p>Caf&eacute; cr&#232;me &amp; caf&eacute;s</p>", &cafe),
            "<p><b>Caf&eacute;</b> <b>cr&#232;me</b> &amp; <b>caf&eacute;s</b></p>"
        );
        assert_eq!(
            highlight("<textarea>cafe</textarea> cafe", &cafe),
            "<textarea>cafe</textarea> <b>cafe</b>"
        );
    }

    #[test]
    fn line_breaks_and_legacy_references_keep_the_run_marked() {
        assert_eq!(
            highlight("<p>fish\r\nand\rchips</p>", &fish()),
            "<p><b>fish</b>\r\nand\r<b>chips</b></p>"
        );
        assert_eq!(
            highlight("see ?a=1&section=2 for fish &amp chips", &fish()),
            "see ?a=1&section=2 for <b>fish</b> &amp <b>chips</b>"
        );
        assert_eq!(
            highlight("<xmp>fish</xmp><plaintext>fish", &fish()),
            "<xmp>fish</xmp><plaintext>fish"
        );
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
