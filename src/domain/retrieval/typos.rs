//! Typo tolerance: a word that matches nothing in the dataset, corrected to the dataset's
//! nearest words (one edit from 5 letters, two from 9).

use std::collections::HashSet;

use rusqlite::Connection;

use super::*;

/// For each item of the query, the dataset's words it may also match: nearest words for a word
/// (of 5 letters or more) that matches nothing in the dataset, as written or as a prefix.
pub(super) fn corrections(
    conn: &Connection,
    key: i64,
    query: &Query,
) -> AppResult<Vec<Vec<String>>> {
    let mut alternatives = vec![Vec::new(); query.items.len()];
    for (at, word, prefix) in query.words() {
        let typos = match word.folded.chars().count() {
            0..=4 => continue,
            5..=8 => 1,
            _ => 2,
        };
        if fulltext::has_term(conn, &term(key, &word.stem))?
            || (prefix && fulltext::has_prefix(conn, &term(key, &word.folded))?)
        {
            continue;
        }
        alternatives[at] = nearest_words(conn, key, word, typos)?;
    }
    Ok(alternatives)
}

/// The dataset's words nearest to a word it lacks, the most frequent first: those one edit (a
/// character added, dropped or changed, or two swapped) from the word as typed, compared once
/// stemmed, so that "appearancx" finds what "appearance" was indexed as; when there are none
/// and two typos are allowed, those within two edits of the word's stem among the dataset's
/// words that begin with the same two letters.
fn nearest_words(conn: &Connection, key: i64, word: &Word, typos: usize) -> AppResult<Vec<String>> {
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for spelling in one_edit(&word.folded) {
        let stem = tokens::stem(&spelling);
        if seen.insert(stem.clone()) && fulltext::has_term(conn, &term(key, &stem))? {
            found.push(stem);
        }
    }
    if found.is_empty() && typos >= 2 {
        let start: String = word.stem.chars().take(2).collect();
        let prefix = term(key, "");
        found = fulltext::terms_with_prefix(conn, &term(key, &start))?
            .into_iter()
            .filter_map(|(candidate, _)| {
                let candidate = candidate.strip_prefix(&prefix)?.to_string();
                let close = candidate
                    .chars()
                    .count()
                    .abs_diff(word.stem.chars().count())
                    <= typos
                    && strsim::osa_distance(&word.stem, &candidate) <= typos;
                close.then_some(candidate)
            })
            .collect();
    }
    let frequencies = Frequencies::new(conn, key)?;
    let mut ranked = found
        .into_iter()
        .map(|stem| Ok((frequencies.of(&Phrase::Term(term(key, &stem)))?, stem)))
        .collect::<AppResult<Vec<(i64, String)>>>()?;
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(ranked
        .into_iter()
        .take(MAX_CORRECTIONS)
        .map(|(_, stem)| stem)
        .collect())
}

/// Every spelling one edit from `word`: a character dropped, two neighbours swapped, or a
/// letter or digit (or one of the word's own characters) put in or in place of one.
fn one_edit(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut alphabet: Vec<char> = ('a'..='z')
        .chain('0'..='9')
        .chain(chars.iter().copied())
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    let spell = |parts: &[&[char]]| parts.concat().into_iter().collect::<String>();
    let mut spellings = Vec::with_capacity(chars.len() * alphabet.len() * 2 + chars.len() * 2);
    for at in 0..=chars.len() {
        let (before, after) = chars.split_at(at);
        if let Some((_, rest)) = after.split_first() {
            spellings.push(spell(&[before, rest]));
            for c in &alphabet {
                spellings.push(spell(&[before, &[*c], rest]));
            }
        }
        if let [a, b, rest @ ..] = after {
            spellings.push(spell(&[before, &[*b, *a], rest]));
        }
        for c in &alphabet {
            spellings.push(spell(&[before, &[*c], after]));
        }
    }
    spellings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_spells_every_drop_swap_change_and_insertion() {
        let spellings: HashSet<String> = one_edit("cat").into_iter().collect();
        for expected in [
            "at", "ct", "ca", "act", "cta", "bat", "cut", "cab", "xcat", "cart", "cats",
        ] {
            assert!(spellings.contains(expected), "{expected}");
        }
        assert!(!spellings.contains("dog") && !spellings.contains("cat s"));
        assert!(
            one_edit("né").iter().any(|spelling| spelling == "éné"),
            "the word's own letters"
        );
    }
}
