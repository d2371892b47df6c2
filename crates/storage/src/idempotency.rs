//! Idempotency keys as the enqueues use them: an expired key is as good as
//! absent, and a key that is already there answers a new request with it
//! from what its first request made.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use patchbay_domain::StoreError;

use crate::connection::{DbConnection, native};
use crate::error::db_error;
use crate::rows::IdempotencyRow;
use crate::schema::idempotency_keys;

/// Remove the key if it expired.
pub(crate) fn delete_expired_key(
    c: &mut DbConnection,
    k: &IdempotencyRow,
) -> Result<usize, DieselError> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::org_id.eq(&k.org_id))
            .filter(idempotency_keys::idem_key.eq(&k.idem_key))
            .filter(idempotency_keys::expires_at.lt(k.created_at)),
    )
    .execute(c)
}

/// Store each request's key, in a fixed order (two transactions on Postgres
/// never wait for each other's keys in a cycle), with `ON CONFLICT DO
/// NOTHING`; a key already there (stored before, or earlier in the same
/// call) is left as it is. Whether each request may write what it makes:
/// true for a new key and for a request without one.
pub(crate) fn claim_keys(
    c: &mut DbConnection,
    keys: &[Option<&IdempotencyRow>],
) -> Result<Vec<bool>, DieselError> {
    let mut claimed = vec![true; keys.len()];
    let mut keyed: Vec<(usize, &IdempotencyRow)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (i, k)))
        .collect();
    keyed.sort_by(|a, b| (&a.1.org_id, &a.1.idem_key).cmp(&(&b.1.org_id, &b.1.idem_key)));
    for (i, k) in keyed {
        delete_expired_key(c, k)?;
        let n = native!(c, |n| diesel::insert_into(idempotency_keys::table)
            .values(k)
            .on_conflict_do_nothing()
            .execute(n))?;
        claimed[i] = n == 1;
    }
    Ok(claimed)
}

/// What a stored key says of the new request `k` with it.
pub(crate) enum KeyState {
    /// Its first request has not been answered yet (or the key is gone).
    InProgress,
    /// It was used with another request.
    Reused,
    /// Answered: the id of what its first request made (a delivery or a
    /// group send), to answer the repeat with.
    Answered {
        /// The organization of the key and of what it made.
        org_id: String,
        /// The delivery's or group send's id.
        resource_id: String,
    },
}

/// The state of the key that `k` (a new request's) found in place.
pub(crate) fn key_state(
    conn: &mut DbConnection,
    k: &IdempotencyRow,
    what: &'static str,
) -> Result<KeyState, StoreError> {
    let existing = idempotency_keys::table
        .filter(idempotency_keys::org_id.eq(&k.org_id))
        .filter(idempotency_keys::idem_key.eq(&k.idem_key))
        .select(IdempotencyRow::as_select())
        .get_result(conn)
        .optional()
        .map_err(db_error(what))?;
    Ok(match existing {
        None => KeyState::InProgress,
        Some(e) if e.request_hash != k.request_hash => KeyState::Reused,
        Some(e) if e.completed_at.is_none() && e.in_progress_until > k.created_at => {
            KeyState::InProgress
        }
        Some(e) => KeyState::Answered {
            org_id: e.org_id,
            resource_id: e.resource_id,
        },
    })
}
