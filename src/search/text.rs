//! Readable text from HTML, and text split into chunks of readable size.

use std::convert::Infallible;

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

/// The readable text of an HTML fragment: tags removed, script and style contents dropped,
/// entities decoded, whitespace collapsed to single spaces.
pub fn html_to_text(html: &str) -> String {
    html_to_blocks(html).join(" ")
}

/// The readable text of HTML as blocks (paragraphs, list items, cells...), each with its
/// whitespace collapsed; empty blocks are dropped.
pub fn html_to_blocks(html: &str) -> Vec<String> {
    let mut reader = BlockReader::default();
    // The callback emitter lends each event's bytes instead of allocating a token per event.
    let mut emitter = CallbackEmitter::new(|event: CallbackEvent<'_>, _: Span<()>| {
        reader.read(event);
        None::<Infallible>
    });
    // A tokenizer alone would read the `<b` of `<script>if (a<b)</script>` as a tag; like a
    // browser's tree builder, this switches it to raw text after script, style, title...
    emitter.naively_switch_states(true);
    let Ok(()) = Tokenizer::new_with_emitter(html, emitter).finish();
    reader.finish()
}

/// Blocks of text gathered from the tokenizer's events. Character references arrive decoded
/// (the spec's full table, legacy names without `;`, windows-1252 numbers); attributes,
/// comments and doctypes arrive as events of their own and are never text.
#[derive(Default)]
struct BlockReader {
    blocks: Vec<String>,
    current: String,
    /// The name of the start tag being read. The tag counts only at its `>`: one cut off by
    /// the end of the input is dropped, as a browser drops it.
    start_tag: Vec<u8>,
    /// How many of each hidden element are open. Counts rather than a stack, so that a stray
    /// end tag costs constant time whatever the nesting.
    hidden_open: [usize; HIDDEN_ELEMENTS.len()],
}

impl BlockReader {
    fn read(&mut self, event: CallbackEvent<'_>) {
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
                push_text(&mut self.current, &String::from_utf8_lossy(value));
            }
            _ => {}
        }
    }

    fn read_tag(&mut self, name: &[u8], is_start: bool) {
        if let Some(hidden) = hidden_index(name) {
            let open = &mut self.hidden_open[hidden];
            *open = if is_start {
                *open + 1
            } else {
                open.saturating_sub(1)
            };
            end_block(&mut self.blocks, &mut self.current);
        } else if is_start && name == b"body" {
            // `</head>` may be left out before `<body>`; the body is text all the same.
            if let Some(head) = hidden_index(b"head") {
                self.hidden_open[head] = 0;
            }
        }
        if BLOCK_ELEMENTS.iter().any(|block| block.as_bytes() == name) {
            end_block(&mut self.blocks, &mut self.current);
        }
    }

    fn finish(mut self) -> Vec<String> {
        end_block(&mut self.blocks, &mut self.current);
        self.blocks
    }
}

fn hidden_index(name: &[u8]) -> Option<usize> {
    HIDDEN_ELEMENTS.iter().position(|h| h.as_bytes() == name)
}

fn push_text(current: &mut String, text: &str) {
    for ch in text.chars() {
        if ch.is_whitespace() {
            if !current.is_empty() && !current.ends_with(' ') {
                current.push(' ');
            }
        } else if !ch.is_control() {
            current.push(ch);
        }
    }
}

fn end_block(blocks: &mut Vec<String>, current: &mut String) {
    let block = current.trim();
    if !block.is_empty() {
        blocks.push(block.to_string());
    }
    current.clear();
}

/// Escape text for use as HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Chunks aim for at most this many characters; a longer paragraph is cut at word boundaries.
pub const CHUNK_TARGET_CHARS: usize = 1500;

/// Plain text's paragraphs: separated by blank lines, each with its whitespace collapsed.
pub fn text_to_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            end_block(&mut blocks, &mut current);
        } else {
            push_text_literal(&mut current, line);
        }
    }
    end_block(&mut blocks, &mut current);
    blocks
}

fn push_text_literal(current: &mut String, line: &str) {
    if !current.is_empty() {
        current.push(' ');
    }
    for word in line.split_whitespace() {
        if !current.is_empty() && !current.ends_with(' ') {
            current.push(' ');
        }
        current.extend(word.chars().filter(|c| !c.is_control()));
    }
}

/// Group paragraphs into chunks of up to `CHUNK_TARGET_CHARS`, never splitting a paragraph
/// that fits, and cutting one that does not at word boundaries.
pub fn pack_blocks(blocks: &[String]) -> Vec<Vec<String>> {
    let mut chunks = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut current_len = 0;
    for block in blocks {
        for piece in split_long(block) {
            let piece_len = piece.chars().count();
            if !current.is_empty() && current_len + 1 + piece_len > CHUNK_TARGET_CHARS {
                chunks.push(std::mem::take(&mut current));
                current_len = 0;
            }
            current_len += piece_len + usize::from(!current.is_empty());
            current.push(piece);
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn split_long(block: &str) -> Vec<String> {
    if block.chars().count() <= CHUNK_TARGET_CHARS {
        return vec![block.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in block.split(' ') {
        let word_len = word.chars().count();
        if !current.is_empty() && current.chars().count() + 1 + word_len > CHUNK_TARGET_CHARS {
            pieces.push(std::mem::take(&mut current));
        }
        if word_len > CHUNK_TARGET_CHARS {
            // One enormous "word": cut it by characters.
            let chars: Vec<char> = word.chars().collect();
            for part in chars.chunks(CHUNK_TARGET_CHARS) {
                pieces.push(part.iter().collect());
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_removed_and_entities_decoded() {
        assert_eq!(
            html_to_text("<p>Fish &amp; chips</p><p>&lt;b&gt; &#169; &#x263A; &nbsp;x</p>"),
            "Fish & chips <b> © ☺ x"
        );
    }

    #[test]
    fn script_style_and_comments_are_dropped() {
        let html = "<style>p{}</style>Hello<script>alert('<p>x</p>')</script> <!-- hidden -->world";
        assert_eq!(html_to_text(html), "Hello world");
    }

    #[test]
    fn whitespace_collapses_and_inline_tags_join_words() {
        assert_eq!(
            html_to_text("  a\n\n\t b <b>bo</b>ld<br>next  "),
            "a b bold next"
        );
    }

    #[test]
    fn many_hidden_elements_cost_linear_time() {
        let html = "<STYLE>p{}</Style>x ".repeat(100_000);
        let started = std::time::Instant::now();
        let text = html_to_text(&html);
        assert_eq!(text.len(), "x ".len() * 100_000 - 1);
        // Quadratic work on this input took tens of seconds; linear takes milliseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn many_unclosed_tags_and_attributes_cost_linear_time() {
        let unclosed = "<b><div>x ".repeat(100_000);
        let attributes = format!("<p {}>y</p>", "a=1 b='&amp;' ".repeat(100_000));
        let huge_value = format!("<p title=\"{}\">z</p>", "v".repeat(5_000_000));
        let cut_off_value = format!("<p title=\"{}", "v".repeat(5_000_000));
        let long_reference = format!("&{}", "a".repeat(1_000_000));
        let started = std::time::Instant::now();
        assert_eq!(html_to_text(&unclosed).len(), "x ".len() * 100_000 - 1);
        assert_eq!(html_to_text(&attributes), "y");
        assert_eq!(html_to_text(&huge_value), "z");
        assert_eq!(html_to_text(&cut_off_value), "");
        assert_eq!(html_to_text(&long_reference), long_reference);
        // Megabytes of each take well under a second even unoptimized; rescanning would not.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn named_entities_decode_as_html5_says() {
        assert_eq!(html_to_text("caf&eacute;"), "café");
        assert_eq!(html_to_text("&NotNestedGreaterGreater;"), "\u{2AA2}\u{338}");
        assert_eq!(html_to_text("&CounterClockwiseContourIntegral;"), "∳");
        assert_eq!(html_to_text("&DoubleLongLeftRightArrow; &hearts;"), "⟺ ♥");
    }

    #[test]
    fn legacy_entities_decode_without_a_semicolon() {
        assert_eq!(
            html_to_text("Fish &amp chips &copy2026"),
            "Fish & chips ©2026"
        );
        // `&notit;` is no entity, but it starts with the legacy `&not`, which the spec decodes.
        assert_eq!(html_to_text("&notit;"), "¬it;");
    }

    #[test]
    fn numeric_references_from_128_to_159_are_read_as_windows_1252() {
        assert_eq!(html_to_text("1&#150;2 &#128;5 &#x93;q&#x94;"), "1–2 €5 “q”");
    }

    #[test]
    fn a_greater_than_inside_a_quoted_attribute_stays_in_the_attribute() {
        assert_eq!(html_to_text(r#"<a title="a>b">x</a>"#), "x");
        assert_eq!(html_to_text("<a title='<p>c</p>'>y</a>"), "y");
    }

    #[test]
    fn attributes_contribute_no_text() {
        assert_eq!(
            html_to_text(r#"<img alt="secret"> <input value=hidden>"#),
            ""
        );
        assert_eq!(
            html_to_text(r#"<p data-x="&eacute;&lt;b&gt;&bogus" title=&#150;>y</p>"#),
            "y"
        );
    }

    #[test]
    fn a_less_than_that_starts_no_tag_is_text() {
        assert_eq!(
            html_to_text("1 < 2, x<=y, I <3 it, <>"),
            "1 < 2, x<=y, I <3 it, <>"
        );
    }

    #[test]
    fn hidden_elements_hide_markup_and_end_where_a_browser_ends_them() {
        assert_eq!(html_to_text("<script>if (a<b) {}</script>ok"), "ok");
        assert_eq!(
            html_to_text("<template><p>t</p></template><iframe><p>f</p></iframe>ok"),
            "ok"
        );
        assert_eq!(
            html_to_text("<html><head><title>T</title><body><p>Hi"),
            "Hi"
        );
    }

    #[test]
    fn broken_html_is_text_without_panic() {
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        // A tag cut off by the end of the input is dropped (the spec's eof-in-tag), as in a
        // browser: `<b` is the start of a tag, not text.
        assert_eq!(html_to_text("<p>unclosed <b"), "unclosed");
        assert_eq!(html_to_text("&unknown; &#xZZ; &"), "&unknown; &#xZZ; &");
        assert_eq!(html_to_text("<script>never closed"), "");
        assert_eq!(html_to_text("&#0; &#99999999;"), "\u{FFFD} \u{FFFD}");
    }

    #[test]
    fn blocks_follow_block_elements() {
        assert_eq!(
            html_to_blocks("<h1>T</h1><p>a</p><ul><li>b</li><li>c</li></ul>"),
            ["T", "a", "b", "c"]
        );
        assert_eq!(text_to_blocks("one\ntwo\n\n\nthree"), ["one two", "three"]);
    }

    #[test]
    fn packing_keeps_paragraphs_whole_and_bounds_size() {
        let paragraphs: Vec<String> = (0..10)
            .map(|i| format!("{i} {}", "word ".repeat(60).trim()))
            .collect();
        let chunks = pack_blocks(&paragraphs);
        assert!(chunks.len() > 1);
        assert!(chunks
            .iter()
            .all(|c| c.join(" ").chars().count() <= CHUNK_TARGET_CHARS));
        assert_eq!(chunks.concat(), paragraphs);

        let huge = vec!["x".repeat(4000)];
        let pieces = pack_blocks(&huge);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces.concat().concat(), huge[0]);
    }
}
