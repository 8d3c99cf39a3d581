//! Readable text from HTML, and text split into chunks of readable size.

use super::html::{self, Piece};

/// The readable text of an HTML fragment: tags removed, script and style contents dropped,
/// entities decoded, whitespace collapsed to single spaces.
pub fn html_to_text(html: &str) -> String {
    html_to_blocks(html).join(" ")
}

/// The readable text of HTML as blocks (paragraphs, list items, cells...), each with its
/// whitespace collapsed; empty blocks are dropped.
pub fn html_to_blocks(html: &str) -> Vec<String> {
    let (mut blocks, mut current) = (Vec::new(), String::new());
    html::read(html, |piece| match piece {
        Piece::Text { text, .. } => push_text(&mut current, text),
        Piece::Break => end_block(&mut blocks, &mut current),
    });
    end_block(&mut blocks, &mut current);
    blocks
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
