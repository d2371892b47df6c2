//! Checking, before serving, that every stored integration's type is in
//! this process's catalogue. A type an embedding service registered is
//! stored by its slug; started without that registration, its rows would
//! fail each read one by one, so the start-up check names them all at once.

use diesel::prelude::*;
use patchbay_domain::{IntegrationType, StoreError};

use crate::error::db_error;
use crate::schema::{deliveries, integrations};
use crate::store::SqlStore;

/// Stored rows of a type that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownType {
    /// The stored slug.
    pub slug: String,
    /// How many integrations have it.
    pub integrations: i64,
    /// How many deliveries have it.
    pub deliveries: i64,
}

impl SqlStore {
    /// The stored type slugs that name no type in the catalogue, with how
    /// many rows hold each; empty when every row can be read. Rows are
    /// left as they are: registering the type again makes them readable.
    pub async fn unknown_types(&self) -> Result<Vec<UnknownType>, StoreError> {
        self.run(|conn, _| {
            let by_integration: Vec<(String, i64)> = integrations::table
                .group_by(integrations::type_slug)
                .select((integrations::type_slug, diesel::dsl::count_star()))
                .load(conn)
                .map_err(db_error("integration"))?;
            let by_delivery: Vec<(String, i64)> = deliveries::table
                .group_by(deliveries::type_slug)
                .select((deliveries::type_slug, diesel::dsl::count_star()))
                .load(conn)
                .map_err(db_error("delivery"))?;
            let mut unknown: Vec<UnknownType> = Vec::new();
            for (slug, n, is_delivery) in by_integration
                .into_iter()
                .map(|(s, n)| (s, n, false))
                .chain(by_delivery.into_iter().map(|(s, n)| (s, n, true)))
            {
                if IntegrationType::from_slug(&slug).is_some() {
                    continue;
                }
                let at = match unknown.iter().position(|u| u.slug == slug) {
                    Some(at) => at,
                    None => {
                        unknown.push(UnknownType {
                            slug,
                            integrations: 0,
                            deliveries: 0,
                        });
                        unknown.len() - 1
                    }
                };
                if is_delivery {
                    unknown[at].deliveries += n;
                } else {
                    unknown[at].integrations += n;
                }
            }
            unknown.sort_by(|a, b| a.slug.cmp(&b.slug));
            Ok(unknown)
        })
        .await
    }
}
