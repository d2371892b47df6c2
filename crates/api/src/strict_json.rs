//! JSON text to a `serde_json::Value`, refusing an object that names a key
//! twice. serde_json keeps the last of two equal keys without a word, so a
//! body `{"config": {"url": "a", "url": "b"}}` would be read as `b` while
//! the client (or a proxy that checked the first) meant `a`.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a JSON text was refused.
#[derive(Debug)]
pub(crate) enum StrictJsonError {
    /// Not JSON (a 400).
    Syntax(serde_json::Error),
    /// An object names this key twice; the path of the second, as
    /// `config.url` or `to[0].name`.
    DuplicateKey(String),
}

/// Parse one JSON text, refusing duplicate object keys at any depth.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Node {
        at: &Segment::Root,
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|()| value));
    match (duplicate.into_inner(), parsed) {
        (Some(path), _) => Err(StrictJsonError::DuplicateKey(path)),
        (None, Ok(value)) => Ok(value),
        (None, Err(e)) => Err(StrictJsonError::Syntax(e)),
    }
}

/// Where a value sits, kept as links to the parent so that a path is only
/// written out for a duplicate.
enum Segment<'a> {
    Root,
    Key(&'a Segment<'a>, &'a str),
    Index(&'a Segment<'a>, usize),
}

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Segment::Root => Ok(()),
            Segment::Key(Segment::Root, key) => f.write_str(key),
            Segment::Key(parent, key) => write!(f, "{parent}.{key}"),
            Segment::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// One value being read, at `at`.
struct Node<'a> {
    at: &'a Segment<'a>,
    duplicate: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON text has no NaN or infinity; as serde_json's own Value does.
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = Segment::Index(self.at, items.len());
            let node = Node {
                at: &at,
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(node)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = Segment::Key(self.at, &key);
            if members.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(at.to_string());
                return Err(de::Error::custom("duplicate object key"));
            }
            let value = map.next_value_seed(Node {
                at: &at,
                duplicate: self.duplicate,
            })?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn duplicate(text: &str) -> Option<String> {
        match from_slice(text.as_bytes()) {
            Err(StrictJsonError::DuplicateKey(path)) => Some(path),
            _ => None,
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, "x", null, true, {"b": {}}], "c": {"d": []}, "e": 18446744073709551615}"#;
        assert_eq!(
            from_slice(text.as_bytes()).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(from_slice(b"[]").unwrap(), json!([]));
        assert_eq!(from_slice(b" \"s\" ").unwrap(), json!("s"));
    }

    #[test]
    fn names_the_path_of_a_duplicate_key() {
        assert_eq!(
            duplicate(r#"{"name": "a", "name": "b"}"#).as_deref(),
            Some("name")
        );
        assert_eq!(
            duplicate(r#"{"config": {"url": "a", "url": "b"}}"#).as_deref(),
            Some("config.url")
        );
        assert_eq!(
            duplicate(r#"{"to": [{"x": 1}, {"y": 1, "y": 2}]}"#).as_deref(),
            Some("to[1].y")
        );
        // Equal keys in different objects are no duplicate.
        assert_eq!(duplicate(r#"{"a": {"k": 1}, "b": {"k": 1}, "k": 1}"#), None);
        // An escaped spelling is the same key.
        assert_eq!(duplicate(r#"{"a": 1, "\u0061": 2}"#).as_deref(), Some("a"));
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        for text in [r#"{"a": "#, r#"{"a": 1} x"#, "", "[1,]"] {
            assert!(
                matches!(from_slice(text.as_bytes()), Err(StrictJsonError::Syntax(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        assert!(matches!(
            from_slice(text.as_bytes()),
            Err(StrictJsonError::Syntax(_))
        ));
    }
}
