//! `BulkStore`: a bulk send's deliveries and group sends in one
//! transaction. Keys go first (`idempotency::claim_keys`, as in the
//! outbox): an entry whose key is already there writes nothing and is
//! answered from the key after the commit.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use patchbay_domain::StoreError;
use patchbay_domain::bulk::{BulkEntry, BulkOutcome, BulkStore};
use patchbay_domain::delivery::EnqueueOutcome;

use crate::connection::DbConnection;
use crate::error::db_error;
use crate::groups::{GroupSendRows, resolve_group_key};
use crate::idempotency::claim_keys;
use crate::outbox::{Enqueue, insert_deliveries, notify_workers, resolve_key};
use crate::rows::{DeliveryRow, IdempotencyRow};
use crate::store::SqlStore;

enum Rows {
    Delivery(Box<Enqueue>),
    Group(Box<GroupSendRows>),
}

impl Rows {
    fn key(&self) -> Option<&IdempotencyRow> {
        match self {
            Rows::Delivery(e) => e.key.as_ref(),
            Rows::Group(g) => g.key.as_ref(),
        }
    }
}

#[async_trait]
impl BulkStore for SqlStore {
    async fn enqueue_bulk(&self, entries: &[BulkEntry]) -> Result<Vec<BulkOutcome>, StoreError> {
        let rows = entries
            .iter()
            .map(|entry| match entry {
                BulkEntry::Delivery(new) => Enqueue::new(new).map(|e| Rows::Delivery(Box::new(e))),
                BulkEntry::Group(new) => GroupSendRows::new(new).map(|g| Rows::Group(Box::new(g))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.run(move |conn, _| {
            let written = write(conn, &rows).map_err(db_error("bulk send"))?;
            rows.iter()
                .zip(written)
                .map(|(row, written)| match (row, written) {
                    (Rows::Delivery(e), true) => Ok(BulkOutcome::Delivery(
                        EnqueueOutcome::Created(e.delivery.clone()),
                    )),
                    (Rows::Delivery(e), false) => resolve_key(conn, e).map(BulkOutcome::Delivery),
                    (Rows::Group(g), true) => g.load(conn).map(BulkOutcome::Group),
                    (Rows::Group(g), false) => match &g.key {
                        Some(k) => resolve_group_key(conn, k).map(BulkOutcome::Group),
                        None => Err(StoreError::Other(
                            "a group send without a key was left out of its bulk send".into(),
                        )),
                    },
                })
                .collect()
        })
        .await
    }
}

/// Whether each entry was written (false: its key was there already).
fn write(conn: &mut DbConnection, rows: &[Rows]) -> Result<Vec<bool>, DieselError> {
    conn.transaction::<_, DieselError, _>(|c| {
        let keys: Vec<Option<&IdempotencyRow>> = rows.iter().map(Rows::key).collect();
        let written = claim_keys(c, &keys)?;
        let singles: Vec<&DeliveryRow> = rows
            .iter()
            .zip(&written)
            .filter_map(|(r, ok)| match r {
                Rows::Delivery(e) if *ok => Some(&e.row),
                _ => None,
            })
            .collect();
        insert_deliveries(c, &singles)?;
        let mut groups = false;
        for (r, ok) in rows.iter().zip(&written) {
            if let (Rows::Group(g), true) = (r, ok) {
                g.insert(c)?;
                groups = true;
            }
        }
        if groups {
            notify_workers(c)?;
        }
        Ok(written)
    })
}
