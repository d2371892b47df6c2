//! The domain's `AuditStore` over the `audit_events` table. Events hold
//! names only (the domain never puts a value in one), so nothing here is
//! encrypted.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use patchbay_domain::audit::{AuditEvent, AuditQuery, AuditStore, NewAuditEvent};
use patchbay_domain::{OrgId, StoreError};

use crate::connection::{DbConnection, native};
use crate::convert::{changed_fields_json, decode_audit_event, event_row};
use crate::error::db_error;
use crate::rows::AuditRow;
use crate::schema::audit_events;
use crate::store::SqlStore;

/// One event row; also written inside other writes' transactions.
pub(crate) fn insert_event(
    conn: &mut DbConnection,
    event: &NewAuditEvent,
    changed_fields_json: &str,
) -> QueryResult<()> {
    let row = event_row(event, changed_fields_json);
    native!(conn, |c| diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(c))
    .map(drop)
}

/// A write and its audit event as one Postgres statement:
/// `WITH written AS (<write> RETURNING …), audited AS (<event INSERT>)
/// SELECT * FROM written`. Postgres runs every data-modifying `WITH` part
/// exactly once and the statement is atomic, so this is one round trip where
/// `BEGIN`, two statements and `COMMIT` were four. Both parts are diesel's
/// own statements, so the SQL stays in step with the schema, and the whole
/// has a static query id, so it is prepared once per connection.
pub(crate) struct WithAuditEvent<W, E> {
    pub(crate) write: W,
    pub(crate) event: E,
}

impl<W: QueryFragment<Pg>, E: QueryFragment<Pg>> QueryFragment<Pg> for WithAuditEvent<W, E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH written AS (");
        self.write.walk_ast(out.reborrow())?;
        out.push_sql("), audited AS (");
        self.event.walk_ast(out.reborrow())?;
        out.push_sql(") SELECT * FROM written");
        Ok(())
    }
}

impl<W: QueryId, E: QueryId> QueryId for WithAuditEvent<W, E> {
    type QueryId = WithAuditEvent<W::QueryId, E::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = W::HAS_STATIC_QUERY_ID && E::HAS_STATIC_QUERY_ID;
}

impl<W: Query, E> Query for WithAuditEvent<W, E> {
    type SqlType = W::SqlType;
}

impl<W, E> RunQueryDsl<PgConnection> for WithAuditEvent<W, E> {}

#[async_trait]
impl AuditStore for SqlStore {
    async fn record(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        let event = event.clone();
        self.run(move |conn, _| {
            let fields = changed_fields_json(&event)?;
            insert_event(conn, &event, &fields).map_err(db_error("audit event"))
        })
        .await
    }

    async fn list(&self, org: &OrgId, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let org = org.as_str().to_owned();
        let query = query.clone();
        self.run(move |conn, _| {
            let mut select = audit_events::table
                .filter(audit_events::org_id.eq(&org))
                .select(AuditRow::as_select())
                .order(audit_events::id.asc())
                .limit(i64::from(query.limit))
                .into_boxed();
            if let Some(id) = &query.integration_id {
                select = select.filter(audit_events::integration_id.eq(id.as_str().to_owned()));
            }
            if let Some(after) = query.after {
                select = select.filter(audit_events::id.gt(after));
            }
            select
                .load(conn)
                .map_err(db_error("audit event"))?
                .into_iter()
                .map(decode_audit_event)
                .collect()
        })
        .await
    }
}
