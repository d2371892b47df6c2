//! Key rotation: checking before serving that the keyring opens what is
//! stored, and re-sealing rows under the active key. These are the only
//! integration queries not filtered by organization; they never return rows
//! to a caller.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use patchbay_domain::{IntegrationId, OrgId, StoreError};
use zeroize::Zeroizing;

use crate::connection::DbConnection;
use crate::convert::open_secrets;
use crate::crypto::{Keyring, integration_context};
use crate::error::{corrupt, db_error};
use crate::rows::SealedRow;
use crate::schema::integrations;
use crate::store::SqlStore;

impl SqlStore {
    /// Check, before serving, that the keyring can open what is stored: every
    /// key id in use must be configured (the error names each missing one),
    /// and one row per key id must actually open, which catches a key id
    /// configured with the wrong bytes.
    pub async fn verify_keyring(&self) -> Result<(), StoreError> {
        self.run(|conn, keyring| {
            let in_use = key_ids_in_use(conn)?;
            let missing: Vec<String> = in_use
                .iter()
                .filter(|id| !keyring.contains(id))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(StoreError::Crypto(missing_keys_message(&missing, keyring)));
            }
            for key_id in &in_use {
                let sample = integrations::table
                    .filter(integrations::key_id.eq(key_id))
                    .order(integrations::seq.asc())
                    .select(SealedRow::as_select())
                    .first(conn)
                    .optional()
                    .map_err(db_error("integration"))?;
                if let Some(row) = sample {
                    reseal_input(&row, keyring)?;
                }
            }
            Ok(())
        })
        .await
    }

    /// Re-seal every row not under the active key, `batch_size` rows at a
    /// time, reporting `(done, total)` after each batch. Each write is
    /// guarded on the row's seq, version and old key id, so this is safe
    /// while the service runs (a row changed meanwhile was re-sealed by that
    /// change and is skipped), and safe to interrupt and run again (rows
    /// already under the active key are not selected). Returns how many rows
    /// this run re-sealed.
    pub async fn rotate<F>(&self, batch_size: usize, mut progress: F) -> Result<usize, StoreError>
    where
        F: FnMut(usize, usize) + Send + 'static,
    {
        let batch = i64::try_from(batch_size.max(1)).unwrap_or(i64::MAX);
        self.run(move |conn, keyring| {
            let active = keyring.active_key_id().to_owned();
            let total = integrations::table
                .filter(integrations::key_id.is_not_null())
                .filter(integrations::key_id.ne(&active))
                .count()
                .get_result::<i64>(conn)
                .map_err(db_error("integration"))?;
            let mut total = usize::try_from(total).unwrap_or(0);
            progress(0, total);

            let (mut visited, mut resealed, mut after_seq) = (0usize, 0usize, 0i64);
            loop {
                let rows: Vec<SealedRow> = integrations::table
                    .filter(integrations::key_id.is_not_null())
                    .filter(integrations::key_id.ne(&active))
                    .filter(integrations::seq.gt(after_seq))
                    .order(integrations::seq.asc())
                    .limit(batch)
                    .select(SealedRow::as_select())
                    .load(conn)
                    .map_err(db_error("integration"))?;
                let Some(last) = rows.last() else { break };
                after_seq = last.seq;

                // Crypto outside the transaction keeps the write lock short.
                let mut resealed_rows = Vec::with_capacity(rows.len());
                for row in &rows {
                    let Some(plaintext) = reseal_input(row, keyring)? else {
                        continue;
                    };
                    let (org, id) = row_ids(row)?;
                    let envelope = keyring
                        .seal(&plaintext, &integration_context(&org, &id))
                        .map_err(|e| StoreError::Crypto(format!("integration {id}: {e}")))?;
                    resealed_rows.push((row, envelope));
                }
                let written = conn
                    .transaction(|conn| {
                        let mut written = 0usize;
                        for (row, envelope) in &resealed_rows {
                            let Some(old_key) = row.key_id.as_deref() else {
                                continue;
                            };
                            written += diesel::update(
                                integrations::table
                                    .filter(integrations::seq.eq(row.seq))
                                    .filter(integrations::version.eq(row.version))
                                    .filter(integrations::key_id.eq(old_key)),
                            )
                            .set((
                                integrations::secrets.eq(envelope.as_slice()),
                                integrations::key_id.eq(&active),
                            ))
                            .execute(conn)?;
                        }
                        Ok::<_, DieselError>(written)
                    })
                    .map_err(db_error("integration"))?;
                resealed += written;
                visited += rows.len();
                // Rows sealed under an old key by a still-running older
                // process can appear after the count; keep the bar honest.
                total = total.max(visited);
                progress(visited, total);
            }
            Ok(resealed)
        })
        .await
    }
}

/// The distinct key ids that sealed stored secrets. Walked one index probe
/// per key (`min(key_id) > previous`) instead of `SELECT DISTINCT`, which
/// reads the whole index: a handful of keys over a million rows must not
/// slow every start-up.
fn key_ids_in_use(conn: &mut DbConnection) -> Result<BTreeSet<String>, StoreError> {
    let mut found = BTreeSet::new();
    let mut previous: Option<String> = None;
    loop {
        let next = match &previous {
            None => integrations::table
                .filter(integrations::key_id.is_not_null())
                .select(diesel::dsl::min(integrations::key_id))
                .first::<Option<String>>(conn),
            Some(previous) => integrations::table
                .filter(integrations::key_id.gt(previous))
                .select(diesel::dsl::min(integrations::key_id))
                .first::<Option<String>>(conn),
        }
        .map_err(db_error("integration"))?;
        match next {
            Some(key_id) => {
                found.insert(key_id.clone());
                previous = Some(key_id);
            }
            None => return Ok(found),
        }
    }
}

fn row_ids(row: &SealedRow) -> Result<(OrgId, IntegrationId), StoreError> {
    let id: IntegrationId = row.id.parse().map_err(|_| corrupt("id", &row.id))?;
    let org: OrgId = row
        .org_id
        .parse()
        .map_err(|_| corrupt("organization", &row.id))?;
    Ok((org, id))
}

/// Open a row's envelope, or `None` when it holds no secrets.
fn reseal_input(
    row: &SealedRow,
    keyring: &Keyring,
) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
    let Some(envelope) = row.secrets.as_deref() else {
        return Ok(None);
    };
    let (org, id) = row_ids(row)?;
    open_secrets(keyring, &org, &id, envelope).map(Some)
}

fn missing_keys_message(missing: &[String], keyring: &Keyring) -> String {
    let quoted = |ids: &mut dyn Iterator<Item = &str>| {
        ids.map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let configured = quoted(&mut keyring.key_ids());
    match missing {
        [one] => format!(
            "secrets were sealed with key `{one}`, which is not in the configured keyring \
             (configured: {configured})"
        ),
        many => format!(
            "secrets were sealed with keys {}, which are not in the configured keyring \
             (configured: {configured})",
            quoted(&mut many.iter().map(String::as_str))
        ),
    }
}
