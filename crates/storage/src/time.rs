//! Timestamps between the domain and the database. Columns are `TIMESTAMP`
//! without a zone on both backends, always holding UTC.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

pub(crate) fn to_db_time(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub(crate) fn from_db_time(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// To the microsecond, as Postgres keeps it: a value compared for equality
/// after a round trip must survive it unchanged on both backends.
pub(crate) fn to_db_micros(t: DateTime<Utc>) -> NaiveDateTime {
    let n = t.naive_utc();
    n.with_nanosecond(n.nanosecond() / 1_000 * 1_000)
        .unwrap_or(n)
}
