//! A query's select list is written once, as SQL text; rows are read from it by column name,
//! and each name's position is found when the program is compiled (`at!`), so that reading a
//! row costs no name lookups (by name at run time, they were a sixth of a page read's CPU), and
//! a name missing from its list does not compile.

/// The position of the result column called `name` in the select list `list`. An item's name
/// is what follows its last ` AS `, else its last `.`, else the item itself; commas inside
/// parentheses do not separate items. Panics (at compile time, through `at!`) when no item has
/// that name.
pub const fn position(list: &str, name: &str) -> usize {
    let bytes = list.as_bytes();
    let (mut index, mut start, mut depth, mut i) = (0, 0, 0usize, 0);
    loop {
        let at_end = i == bytes.len();
        if at_end || (bytes[i] == b',' && depth == 0) {
            if item_is_named(bytes, start, i, name.as_bytes()) {
                return index;
            }
            if at_end {
                panic!("no column of that name in the select list");
            }
            index += 1;
            start = i + 1;
        } else if bytes[i] == b'(' {
            depth += 1;
        } else if bytes[i] == b')' {
            depth -= 1;
        }
        i += 1;
    }
}

/// Whether the item `list[start..end]` is called `name`.
const fn item_is_named(list: &[u8], start: usize, end: usize, name: &[u8]) -> bool {
    let (mut start, mut end) = (start, end);
    while start < end && list[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && list[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    // The name starts after the last " AS ", else after the last '.'.
    let mut name_start = start;
    let mut i = start;
    while i < end {
        if i + 4 <= end
            && list[i] == b' '
            && list[i + 1] == b'A'
            && list[i + 2] == b'S'
            && list[i + 3] == b' '
        {
            name_start = i + 4;
        } else if list[i] == b'.' && name_start <= i {
            name_start = i + 1;
        }
        i += 1;
    }
    if end - name_start != name.len() {
        return false;
    }
    let mut k = 0;
    while k < name.len() {
        if list[name_start + k] != name[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// `at!(LIST, "name")`: the position of the column `name` in the select list `LIST`, a
/// constant computed at compile time.
macro_rules! at {
    ($list:expr, $name:literal) => {
        const { $crate::db::columns::position($list, $name) }
    };
}

/// `start!(LIST, PART, "name")`: the position in the select list `LIST` where its sub-list
/// `PART` starts, found through one of `PART`'s columns by name (so it holds whichever of
/// `PART`'s columns is named, and however they are ordered).
macro_rules! start {
    ($list:expr, $part:expr, $name:literal) => {
        const {
            $crate::db::columns::position($list, $name)
                - $crate::db::columns::position($part, $name)
        }
    };
}

pub(crate) use {at, start};

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "u.id AS user_id, u.email,
        (SELECT coalesce(sum(c.n), 0) FROM chunk_counts c) AS chunk_count, weight";

    #[test]
    fn columns_are_found_by_alias_by_column_or_as_written() {
        assert_eq!(at!(LIST, "user_id"), 0);
        assert_eq!(at!(LIST, "email"), 1);
        assert_eq!(at!(LIST, "chunk_count"), 2);
        assert_eq!(at!(LIST, "weight"), 3);
    }

    #[test]
    fn a_sub_list_starts_where_its_columns_are() {
        const PART: &str =
            "u.email, (SELECT coalesce(sum(c.n), 0) FROM chunk_counts c) AS chunk_count";
        assert_eq!(start!(LIST, PART, "chunk_count"), 1);
        assert_eq!(start!(LIST, PART, "email"), 1);
    }

    #[test]
    #[should_panic(expected = "no column of that name")]
    fn a_missing_name_is_refused() {
        position(LIST, "id");
    }
}
