//! Types an embedding service registers beside the built-in ones.
//!
//! The catalogue is process-wide, like the built-in entries it extends: an
//! entry is registered once, before anything stores or reads an integration
//! of its type, and stays for the life of the process. Registering an equal
//! entry again answers the same type (so a service, or its tests, may build
//! Patchbay more than once in one process); a different entry under a taken
//! id or slug is refused.
//!
//! Ids: Patchbay's own types have ids below [`CUSTOM_ID_MIN`] (today 1 to
//! 8, and any it adds later stay below it), so an embedder's ids, which
//! must be at least [`CUSTOM_ID_MIN`], never meet a built-in one. Slugs: a
//! built-in slug is refused outright, so a future built-in that took an
//! embedder's slug would stop that embedder at start-up with
//! [`CatalogueError::SlugTaken`], never mix their rows.

use std::sync::{PoisonError, RwLock};

use super::{IntegrationType, TypeSpec};

/// The lowest id a registered type may have; lower ids are Patchbay's own.
pub const CUSTOM_ID_MIN: i32 = 1000;

/// Longest slug of a registered type.
const MAX_SLUG_LEN: usize = 64;

/// Why a type could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Ids below [`CUSTOM_ID_MIN`] belong to Patchbay's own types.
    #[error(
        "type id {id} is reserved for built-in types: registered types take ids from {CUSTOM_ID_MIN}"
    )]
    ReservedId {
        /// The id asked for.
        id: i32,
    },
    /// Another entry has this id.
    #[error("type id {id} is already registered, as `{slug}`, with a different entry")]
    IdTaken {
        /// The id asked for.
        id: i32,
        /// The slug of the type that has it.
        slug: &'static str,
    },
    /// Another type (built in or registered) has this slug.
    #[error("type slug `{slug}` is already taken, by type id {id}")]
    SlugTaken {
        /// The slug asked for.
        slug: &'static str,
        /// The id of the type that has it.
        id: i32,
    },
    /// The slug is empty, too long, or not lowercase ASCII letters, digits and `-`.
    #[error(
        "type slug `{0}` is invalid: use 1 to 64 lowercase ASCII letters, digits and `-`, starting with a letter"
    )]
    InvalidSlug(&'static str),
    /// Two fields (or a field and an alias) share a name, or a name is empty.
    #[error("type `{slug}` has an empty or repeated field name `{field}`")]
    InvalidField {
        /// The type's slug.
        slug: &'static str,
        /// The offending name.
        field: &'static str,
    },
}

/// The registered entries, in id order. Entries are leaked: they live as
/// long as the process, as the built-in ones do, so `spec()` can hand out
/// `&'static` references without a lock held.
static REGISTERED: RwLock<Vec<&'static TypeSpec>> = RwLock::new(Vec::new());

fn read() -> std::sync::RwLockReadGuard<'static, Vec<&'static TypeSpec>> {
    // A panic elsewhere while registering leaves a usable list.
    REGISTERED.read().unwrap_or_else(PoisonError::into_inner)
}

/// Add a type to the catalogue, and answer its handle. An equal entry
/// already registered answers the same handle.
///
/// ```
/// use patchbay_domain::catalogue::{self, Category, FieldKind, FieldSpec, TypeSpec};
///
/// let kind = catalogue::register(
///     TypeSpec::custom(1701, "doc-pager", "Pager", Category::Chat)
///         .with_field(FieldSpec::new("token", FieldKind::String, "Pager token.").required().secret()),
/// )?;
/// assert_eq!(kind.id(), 1701);
/// assert_eq!(patchbay_domain::IntegrationType::from_slug("doc-pager"), Some(kind));
/// // Built-in ids are refused.
/// assert!(catalogue::register(TypeSpec::custom(4, "mail", "Mail", Category::Email)).is_err());
/// # Ok::<(), catalogue::CatalogueError>(())
/// ```
pub fn register(mut spec: TypeSpec) -> Result<IntegrationType, CatalogueError> {
    if spec.id < CUSTOM_ID_MIN {
        return Err(CatalogueError::ReservedId { id: spec.id });
    }
    spec.kind = IntegrationType(spec.id);
    check_slug(spec.slug)?;
    check_fields(&spec)?;
    if let Some(builtin) = IntegrationType::BUILT_IN
        .into_iter()
        .find(|t| t.slug() == spec.slug)
    {
        return Err(CatalogueError::SlugTaken {
            slug: spec.slug,
            id: builtin.id(),
        });
    }
    let mut registered = REGISTERED.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(existing) = registered.iter().find(|s| s.id == spec.id) {
        return if **existing == spec {
            Ok(existing.kind)
        } else {
            Err(CatalogueError::IdTaken {
                id: spec.id,
                slug: existing.slug,
            })
        };
    }
    if let Some(existing) = registered.iter().find(|s| s.slug == spec.slug) {
        return Err(CatalogueError::SlugTaken {
            slug: spec.slug,
            id: existing.id,
        });
    }
    let kind = spec.kind;
    let at = registered.partition_point(|s| s.id < spec.id);
    registered.insert(at, Box::leak(Box::new(spec)));
    Ok(kind)
}

fn check_slug(slug: &'static str) -> Result<(), CatalogueError> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(CatalogueError::InvalidSlug(slug))
    }
}

fn check_fields(spec: &TypeSpec) -> Result<(), CatalogueError> {
    let mut seen: Vec<&'static str> = Vec::new();
    for field in &spec.fields {
        for name in std::iter::once(&field.name).chain(field.aliases) {
            if name.is_empty() || seen.contains(name) {
                return Err(CatalogueError::InvalidField {
                    slug: spec.slug,
                    field: name,
                });
            }
            seen.push(name);
        }
    }
    Ok(())
}

/// The registered entries, in id order.
pub(super) fn registered() -> Vec<&'static TypeSpec> {
    read().clone()
}

pub(super) fn by_id(id: i32) -> Option<&'static TypeSpec> {
    let registered = read();
    registered
        .binary_search_by_key(&id, |s| s.id)
        .ok()
        .map(|i| registered[i])
}

pub(super) fn by_slug(slug: &str) -> Option<&'static TypeSpec> {
    read().iter().find(|s| s.slug == slug).copied()
}

/// The entry of a registered type's handle. Handles are made only from
/// registered entries, which are never removed.
pub(super) fn spec_of(id: i32) -> &'static TypeSpec {
    match by_id(id) {
        Some(spec) => spec,
        None => unreachable!("an IntegrationType exists only for a catalogue entry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Category, FieldKind, FieldSpec};

    fn pager(id: i32, slug: &'static str) -> TypeSpec {
        TypeSpec::custom(id, slug, "Pager", Category::Chat).with_field(
            FieldSpec::new("token", FieldKind::String, "Token.")
                .required()
                .secret(),
        )
    }

    #[test]
    fn a_registered_type_is_found_by_slug_and_id_and_listed() {
        let kind = register(pager(5001, "unit-pager")).unwrap();
        assert_eq!(IntegrationType::from_slug("unit-pager"), Some(kind));
        assert_eq!(IntegrationType::from_id(5001), Some(kind));
        assert_eq!(kind.spec().fields[0].name, "token");
        assert!(!kind.is_built_in());
        assert!(IntegrationType::all().contains(&kind));
        // An equal entry again is the same type.
        assert_eq!(register(pager(5001, "unit-pager")), Ok(kind));
    }

    #[test]
    fn collisions_and_reserved_ids_are_refused() {
        assert_eq!(
            register(pager(999, "unit-low")),
            Err(CatalogueError::ReservedId { id: 999 })
        );
        assert_eq!(
            register(pager(5002, "sendgrid")),
            Err(CatalogueError::SlugTaken {
                slug: "sendgrid",
                id: 4
            })
        );
        register(pager(5003, "unit-taken")).unwrap();
        assert_eq!(
            register(pager(5004, "unit-taken")),
            Err(CatalogueError::SlugTaken {
                slug: "unit-taken",
                id: 5003
            })
        );
        assert_eq!(
            register(pager(5003, "unit-other")),
            Err(CatalogueError::IdTaken {
                id: 5003,
                slug: "unit-taken"
            })
        );
        assert_eq!(
            register(pager(5005, "Unit_Bad")),
            Err(CatalogueError::InvalidSlug("Unit_Bad"))
        );
        let twice = pager(5006, "unit-twice").with_field(FieldSpec::new(
            "token",
            FieldKind::String,
            "Again.",
        ));
        assert!(matches!(
            register(twice),
            Err(CatalogueError::InvalidField { field: "token", .. })
        ));
        assert_eq!(IntegrationType::from_id(5006), None);
        assert_eq!(IntegrationType::from_id(i64::MAX), None);
    }
}
