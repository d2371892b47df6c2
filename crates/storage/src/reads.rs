//! Point reads of integrations, coalesced.
//!
//! Every store call pays a fixed price: a pool permit, a hand-off to a
//! blocking thread, a connection checkout and, on Postgres, a network round
//! trip. Under concurrent load most of a `GET`'s cost was that price, not the
//! lookup. So reads of single integrations queue (see `coalesce`), and at
//! most a few runners drain the queue: a runner takes everything waiting and
//! answers it with one store call — one `= ANY(...)` query on Postgres,
//! consecutive cached point lookups on SQLite.
//!
//! A read that arrives while no runner is busy starts one at once, so an idle
//! service answers as fast as before; batching only happens while reads are
//! already waiting for each other. A runner takes only reads queued before
//! its query starts, so a read still sees every write that finished before it
//! was issued.

use patchbay_domain::{Integration, StoreError};

use crate::coalesce::Coalescer;

/// An integration by its id (`int_…`) or its `seq` (the second API's id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ReadId {
    Id(String),
    Seq(i64),
}

/// `(organization, integration)`.
pub(crate) type ReadKey = (String, ReadId);
pub(crate) type ReadAnswer = Result<Option<Integration>, StoreError>;

/// The queue of point reads.
pub(crate) type ReadQueue = Coalescer<ReadKey, Option<Integration>>;
