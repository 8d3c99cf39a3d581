//! The values a request may set, each parsed once at the edge into a type that can only hold a
//! valid value (parse, don't validate). Every rule is written here and nowhere else; an invalid
//! value is a 400 naming the request's field.

use crate::types::error::{FieldError, FieldResult};

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Whether the text holds a character a reader cannot see or that changes how the text around
/// it shows: controls, format characters (bidi overrides and isolates, zero-width spaces and
/// joiners, the byte-order mark, the soft hyphen), line and paragraph separators, private-use
/// and unassigned code points. `\u{202e}evil` shows as "live"; "ad\u{200b}min" as "admin".
/// Refused in what identifies a person to others: names, usernames, e-mail addresses.
fn has_hidden(text: &str) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    text.chars().any(|c| {
        matches!(
            c.general_category(),
            GeneralCategory::Control
                | GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
                | GeneralCategory::PrivateUse
                | GeneralCategory::Surrogate
                | GeneralCategory::Unassigned
        )
    })
}

/// `Some` unless the text is empty once trimmed: how a request clears an optional value.
fn non_empty(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|text| !text.is_empty())
}

/// Free text of a request (a description, a chat message): trimmed, `at_least` to `at_most`
/// characters.
pub fn bounded_text(
    field: &'static str,
    text: &str,
    at_least: usize,
    at_most: usize,
) -> FieldResult<String> {
    let text = text.trim();
    let length = text.chars().count();
    if length < at_least || length > at_most {
        return Err(FieldError::new(
            field,
            format!("{field} must be {at_least} to {at_most} characters"),
        ));
    }
    Ok(text.to_string())
}

text_type! {
    /// The name of an organization, a dataset, a key or a person: trimmed, 1 to 100 characters,
    /// no control or invisible characters.
    Name
}

impl Name {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(field: &'static str, text: &str) -> FieldResult<Name> {
        Name::parse_optional(field, text)?.ok_or_else(|| Name::invalid(field))
    }

    /// Empty (once trimmed) is `None`.
    pub fn parse_optional(field: &'static str, text: &str) -> FieldResult<Option<Name>> {
        let Some(text) = non_empty(text) else {
            return Ok(None);
        };
        if text.chars().count() > Name::MAX_CHARS || has_hidden(text) {
            return Err(Name::invalid(field));
        }
        Ok(Some(Name(text.to_string())))
    }

    fn invalid(field: &'static str) -> FieldError {
        FieldError::new(
            field,
            format!(
                "{field} must be 1 to {} characters, without control or invisible characters",
                Name::MAX_CHARS
            ),
        )
    }
}

text_type! {
    /// A user's handle: trimmed, up to 64 characters, no spaces, control or invisible
    /// characters. Unique among users by `username_key`: whatever its case.
    Username
}

impl Username {
    pub const MAX_CHARS: usize = 64;

    /// Empty (once trimmed) is `None`: the user has no username.
    pub fn parse_optional(text: &str) -> FieldResult<Option<Username>> {
        let Some(text) = non_empty(text) else {
            return Ok(None);
        };
        if text.chars().count() > Username::MAX_CHARS
            || text.chars().any(char::is_whitespace)
            || has_hidden(text)
        {
            return Err(FieldError::new(
                "username",
                format!(
                    "username must be at most {} characters, without spaces, control or \
                     invisible characters",
                    Username::MAX_CHARS
                ),
            ));
        }
        Ok(Some(Username(text.to_string())))
    }
}

/// What a username is unique by: its compatibility form (NFKC: a fullwidth `ａｄａ` is `ada`)
/// in lower case, whatever the script ("Émile" and "émile" are one name to a reader).
pub fn username_key(username: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let lower: String = username.nfkc().flat_map(char::to_lowercase).collect();
    lower.nfkc().collect()
}

text_type! {
    /// An http:// or https:// address, up to 2048 bytes, without spaces.
    Website
}

impl Website {
    pub const MAX_LEN: usize = 2048;

    /// Empty (once trimmed) is `None`.
    pub fn parse_optional(text: &str) -> FieldResult<Option<Website>> {
        let Some(text) = non_empty(text) else {
            return Ok(None);
        };
        let lower = text.to_ascii_lowercase();
        let valid = text.len() <= Website::MAX_LEN
            && (lower.starts_with("https://") || lower.starts_with("http://"))
            && !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err(FieldError::new(
                "website",
                "website must be an http:// or https:// address",
            ));
        }
        Ok(Some(Website(text.to_string())))
    }
}

text_type! {
    /// An email address: something@somewhere, up to 254 bytes, without spaces, control or
    /// invisible characters, its letters of one script (`pаypal@example.com` with a Cyrillic
    /// `а` is refused). Compared case-insensitively by the database.
    Email
}

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(text: &str) -> FieldResult<Email> {
        let text = text.trim();
        let valid = text.len() <= Email::MAX_LEN
            && text
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
            && !text.chars().any(char::is_whitespace)
            && !has_hidden(text);
        if !valid {
            return Err(FieldError::new("email", "email is not a valid address"));
        }
        if !unicode_security::MixedScript::is_single_script(text) {
            return Err(FieldError::new(
                "email",
                "email mixes letters of different scripts (such as Latin and Cyrillic), which \
                 makes one address look like another",
            ));
        }
        Ok(Email(text.to_string()))
    }
}

text_type! {
    /// A chunk's own key in its dataset: 1 to 255 characters, no control characters, kept as
    /// sent (not trimmed).
    TrackingId
}

impl TrackingId {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(text: &str) -> FieldResult<TrackingId> {
        if text.is_empty() || text.chars().count() > TrackingId::MAX_CHARS || has_control(text) {
            return Err(FieldError::new(
                "tracking_id",
                format!(
                    "tracking_id must be 1 to {} characters, without control characters",
                    TrackingId::MAX_CHARS
                ),
            ));
        }
        Ok(TrackingId(text.to_string()))
    }
}

text_type! {
    /// The name a file is stored under: the last component of the sent path, trimmed, 1 to 255
    /// characters, no control characters.
    FileName
}

impl FileName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(text: &str) -> FieldResult<FileName> {
        let base = text.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        if base.is_empty() || base.chars().count() > FileName::MAX_CHARS || has_control(base) {
            return Err(FieldError::new(
                "file_name",
                format!(
                    "file_name must be 1 to {} characters, without control characters",
                    FileName::MAX_CHARS
                ),
            ));
        }
        Ok(FileName(base.to_string()))
    }

    /// The extension, lower-cased, if the name has one.
    pub fn extension(&self) -> Option<String> {
        self.0
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase())
    }
}

text_type! {
    /// A MIME type as sent with an upload, lower-cased; empty means application/octet-stream.
    MimeType
}

impl MimeType {
    pub const MAX_LEN: usize = 127;
    pub const DEFAULT: &'static str = "application/octet-stream";

    pub fn parse(text: &str) -> FieldResult<MimeType> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(MimeType(MimeType::DEFAULT.to_string()));
        }
        let valid = text.len() <= MimeType::MAX_LEN
            && text.contains('/')
            && text.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        if valid {
            Ok(MimeType(text.to_ascii_lowercase()))
        } else {
            Err(FieldError::new(
                "file_mime_type",
                "file_mime_type is not a MIME type",
            ))
        }
    }

    /// The type without its parameters: `text/plain` of `text/plain; charset=utf-8`.
    pub fn essence(&self) -> &str {
        self.0.split(';').next().unwrap_or_default().trim()
    }
}

/// A chunk's weight in ranking: any finite number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weight(f64);

impl Weight {
    pub const DEFAULT: Weight = Weight(1.0);

    pub fn parse(weight: f64) -> FieldResult<Weight> {
        if weight.is_finite() {
            Ok(Weight(weight))
        } else {
            Err(FieldError::new("weight", "weight must be a finite number"))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: FieldResult<impl std::fmt::Debug>) -> Option<String> {
        result.err().map(|err| err.field.into_owned())
    }

    #[test]
    fn a_name_is_trimmed_bounded_and_names_its_field_when_wrong() {
        assert_eq!(Name::parse("name", "  Ada  ").unwrap().as_str(), "Ada");
        assert_eq!(
            field_of(Name::parse("dataset_name", " ")).as_deref(),
            Some("dataset_name")
        );
        assert!(Name::parse("name", &"x".repeat(101)).is_err());
        assert!(Name::parse("name", &"é".repeat(100)).is_ok());
        assert!(Name::parse("name", "a\u{7}b").is_err());
        assert_eq!(Name::parse_optional("name", "  ").unwrap(), None);
    }

    #[test]
    fn profile_values_refuse_what_a_page_could_misuse() {
        assert!(Username::parse_optional("has space").is_err());
        assert_eq!(Username::parse_optional("").unwrap(), None);
        assert!(Website::parse_optional("javascript:alert(1)").is_err());
        assert!(Website::parse_optional("HTTPS://example.com/a").is_ok());
        assert!(Website::parse_optional("https://exa mple.com").is_err());
        assert!(Email::parse("ada@example.com").is_ok());
        for bad in ["ada", "@example.com", "ada@", "a da@example.com"] {
            assert_eq!(
                field_of(Email::parse(bad)).as_deref(),
                Some("email"),
                "{bad}"
            );
        }
    }

    #[test]
    fn usernames_equal_but_for_case_or_width_share_a_key() {
        assert_eq!(username_key("Ada"), username_key("ada"));
        assert_eq!(username_key("\u{c9}mile"), username_key("\u{e9}mile"));
        assert_eq!(
            username_key("E\u{301}mile"),
            username_key("\u{e9}mile"),
            "composed or not"
        );
        assert_eq!(username_key("\u{ff41}\u{ff44}\u{ff41}"), "ada", "fullwidth");
        assert_ne!(username_key("ada"), username_key("ade"));
    }

    #[test]
    fn lookalike_identities_are_refused() {
        // Bidi overrides and isolates, zero-width characters, the BOM, the soft hyphen.
        for hidden in [
            "\u{202e}evil",
            "ad\u{200b}min",
            "a\u{200d}b",
            "\u{2066}x\u{2069}",
            "\u{feff}ada",
            "ad\u{ad}a",
            "a\u{2028}b",
        ] {
            assert!(Name::parse("name", hidden).is_err(), "name {hidden:?}");
            assert!(
                Username::parse_optional(hidden).is_err(),
                "username {hidden:?}"
            );
            assert!(
                Email::parse(&format!("{hidden}@example.com")).is_err(),
                "email {hidden:?}"
            );
        }
        // A Cyrillic а among Latin letters; one script alone, whichever, is fine.
        let mixed = Email::parse("p\u{430}ypal@example.com").unwrap_err();
        assert!(mixed.to_string().contains("scripts"), "{mixed}");
        assert!(Email::parse("\u{438}\u{432}\u{430}\u{43d}@\u{43f}\u{440}\u{438}\u{43c}\u{435}\u{440}.\u{440}\u{444}").is_ok());
        assert!(Email::parse("jos\u{e9}.m\u{fc}ller@example.com").is_ok());
        assert!(
            Name::parse("name", "Zo\u{eb} \u{674e}").is_ok(),
            "names may mix scripts"
        );
    }

    #[test]
    fn file_names_lose_their_path_and_mime_types_are_checked() {
        assert_eq!(
            FileName::parse("../../etc/passwd").unwrap().as_str(),
            "passwd"
        );
        assert_eq!(
            FileName::parse("C:\\\\docs\\\\a.txt").unwrap().as_str(),
            "a.txt"
        );
        assert!(FileName::parse("  ").is_err());
        assert!(FileName::parse("dir/").is_err());
        assert_eq!(
            FileName::parse("Notes.MD").unwrap().extension().as_deref(),
            Some("md")
        );
        assert_eq!(MimeType::parse("").unwrap().as_str(), MimeType::DEFAULT);
        assert_eq!(
            MimeType::parse("Text/Plain; charset=UTF-8")
                .unwrap()
                .essence(),
            "text/plain"
        );
        assert!(MimeType::parse("text/plain\r\nX: y").is_err());
    }

    #[test]
    fn tracking_ids_and_weights() {
        assert_eq!(TrackingId::parse(" a ").unwrap().as_str(), " a ");
        assert!(TrackingId::parse("").is_err());
        assert!(TrackingId::parse(&"x".repeat(256)).is_err());
        assert!(Weight::parse(f64::NAN).is_err());
        assert_eq!(Weight::parse(2.5).unwrap().get(), 2.5);
    }
}
