//! Typed, prefixed identifiers (`int_01j…`). The random part is a ULID made
//! by one monotonic generator per process, so ids sort in the order they
//! were made, also within one millisecond.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());

/// A ULID greater than every one this process made before. Within one
/// millisecond (or when the clock steps back) the generator increments the
/// previous value instead of drawing a new random part.
fn next_ulid() -> ulid::Ulid {
    let mut generator = GENERATOR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Overflow needs 2^80 ids in one millisecond; a fresh random id is then
    // the best there is.
    generator.generate().unwrap_or_else(|_| ulid::Ulid::new())
}

/// Why an id string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {kind} id")]
pub struct IdParseError {
    /// What kind of id was expected (`integration`, `organization`, …), for the
    /// message.
    pub kind: &'static str,
}

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// What every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A fresh id; in this process, an id made later sorts after
            /// every earlier one.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, next_ulid().to_string().to_ascii_lowercase()))
            }

            /// The id as text, prefix included (lowercase).
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let rest = s.strip_prefix($prefix).ok_or(IdParseError { kind: $kind })?;
                // Accept either case on input; store the canonical lowercase form.
                ulid::Ulid::from_string(&rest.to_ascii_uppercase())
                    .map_err(|_| IdParseError { kind: $kind })?;
                Ok(Self(format!("{}{}", $prefix, rest.to_ascii_lowercase())))
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

prefixed_id!(
    /// An integration's public id.
    IntegrationId,
    "int_",
    "integration"
);
prefixed_id!(
    /// An organization (tenant).
    OrgId,
    "org_",
    "organization"
);
prefixed_id!(
    /// An API key's public id (not the key itself).
    ApiKeyId,
    "key_",
    "API key"
);
prefixed_id!(
    /// A delivery (one message queued for one integration).
    DeliveryId,
    "dlv_",
    "delivery"
);
prefixed_id!(
    /// An integration group: an ordered list of integrations sent to as one.
    GroupId,
    "grp_",
    "integration group"
);
prefixed_id!(
    /// One message sent to an integration group, and the route it took.
    GroupSendId,
    "snd_",
    "group send"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_prefix() {
        let id = IntegrationId::generate();
        assert!(id.as_str().starts_with("int_"));
        assert_eq!(id.as_str().len(), 4 + 26);
        assert_eq!(id.as_str().parse::<IntegrationId>().unwrap(), id);
        assert_eq!(
            id.as_str()
                .to_uppercase()
                .replacen("INT_", "int_", 1)
                .parse::<IntegrationId>()
                .unwrap(),
            id
        );
    }

    #[test]
    fn rejects_wrong_prefix_and_garbage() {
        let id = IntegrationId::generate();
        let as_org = id.as_str().replacen("int_", "org_", 1);
        assert!(as_org.parse::<IntegrationId>().is_err());
        assert!("int_123".parse::<IntegrationId>().is_err());
        assert!("".parse::<IntegrationId>().is_err());
        assert!("int_../../etc".parse::<IntegrationId>().is_err());
    }

    #[test]
    fn later_ids_sort_after() {
        let a = OrgId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = OrgId::generate();
        assert!(a < b);
    }

    #[test]
    fn ids_made_within_one_millisecond_sort_in_the_order_made() {
        // Thousands of ids share each millisecond here: a random part drawn
        // afresh for each would put about half of them out of order.
        let ids: Vec<IntegrationId> = (0..2000).map(|_| IntegrationId::generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| (0..500).map(|_| DeliveryId::generate()).collect::<Vec<_>>())
            })
            .collect();
        for thread in threads {
            let ids = thread.join().unwrap();
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
