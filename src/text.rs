//! Readable text from HTML, and text split into chunks of readable size.

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
/// Elements whose contents are never text.
const HIDDEN_ELEMENTS: &[&str] = &["script", "style", "template", "noscript", "head", "title"];

/// The readable text of an HTML fragment: tags removed, script and style contents dropped,
/// entities decoded, whitespace collapsed to single spaces.
pub fn html_to_text(html: &str) -> String {
    html_to_blocks(html).join(" ")
}

/// The readable text of HTML as blocks (paragraphs, list items, cells...), each with its
/// whitespace collapsed; empty blocks are dropped.
pub fn html_to_blocks(html: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_text(&mut current, &rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else {
            // A lone '<' is text.
            push_text(&mut current, rest);
            rest = "";
            break;
        };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let name = tag_name(tag);
        if name.is_empty() {
            // "< b" or "<>" is text, as a browser reads it.
            push_text(&mut current, &format!("<{tag}>"));
            continue;
        }
        if !tag.starts_with('/') && HIDDEN_ELEMENTS.contains(&name.as_str()) && !tag.ends_with('/')
        {
            rest = skip_past_end_tag(rest, &name);
            end_block(&mut blocks, &mut current);
            continue;
        }
        if BLOCK_ELEMENTS.contains(&name.as_str()) {
            end_block(&mut blocks, &mut current);
        }
    }
    push_text(&mut current, rest);
    end_block(&mut blocks, &mut current);
    blocks
}

fn tag_name(tag: &str) -> String {
    let tag = tag.strip_prefix('/').unwrap_or(tag);
    let name: String = tag
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if tag.starts_with(|c: char| c.is_ascii_alphabetic()) || tag.starts_with('!') {
        name.to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// The rest after `</name ...>`, found case-insensitively without copying the input, so that
/// many hidden elements cost linear time.
fn skip_past_end_tag<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut from = 0;
    while let Some(found) = rest[from..].find("</") {
        let at = from + found;
        let after = &rest.as_bytes()[at + 2..];
        if after.len() >= name.len() && after[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return rest[at..]
                .find('>')
                .map_or("", |close| &rest[at + close + 1..]);
        }
        from = at + 2;
    }
    ""
}

fn push_text(current: &mut String, raw: &str) {
    for ch in decode_entities(raw).chars() {
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

/// Decode named and numeric character references; an unknown one stays as written.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|i| i + 1);
        let (name, consumed) = match end {
            Some(end) if rest[end..].starts_with(';') => (&rest[1..end], end + 1),
            Some(end) => (&rest[1..end], end),
            None => (&rest[1..], rest.len()),
        };
        match decode_entity(name) {
            Some(ch) => {
                out.push(ch);
                rest = &rest[consumed..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return Some(
            char::from_u32(code)
                .filter(|c| *c != '\0')
                .unwrap_or('\u{FFFD}'),
        );
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "deg" => '°',
        "times" => '×',
        "divide" => '÷',
        _ => return None,
    })
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
    fn broken_html_is_text_without_panic() {
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
        assert_eq!(html_to_text("<p>unclosed <b"), "unclosed <b");
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
