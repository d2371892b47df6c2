//! `TenantStore` over either backend: organizations and their API keys,
//! which are looked up by the key's hash.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use patchbay_domain::auth::{ApiKeyRecord, Organization};
use patchbay_domain::{ApiKeyId, OrgId, StoreError, TenantStore};

use crate::connection::DbConnection;
use crate::convert::{decode_api_key, decode_organization};
use crate::error::db_error;
use crate::rows::{ApiKeyRow, NewApiKeyRow, OrganizationRow};
use crate::schema::{api_keys, organizations};
use crate::store::SqlStore;
use crate::time::to_db_time;

#[async_trait]
impl TenantStore for SqlStore {
    async fn ensure_organization(&self, name: &str) -> Result<Organization, StoreError> {
        let name = name.to_owned();
        self.run(move |conn, _| {
            let find = |conn: &mut DbConnection| {
                organizations::table
                    .filter(organizations::name.eq(&name))
                    .select(OrganizationRow::as_select())
                    .get_result(conn)
                    .optional()
                    .map_err(db_error("organization"))
            };
            if let Some(row) = find(conn)? {
                return decode_organization(row);
            }
            let row = OrganizationRow {
                id: OrgId::generate().to_string(),
                name: name.clone(),
                created_at: to_db_time(patchbay_domain::service::now()),
            };
            // Insert-or-get: a concurrent creator may win between the lookup
            // and the insert; its row is then the answer. (No ON CONFLICT:
            // the multi-connection cannot express it for both backends.)
            match diesel::insert_into(organizations::table)
                .values(&row)
                .execute(conn)
            {
                Ok(_) => decode_organization(row),
                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    match find(conn)? {
                        Some(row) => decode_organization(row),
                        None => Err(StoreError::Other(
                            "organization vanished while being created".into(),
                        )),
                    }
                }
                Err(e) => Err(db_error("organization")(e)),
            }
        })
        .await
    }

    async fn get_organization(&self, id: &OrgId) -> Result<Option<Organization>, StoreError> {
        let id = id.as_str().to_owned();
        self.run(move |conn, _| {
            organizations::table
                .filter(organizations::id.eq(&id))
                .select(OrganizationRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(db_error("organization"))?
                .map(decode_organization)
                .transpose()
        })
        .await
    }

    async fn insert_api_key(
        &self,
        record: &ApiKeyRecord,
        key_hash: &str,
    ) -> Result<(), StoreError> {
        let (record, key_hash) = (record.clone(), key_hash.to_owned());
        self.run(move |conn, _| {
            let scopes = record.scopes.to_csv();
            let row = NewApiKeyRow {
                id: record.id.as_str(),
                org_id: record.org_id.as_str(),
                name: &record.name,
                display_prefix: &record.display_prefix,
                key_hash: &key_hash,
                scopes: &scopes,
                created_at: to_db_time(record.created_at),
                revoked_at: record.revoked_at.map(to_db_time),
            };
            diesel::insert_into(api_keys::table)
                .values(&row)
                .execute(conn)
                .map(drop)
                .map_err(db_error("API key"))
        })
        .await
    }

    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let key_hash = key_hash.to_owned();
        self.run(move |conn, _| {
            api_keys::table
                .filter(api_keys::key_hash.eq(&key_hash))
                .filter(api_keys::revoked_at.is_null())
                .select(ApiKeyRow::as_select())
                .get_result(conn)
                .optional()
                .map_err(db_error("API key"))?
                .map(decode_api_key)
                .transpose()
        })
        .await
    }

    async fn list_api_keys(&self, org: Option<&OrgId>) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let org = org.map(|o| o.as_str().to_owned());
        self.run(move |conn, _| {
            let mut select = api_keys::table
                .select(ApiKeyRow::as_select())
                .order((api_keys::created_at.asc(), api_keys::id.asc()))
                .into_boxed();
            if let Some(org) = &org {
                select = select.filter(api_keys::org_id.eq(org.clone()));
            }
            select
                .load(conn)
                .map_err(db_error("API key"))?
                .into_iter()
                .map(decode_api_key)
                .collect()
        })
        .await
    }

    async fn revoke_api_key(&self, id: &ApiKeyId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.as_str().to_owned();
        self.run(move |conn, _| {
            let updated = diesel::update(
                api_keys::table
                    .filter(api_keys::id.eq(&id))
                    .filter(api_keys::revoked_at.is_null()),
            )
            .set(api_keys::revoked_at.eq(Some(to_db_time(at))))
            .execute(conn)
            .map_err(db_error("API key"))?;
            Ok(updated > 0)
        })
        .await
    }

    async fn count_api_keys(&self) -> Result<i64, StoreError> {
        self.run(|conn, _| {
            api_keys::table
                .count()
                .get_result(conn)
                .map_err(db_error("API key"))
        })
        .await
    }
}
