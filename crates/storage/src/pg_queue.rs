//! The queue's hot Postgres statements, each with fixed SQL text whatever
//! the batch size (rows travel as arrays, `unnest`ed by the server), so each
//! is parsed and planned once per connection and then only executed. diesel
//! prepares neither raw SQL nor a multi-row `INSERT` of varying length, and
//! parsing and planning them was a large part of the database's work per
//! message.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp, Untyped};

use crate::rows::DeliveryRow;

/// A statement of fixed text and its binds, prepared once per connection
/// (the type is its cache key).
macro_rules! cached_statement {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $ty:ty => $sql_ty:ty),* $(,)? } = $sql:expr) => {
        $(#[$meta])*
        pub(crate) struct $name {
            $(pub(crate) $field: $ty,)*
        }

        impl QueryFragment<Pg> for $name {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                let mut parts = $sql.split('?');
                if let Some(first) = parts.next() {
                    out.push_sql(first);
                }
                $(
                    out.push_bind_param::<$sql_ty, _>(&self.$field)?;
                    if let Some(part) = parts.next() {
                        out.push_sql(part);
                    }
                )*
                Ok(())
            }
        }

        impl QueryId for $name {
            type QueryId = $name;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl Query for $name {
            type SqlType = Untyped;
        }

        impl RunQueryDsl<PgConnection> for $name {}
    };
}

cached_statement!(
    /// Claim due deliveries and expired leases (see the function's migration).
    Claim {
        owner: String => Text,
        lease_until: NaiveDateTime => Timestamp,
        now: NaiveDateTime => Timestamp,
        limit: i64 => BigInt,
        excluded: Vec<String> => Array<Text>,
    } = "SELECT * FROM patchbay_claim_deliveries(?, ?, ?, ?, ?)"
);

cached_statement!(
    /// Record attempts and each delivery's next state, where its worker
    /// still holds the lease (see the function's migration).
    FinishAll {
        ids: Vec<String> => Array<Text>,
        owners: Vec<String> => Array<Text>,
        statuses: Vec<&'static str> => Array<Text>,
        attempts: Vec<i64> => Array<BigInt>,
        next_ats: Vec<NaiveDateTime> => Array<Timestamp>,
        errors: Vec<Option<String>> => Array<Nullable<Text>>,
        codes: Vec<Option<String>> => Array<Nullable<Text>>,
        message_ids: Vec<Option<String>> => Array<Nullable<Text>>,
        finished: Vec<NaiveDateTime> => Array<Timestamp>,
        completed: Vec<Option<NaiveDateTime>> => Array<Nullable<Timestamp>>,
        attempt_ids: Vec<String> => Array<Text>,
        started: Vec<NaiveDateTime> => Array<Timestamp>,
        outcomes: Vec<String> => Array<Text>,
        status_classes: Vec<String> => Array<Text>,
        latencies: Vec<i64> => Array<BigInt>,
        attempt_message_ids: Vec<Option<String>> => Array<Nullable<Text>>,
        retry_after_ms: Vec<Option<i64>> => Array<Nullable<BigInt>>,
        retry_ats: Vec<Option<NaiveDateTime>> => Array<Nullable<Timestamp>>,
    } = "SELECT id, group_send_id FROM patchbay_finish_deliveries(\
         ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
);

cached_statement!(
    /// Write new deliveries and wake every instance's workers (see the
    /// function's migration).
    EnqueueAll {
        channel: &'static str => Text,
        ids: Vec<String> => Array<Text>,
        org_ids: Vec<String> => Array<Text>,
        integration_ids: Vec<String> => Array<Text>,
        type_slugs: Vec<String> => Array<Text>,
        messages: Vec<String> => Array<Text>,
        statuses: Vec<String> => Array<Text>,
        attempts: Vec<i64> => Array<BigInt>,
        max_attempts: Vec<i64> => Array<BigInt>,
        next_ats: Vec<NaiveDateTime> => Array<Timestamp>,
        deadlines: Vec<NaiveDateTime> => Array<Timestamp>,
        created: Vec<NaiveDateTime> => Array<Timestamp>,
        group_send_ids: Vec<Option<String>> => Array<Nullable<Text>>,
        handoff_after_attempts: Vec<Option<i64>> => Array<Nullable<BigInt>>,
        handoff_ats: Vec<Option<NaiveDateTime>> => Array<Nullable<Timestamp>>,
    } = "SELECT patchbay_enqueue_deliveries(\
         ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) AS written"
);

cached_statement!(
    /// Wake the workers of every instance once the transaction commits.
    Notify {
        channel: &'static str => Text,
    } = "SELECT pg_notify(?, '')::text AS notified"
);

impl EnqueueAll {
    pub(crate) fn of(channel: &'static str, rows: &[&DeliveryRow]) -> Self {
        EnqueueAll {
            channel,
            ids: rows.iter().map(|r| r.id.clone()).collect(),
            org_ids: rows.iter().map(|r| r.org_id.clone()).collect(),
            integration_ids: rows.iter().map(|r| r.integration_id.clone()).collect(),
            type_slugs: rows.iter().map(|r| r.type_slug.clone()).collect(),
            messages: rows.iter().map(|r| r.message.clone()).collect(),
            statuses: rows.iter().map(|r| r.status.clone()).collect(),
            attempts: rows.iter().map(|r| r.attempts).collect(),
            max_attempts: rows.iter().map(|r| r.max_attempts).collect(),
            next_ats: rows.iter().map(|r| r.next_attempt_at).collect(),
            deadlines: rows.iter().map(|r| r.deadline_at).collect(),
            created: rows.iter().map(|r| r.created_at).collect(),
            group_send_ids: rows.iter().map(|r| r.group_send_id.clone()).collect(),
            handoff_after_attempts: rows.iter().map(|r| r.handoff_after_attempts).collect(),
            handoff_ats: rows.iter().map(|r| r.handoff_at).collect(),
        }
    }
}
