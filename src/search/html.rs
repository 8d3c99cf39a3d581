//! The one HTML reader: html5gum's tokenizer, and the one list of elements whose contents are
//! not text. It hands on each run of readable text (character references decoded) with the bytes
//! of the source it was read from, and each place where a browser would break the line. `text`
//! makes blocks of them; `highlight` marks words inside them, in the source.

use std::convert::Infallible;
use std::ops::Range;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Span, Tokenizer};

/// Elements whose start or end separates blocks of text (a line break in a browser).
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];
/// Elements whose contents are never text. The tokenizer reads script, style, noscript, title,
/// iframe and noembed as raw text, so markup inside them never shows up as tags; template and
/// head hold markup, which is skipped until their end tag. Iframe and noembed hold fallback
/// content that a browser does not render.
const HIDDEN_ELEMENTS: &[&str] = &[
    "script", "style", "template", "noscript", "head", "title", "iframe", "noembed",
];
/// Elements whose contents are text a reader sees but that the tokenizer reads without markup
/// (RCDATA, raw text): a `<b>` written inside one would show as the letters `<b>`.
const UNMARKABLE_ELEMENTS: &[&str] = &["textarea", "xmp", "plaintext"];

/// What the reader finds, in the order of the source.
#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    /// Readable text, references decoded, read from `source` (byte offsets of the HTML).
    /// `source` spans what the text was read from, not always byte for byte: a CRLF is read as
    /// `\n`, and text on both sides of a dropped `</>` comes as one run. `markable` is false
    /// inside elements that cannot hold markup.
    Text {
        text: &'a str,
        source: Range<usize>,
        markable: bool,
    },
    /// A block element starts or ends here (or a hidden one): a line break in a browser.
    Break,
}

/// Read `html`, calling `visit` with each piece of readable text and each break. Linear in the
/// size of the HTML whatever its nesting; broken HTML is read as a browser would read it.
pub fn read(html: &str, visit: impl FnMut(Piece<'_>)) {
    let mut reader = Reader {
        visit,
        start_tag: Vec::new(),
        hidden_open: [0; HIDDEN_ELEMENTS.len()],
        unmarkable_open: 0,
    };
    // The callback emitter lends each event's bytes instead of allocating a token per event.
    let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, span: Span<usize>| {
        reader.read(event, span);
        None::<Infallible>
    });
    // A tokenizer alone would read the `<b` of `<script>if (a<b)</script>` as a tag; like a
    // browser's tree builder, this switches it to raw text after script, style, title...
    emitter.naively_switch_states(true);
    let Ok(()) = Tokenizer::new_with_emitter(html, emitter).finish();
}

/// The text `reference` (`&eacute;`, `&#233;`) stands for, when it is one.
pub fn decode_reference(reference: &str) -> Option<String> {
    let mut decoded = String::new();
    read(reference, |piece| {
        if let Piece::Text { text, .. } = piece {
            decoded.push_str(text);
        }
    });
    (decoded != reference).then_some(decoded)
}

/// Pieces gathered from the tokenizer's events. Character references arrive decoded (the spec's
/// full table, legacy names without `;`, windows-1252 numbers); attributes, comments and
/// doctypes arrive as events of their own and are never text.
struct Reader<F> {
    visit: F,
    /// The name of the start tag being read. The tag counts only at its `>`: one cut off by
    /// the end of the input is dropped, as a browser drops it.
    start_tag: Vec<u8>,
    /// How many of each hidden element are open. Counts rather than a stack, so that a stray
    /// end tag costs constant time whatever the nesting.
    hidden_open: [usize; HIDDEN_ELEMENTS.len()],
    unmarkable_open: usize,
}

impl<F: FnMut(Piece<'_>)> Reader<F> {
    fn read(&mut self, event: CallbackEvent<'_>, span: Span<usize>) {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.start_tag.clear();
                self.start_tag.extend_from_slice(name);
            }
            // `/>` is ignored, as browsers ignore it on all but void elements: `<script/>`
            // opens a script, and the tokenizer has already switched to reading one.
            CallbackEvent::CloseStartTag { .. } => {
                let name = std::mem::take(&mut self.start_tag);
                self.read_tag(&name, true);
                self.start_tag = name;
            }
            CallbackEvent::EndTag { name } => self.read_tag(name, false),
            CallbackEvent::String { value } if self.hidden_open.iter().all(|&n| n == 0) => {
                (self.visit)(Piece::Text {
                    text: &String::from_utf8_lossy(value),
                    source: span.start..span.end,
                    markable: self.unmarkable_open == 0,
                });
            }
            _ => {}
        }
    }

    fn read_tag(&mut self, name: &[u8], is_start: bool) {
        let count = |open: &mut usize| {
            *open = if is_start {
                *open + 1
            } else {
                open.saturating_sub(1)
            }
        };
        if let Some(hidden) = hidden_index(name) {
            count(&mut self.hidden_open[hidden]);
            (self.visit)(Piece::Break);
        } else if is_start && name == b"body" {
            // `</head>` may be left out before `<body>`; the body is text all the same.
            if let Some(head) = hidden_index(b"head") {
                self.hidden_open[head] = 0;
            }
        }
        if UNMARKABLE_ELEMENTS
            .iter()
            .any(|element| element.as_bytes() == name)
        {
            count(&mut self.unmarkable_open);
        }
        if BLOCK_ELEMENTS.iter().any(|block| block.as_bytes() == name) {
            (self.visit)(Piece::Break);
        }
    }
}

fn hidden_index(name: &[u8]) -> Option<usize> {
    HIDDEN_ELEMENTS.iter().position(|h| h.as_bytes() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(html: &str) -> Vec<(String, String, bool)> {
        let mut found = Vec::new();
        read(html, |piece| {
            if let Piece::Text {
                text,
                source,
                markable,
            } = piece
            {
                found.push((text.to_string(), html[source].to_string(), markable));
            }
        });
        found
    }

    #[test]
    fn text_comes_decoded_with_the_source_it_was_read_from() {
        assert_eq!(
            pieces("<p>caf&eacute; &amp; cr&#232;me</p><textarea>x</textarea>"),
            [
                (
                    "café & crème".to_string(),
                    "caf&eacute; &amp; cr&#232;me".to_string(),
                    true
                ),
                ("x".to_string(), "x".to_string(), false),
            ]
        );
    }

    #[test]
    fn references_decode_and_other_text_is_none() {
        assert_eq!(decode_reference("&eacute;").as_deref(), Some("é"));
        assert_eq!(decode_reference("&#233;").as_deref(), Some("é"));
        assert_eq!(decode_reference("&fish;"), None);
    }
}
