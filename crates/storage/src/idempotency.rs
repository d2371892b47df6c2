//! Idempotency keys as the enqueues use them: an expired key is as good as
//! absent, and a key that is already there answers a new request with it
//! from what its first request made.

use diesel::prelude::*;
use diesel::result::Error as DieselError;
use patchbay_domain::StoreError;

use crate::connection::DbConnection;
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
