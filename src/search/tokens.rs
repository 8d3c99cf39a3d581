//! Words as the search index keeps them: a word is a run of letters and digits; it is indexed
//! lower-cased, with its diacritics folded (é is e) and stemmed for English (Snowball's English
//! stemmer, the one tantivy uses), so that "Cafés" finds "cafe" and "running" finds "runs".
//! The index, the query and the highlighter all read words through this module, so they agree.

use std::ops::Range;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longer runs are not words anyone searches for (a hash, a base64 blob): they are cut here.
pub const MAX_WORD_CHARS: usize = 48;

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// A word of a text: where it stands, and its folded and stemmed forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Its bytes in the text.
    pub span: Range<usize>,
    /// Lower-cased, diacritics removed.
    pub folded: String,
    /// `folded`, stemmed: what the index holds.
    pub stem: String,
}

/// Lower case without diacritics.
pub fn fold(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    fold_into(word, &mut folded);
    folded
}

fn fold_into(word: &str, folded: &mut String) {
    folded.clear();
    if word.is_ascii() {
        folded.push_str(word);
        folded.make_ascii_lowercase();
    } else {
        folded.extend(
            word.nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase),
        );
    }
}

/// Call `with` with the stem of a folded word.
fn with_stem<T>(folded: &str, with: impl FnOnce(&str) -> T) -> T {
    with(&ENGLISH.stem(folded))
}

pub fn stem(folded: &str) -> String {
    with_stem(folded, str::to_string)
}

/// The byte ranges of a text's words, in order: runs of word characters, each cut to
/// `MAX_WORD_CHARS` (the rest of a longer run is skipped).
fn spans(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || loop {
        let (start, first) = chars.next()?;
        if !is_word_char(first) {
            continue;
        }
        let mut end = start + first.len_utf8();
        let mut count = 1;
        while let Some(&(at, c)) = chars.peek() {
            if !is_word_char(c) {
                break;
            }
            chars.next();
            if count < MAX_WORD_CHARS {
                end = at + c.len_utf8();
                count += 1;
            }
        }
        return Some(start..end);
    })
}

/// The words of a text, in order.
pub fn words(text: &str) -> impl Iterator<Item = Word> + '_ {
    spans(text).filter_map(|span| {
        let folded = fold(&text[span.clone()]);
        if folded.is_empty() {
            return None;
        }
        let stem = stem(&folded);
        Some(Word { span, folded, stem })
    })
}

/// Call `each` with the stem of every word of a text, in order: what `words` gives as `stem`,
/// without making a `Word` of each (the index's hot path).
pub fn for_each_stem(text: &str, mut each: impl FnMut(&str)) {
    let mut folded = String::new();
    for span in spans(text) {
        fold_into(&text[span], &mut folded);
        if !folded.is_empty() {
            with_stem(&folded, &mut each);
        }
    }
}

/// Letters, digits, and the combining marks that belong to them.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        words(text).map(|word| word.stem).collect()
    }

    #[test]
    fn words_are_folded_and_stemmed() {
        assert_eq!(
            stems("Cafés RUNNING, naïve runs!"),
            ["cafe", "run", "naiv", "run"]
        );
        assert_eq!(
            stems("what's new? foo-bar a:b"),
            ["what", "s", "new", "foo", "bar", "a", "b"]
        );
        assert!(stems("\" * NEAR( -- ").iter().eq(["near"].iter()));
    }

    #[test]
    fn the_index_reads_the_same_stems_as_the_query() {
        let text = "Cafés RUNNING, naïve runs! what's x\u{301}yz ".repeat(3);
        let mut stems = Vec::new();
        for_each_stem(&text, |stem| stems.push(stem.to_string()));
        let from_words: Vec<String> = words(&text).map(|word| word.stem).collect();
        assert_eq!(stems, from_words);
    }

    #[test]
    fn spans_point_at_the_words_in_the_text() {
        let text = "Ünïcode wörds";
        let spans: Vec<&str> = words(text).map(|word| &text[word.span]).collect();
        assert_eq!(spans, ["Ünïcode", "wörds"]);
    }

    #[test]
    fn an_enormous_run_is_cut_and_costs_linear_time() {
        let text = "x".repeat(1_000_000);
        let found: Vec<Word> = words(&text).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].folded.len(), MAX_WORD_CHARS);
    }
}
