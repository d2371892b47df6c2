//! Why Patchbay could not be built.

use patchbay_domain::StoreError;
use patchbay_domain::catalogue::CatalogueError;
use patchbay_storage::{StorageError, UnknownType};

/// Why [`crate::PatchbayBuilder::build`] failed. No variant holds a secret.
/// The cause, where there is one, is the error's `source()` (print the
/// chain, e.g. with `anyhow`'s `{:#}`).
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A required setting was not given.
    #[error("the builder needs `{0}`")]
    Missing(&'static str),
    /// A custom type's entry was refused (reserved id, taken slug, ...).
    #[error("registering a custom integration type")]
    Catalogue(#[source] CatalogueError),
    /// A custom type's provider reports another type than the one it was
    /// made for.
    #[error("the provider made for type `{expected}` reports type `{got}`")]
    ProviderKind {
        /// The type the provider was registered for.
        expected: &'static str,
        /// The type its `kind()` answers.
        got: &'static str,
    },
    /// The database could not be opened.
    #[error("connecting to the database")]
    Database(#[source] StorageError),
    /// Its migrations could not be run.
    #[error("running database migrations")]
    Migrations(#[source] StorageError),
    /// The keyring cannot open what is stored (the message names the key ids).
    #[error("the configured keys cannot decrypt the stored secrets")]
    Keyring(#[source] StoreError),
    /// Stored rows have a type this process has not registered.
    #[error("{}", unknown_types_message(.0))]
    UnknownTypes(Vec<UnknownType>),
    /// Another store call at start-up failed.
    #[error("reading the database at start-up")]
    Store(#[source] StoreError),
    /// The outbound HTTP client could not be built.
    #[error("building the outbound HTTP client")]
    Outbound(#[source] patchbay_provider_kit::OutboundError),
    /// A start-up task did not finish.
    #[error("a start-up task failed: {0}")]
    Task(String),
}

fn unknown_types_message(unknown: &[UnknownType]) -> String {
    let each: Vec<String> = unknown
        .iter()
        .map(|u| {
            format!(
                "`{}` ({} integrations, {} deliveries)",
                u.slug, u.integrations, u.deliveries
            )
        })
        .collect();
    format!(
        "the database holds rows of integration types this process has not registered: {}; \
         register those types (PatchbayBuilder::custom_type) before building, \
         or start the service that does",
        each.join(", ")
    )
}
