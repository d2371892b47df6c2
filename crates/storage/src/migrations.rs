//! The embedded migrations, one set per backend, and applying them.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::DbConnection;
use crate::db::Database;
use crate::error::StorageError;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Any arbitrary constant works as long as every Patchbay process uses the
/// same one: it serialises migrations when several replicas start at once.
const PG_MIGRATION_LOCK: i64 = 0x7061_7463_6862_6179; // "patchbay"

impl Database {
    /// Apply the embedded migrations for this backend that are not applied
    /// yet. Safe when several processes start at once. Blocks.
    pub fn run_migrations(&self) -> Result<(), StorageError> {
        let mut conn = self.get().map_err(|e| StorageError::Pool(e.to_string()))?;
        let migration_err =
            |e: Box<dyn std::error::Error + Send + Sync>| StorageError::Migration(e.to_string());
        let applied = match &mut **conn {
            DbConnection::Pg(pg) => {
                pg.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                    .map_err(|e| StorageError::Migration(e.to_string()))?;
                let result = pg
                    .run_pending_migrations(PG_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                    .map_err(migration_err);
                // Session-level lock: release it even when a migration failed,
                // or the pooled connection would keep it.
                let unlock =
                    pg.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"));
                let applied = result?;
                unlock.map_err(|e| StorageError::Migration(e.to_string()))?;
                applied
            }
            DbConnection::Sqlite(sqlite) => {
                // IMMEDIATE takes the write lock before diesel reads which
                // migrations are pending, so two starting processes cannot
                // both decide to apply the same one.
                sqlite.immediate_transaction(|c| {
                    c.run_pending_migrations(SQLITE_MIGRATIONS)
                        .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
                        .map_err(migration_err)
                })?
            }
        };
        for version in &applied {
            tracing::info!(backend = %self.backend(), %version, "applied migration");
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::connection::Target;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName, Debug, PartialEq)]
    struct HealthRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        state: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        reason: Option<String>,
    }

    fn health(id: &str, state: Option<&str>, reason: Option<&str>) -> HealthRow {
        HealthRow {
            id: id.into(),
            state: state.map(Into::into),
            reason: reason.map(Into::into),
        }
    }

    // One body for both backends: the harness is implemented per connection
    // type, not for the multi-connection.
    macro_rules! health_survives_000004 {
        ($conn:expr, $migrations:expr) => {{
            let conn = $conn;
            for _ in 0..3 {
                conn.run_next_migration($migrations).unwrap();
            }
            conn.batch_execute(
                "INSERT INTO organizations (id, name, created_at) \
                   VALUES ('org_a', 'a', '2026-01-01 00:00:00'); \
                 INSERT INTO integrations (id, org_id, name, type_slug, environment, status, \
                   config, version, created_at, updated_at) VALUES \
                   ('int_a', 'org_a', 'a', 'webhook', 'production', 'active', '{}', 1, \
                    '2026-01-01 00:00:00', '2026-01-01 00:00:00'), \
                   ('int_b', 'org_a', 'b', 'webhook', 'production', 'active', '{}', 1, \
                    '2026-01-01 00:00:00', '2026-01-01 00:00:00'); \
                 INSERT INTO integration_health (integration_id, org_id, state, reason, changed_at) \
                   VALUES ('int_a', 'org_a', 'unhealthy', 'gone', '2026-01-02 03:04:05')",
            )
            .unwrap();
            // 000004 alone, so that the revert below is its own.
            conn.run_next_migration($migrations).unwrap();
            let moved: Vec<HealthRow> = diesel::sql_query(
                "SELECT id, health_state AS state, health_reason AS reason \
                 FROM integrations ORDER BY id",
            )
            .load(conn)
            .unwrap();
            assert_eq!(
                moved,
                [
                    health("int_a", Some("unhealthy"), Some("gone")),
                    health("int_b", None, None)
                ]
            );
            // And back: the revert restores the table with the same rows.
            conn.revert_last_migration($migrations).unwrap();
            let restored: Vec<HealthRow> = diesel::sql_query(
                "SELECT integration_id AS id, state, reason FROM integration_health",
            )
            .load(conn)
            .unwrap();
            assert_eq!(restored, [health("int_a", Some("unhealthy"), Some("gone"))]);
            conn.run_pending_migrations($migrations).unwrap();
        }};
    }

    #[test]
    fn migration_000004_keeps_recorded_health_both_ways() {
        let sqlite = crate::testing::TestDatabase::sqlite();
        match Target::parse(sqlite.url())
            .unwrap()
            .connect(crate::db::DEFAULT_CHECKOUT_TIMEOUT)
            .unwrap()
        {
            DbConnection::Sqlite(mut c) => health_survives_000004!(&mut c, SQLITE_MIGRATIONS),
            DbConnection::Pg(_) => unreachable!(),
        }
        if let Some(pg) = crate::testing::TestDatabase::postgres() {
            match Target::parse(pg.url())
                .unwrap()
                .connect(crate::db::DEFAULT_CHECKOUT_TIMEOUT)
                .unwrap()
            {
                DbConnection::Pg(mut c) => health_survives_000004!(&mut c, PG_MIGRATIONS),
                DbConnection::Sqlite(_) => unreachable!(),
            }
        }
    }
}
