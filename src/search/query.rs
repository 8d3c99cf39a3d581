//! A user's query, parsed into words, phrases and exclusions, and written as an FTS5 query over
//! the index's terms. No text of the query reaches FTS5 as written: every term FTS5 sees is one
//! the server made (a dataset key, `_`, and a folded, stemmed word of letters and digits), so any
//! string is either a query or a clear "no words" error.
//!
//! - `word`: the word must be in the chunk (any form with the same stem).
//! - the last plain word: also as a prefix (search as you type).
//! - `"several words"`, and `foo-bar` or `what's` (one run without spaces): a phrase.
//! - `-word`, `-"a phrase"`: the chunk must not have it.

use super::tokens::{self, Word};

/// A positive or excluded part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Word(Word),
    Phrase(Vec<Word>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// What a chunk must have (all of it, or with `any`, some of it).
    pub items: Vec<Item>,
    /// What a chunk must not have.
    pub excluded: Vec<Item>,
    /// Whether the last item, a word, is also read as a prefix.
    pub last_is_prefix: bool,
}

/// The shortest prefix worth searching for: one or two letters would match much of the
/// vocabulary, and FTS5 merges the lists of every word a prefix matches.
const MIN_PREFIX_CHARS: usize = 3;

impl Query {
    /// None when the query has no word to find (only exclusions, or no letters or digits).
    pub fn parse(text: &str) -> Option<Query> {
        let mut items = Vec::new();
        let mut excluded = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            let exclude = rest.starts_with('-')
                && rest.len() > 1
                && !rest[1..].starts_with(char::is_whitespace);
            if exclude {
                rest = &rest[1..];
            }
            let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            let mut words: Vec<Word> = tokens::words(part).collect();
            let item = match words.len() {
                0 => None,
                1 => words.pop().map(Item::Word),
                _ => Some(Item::Phrase(words)),
            };
            if let Some(item) = item {
                if exclude {
                    excluded.push(item)
                } else {
                    items.push(item)
                }
            }
            rest = after.trim_start();
        }
        // A word still being typed: the query does not end with a space or a closing quote.
        let still_typing = !text.ends_with(|c: char| c.is_whitespace() || c == '"');
        let last_is_prefix = still_typing
            && matches!(items.last(), Some(Item::Word(word))
                if word.folded.chars().count() >= MIN_PREFIX_CHARS);
        (!items.is_empty()).then_some(Query {
            items,
            excluded,
            last_is_prefix,
        })
    }

    /// The positive words (not phrases), with whether each is the prefix word.
    pub fn words(&self) -> impl Iterator<Item = (usize, &Word, bool)> {
        let last = self.items.len() - 1;
        self.items
            .iter()
            .enumerate()
            .filter_map(move |(at, item)| match item {
                Item::Word(word) => Some((at, word, self.last_is_prefix && at == last)),
                Item::Phrase(_) => None,
            })
    }
}

/// How the positive items combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    All,
    Any,
}

/// An index term: the dataset's key and a stem (or a prefix of a folded word).
pub fn term(key: i64, stem: &str) -> String {
    format!("{key}_{stem}")
}

/// A phrase of an FTS5 expression, in the order FTS5 numbers them: what `chunk_rank` needs the
/// document frequency of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phrase {
    Term(String),
    /// Every term that starts with this.
    Prefix(String),
    /// These terms, in a row.
    Sequence(Vec<String>),
}

impl Phrase {
    /// The phrase as FTS5 query text.
    pub fn fts5(&self) -> String {
        match self {
            Phrase::Term(term) => quoted(term),
            Phrase::Prefix(start) => format!("{} *", quoted(start)),
            Phrase::Sequence(terms) => quoted(&terms.join(" ")),
        }
    }
}

/// An FTS5 query and its phrases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub text: String,
    pub phrases: Vec<Phrase>,
}

/// The FTS5 query for `query` in the dataset with `key`. `alternatives[i]`, if any, are other
/// stems item `i` may match (typo corrections).
pub fn fts5(query: &Query, key: i64, combine: Combine, alternatives: &[Vec<String>]) -> Expression {
    let mut phrases = Vec::new();
    let last = query.items.len() - 1;
    let positives: Vec<String> = query
        .items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            let prefix = query.last_is_prefix && at == last;
            let others = alternatives.get(at).map(Vec::as_slice).unwrap_or_default();
            item_fts5(item, key, prefix, others, &mut phrases)
        })
        .collect();
    let joiner = match combine {
        Combine::All => " AND ",
        Combine::Any => " OR ",
    };
    let mut text = format!("({})", positives.join(joiner));
    if !query.excluded.is_empty() {
        let excluded: Vec<String> = query
            .excluded
            .iter()
            .map(|item| item_fts5(item, key, false, &[], &mut phrases))
            .collect();
        text = format!("{text} NOT ({})", excluded.join(" OR "));
    }
    Expression { text, phrases }
}

fn quoted(term: &str) -> String {
    format!("\"{term}\"")
}

fn item_fts5(
    item: &Item,
    key: i64,
    prefix: bool,
    others: &[String],
    phrases: &mut Vec<Phrase>,
) -> String {
    let options: Vec<Phrase> = match item {
        Item::Phrase(words) => vec![Phrase::Sequence(
            words.iter().map(|word| term(key, &word.stem)).collect(),
        )],
        Item::Word(word) => std::iter::once(Phrase::Term(term(key, &word.stem)))
            .chain(prefix.then(|| Phrase::Prefix(term(key, &word.folded))))
            .chain(others.iter().map(|other| Phrase::Term(term(key, other))))
            .collect(),
    };
    let texts: Vec<String> = options.iter().map(Phrase::fts5).collect();
    phrases.extend(options);
    if texts.len() == 1 {
        texts.concat()
    } else {
        format!("({})", texts.join(" OR "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(text: &str) -> String {
        fts5(&Query::parse(text).unwrap(), 7, Combine::All, &[]).text
    }

    #[test]
    fn words_must_all_match_and_the_last_is_a_prefix_while_typed() {
        assert_eq!(
            fts("Fish chips"),
            r#"("7_fish" AND ("7_chip" OR "7_chips" *))"#
        );
        assert_eq!(
            fts5(&Query::parse("fish chips ").unwrap(), 7, Combine::Any, &[]).text,
            r#"("7_fish" OR "7_chip")"#
        );
    }

    #[test]
    fn phrases_are_listed_in_the_order_fts5_numbers_them() {
        let expression = fts5(
            &Query::parse(r#""fish soup" -chips pie"#).unwrap(),
            2,
            Combine::All,
            &[],
        );
        assert_eq!(
            expression.phrases,
            [
                Phrase::Sequence(vec!["2_fish".into(), "2_soup".into()]),
                Phrase::Term("2_pie".into()),
                Phrase::Prefix("2_pie".into()),
                Phrase::Term("2_chip".into()),
            ]
        );
    }

    #[test]
    fn phrases_and_exclusions() {
        assert_eq!(
            fts(r#""fish and chips" -vinegar -"mushy peas""#),
            r#"("7_fish 7_and 7_chip") NOT ("7_vinegar" OR "7_mushi 7_pea")"#
        );
        assert_eq!(fts("foo-bar what's"), r#"("7_foo 7_bar" AND "7_what 7_s")"#);
        assert_eq!(
            fts("a - b"),
            r#"("7_a" AND "7_b")"#,
            "a lone dash is not an exclusion"
        );
    }

    #[test]
    fn any_text_is_a_query_or_has_no_words() {
        for text in [
            "\"", "*", "-", "-foo", "--", "   ", "\"\"", "()", "-\"x y\"",
        ] {
            assert!(Query::parse(text).is_none(), "{text}");
        }
        for text in [
            "what's new?",
            "NEAR(",
            "a:b",
            "AND OR NOT",
            "x\"y",
            "\"unterminated phrase",
        ] {
            let query = Query::parse(text).unwrap();
            let expression = fts5(&query, 1, Combine::All, &[]).text;
            // Only generated terms are quoted: letters, digits and the key's underscore.
            let inside: String = expression
                .split('"')
                .skip(1)
                .step_by(2)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                inside
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == ' '),
                "{expression}"
            );
        }
    }

    #[test]
    fn corrections_are_alternatives_of_their_word() {
        let query = Query::parse("recieve letter ").unwrap();
        let alternatives = vec![vec!["receiv".to_string()]];
        let expression = fts5(&query, 3, Combine::All, &alternatives);
        assert_eq!(
            expression.text,
            r#"(("3_reciev" OR "3_receiv") AND "3_letter")"#
        );
        assert_eq!(
            expression.phrases,
            [
                Phrase::Term("3_reciev".into()),
                Phrase::Term("3_receiv".into()),
                Phrase::Term("3_letter".into())
            ]
        );
    }
}
