//! Bulk sends: up to [`MAX_BULK_ITEMS`] messages in one request, each to an
//! integration or an integration group with its own idempotency key.
//!
//! Every item is checked as its single send would be, and an item that
//! fails its checks is answered with its own error without stopping the
//! others. The accepted items are then written in one transaction: either
//! all of them are queued or, when the database fails, none is (the caller
//! is told the whole request failed and may repeat it; per-item keys make
//! the repeat safe).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::delivery::{Delivery, DeliveryError, DeliveryService, EnqueueOutcome, NewDelivery};
use crate::error::StoreError;
use crate::group::{
    AcceptedGroupSend, GroupEnqueueOutcome, GroupError, GroupService, IntegrationGroup,
    NewGroupSend,
};
use crate::ids::{GroupId, IntegrationId, OrgId};
use crate::model::Integration;
use crate::provider::Message;

/// The most items one bulk request carries.
pub const MAX_BULK_ITEMS: usize = 100;

/// Where one item of a bulk send goes.
#[derive(Debug, Clone)]
pub enum BulkTarget {
    /// One integration, as `POST /api/integrations/{id}/send`.
    Integration(IntegrationId),
    /// An integration group, as `POST /api/integration-groups/{id}/send`.
    Group(GroupId),
}

/// One message of a bulk send.
#[derive(Debug, Clone)]
pub struct BulkItem {
    /// Where the message goes.
    pub target: BulkTarget,
    /// The message, as a single send takes it.
    pub message: Message,
    /// Makes this item safe to repeat, with the single send's semantics.
    pub idempotency_key: Option<String>,
}

/// An item ready to be written.
#[derive(Debug, Clone)]
pub enum BulkEntry {
    /// A delivery through one integration.
    Delivery(NewDelivery),
    /// A group send with its route and first deliveries.
    Group(NewGroupSend),
}

/// What the store made of one entry.
#[derive(Debug, Clone)]
pub enum BulkOutcome {
    /// The outcome of a [`BulkEntry::Delivery`].
    Delivery(EnqueueOutcome),
    /// The outcome of a [`BulkEntry::Group`].
    Group(GroupEnqueueOutcome),
}

/// What bulk sends need from storage.
#[async_trait]
pub trait BulkStore: Send + Sync + 'static {
    /// Write every entry (and its idempotency key) in one transaction; one
    /// outcome per entry, in order. An entry whose key was used before is
    /// answered from the key (replayed, reused with another request, or in
    /// progress) and writes nothing; so is an entry whose key an earlier
    /// entry of the same call used.
    async fn enqueue_bulk(&self, entries: &[BulkEntry]) -> Result<Vec<BulkOutcome>, StoreError>;
}

/// An accepted item.
#[derive(Debug, Clone)]
pub enum BulkAccepted {
    /// A delivery (`replayed`: the key matched an earlier request).
    Delivery {
        /// The delivery as queued (or as the earlier request made it).
        delivery: Delivery,
        /// The key matched an earlier request: nothing new was created.
        replayed: bool,
    },
    /// A group send.
    Group(AcceptedGroupSend),
}

/// Why an item was not accepted: the error its single send would answer.
#[derive(Debug, thiserror::Error)]
pub enum BulkItemError {
    /// An item to an integration.
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    /// An item to a group.
    #[error(transparent)]
    Group(#[from] GroupError),
    /// Groups are not served by this instance.
    #[error("integration groups are not enabled")]
    GroupsDisabled,
}

/// Each item's answer, in the request's order.
pub type BulkResults = Vec<Result<BulkAccepted, BulkItemError>>;

/// The bulk send use case.
#[derive(Clone)]
pub struct BulkService {
    deliveries: DeliveryService,
    groups: Option<GroupService>,
    store: Arc<dyn BulkStore>,
}

impl BulkService {
    /// Bulk sends through these use cases (without groups, a group item is
    /// answered [`BulkItemError::GroupsDisabled`]).
    pub fn new(
        deliveries: DeliveryService,
        groups: Option<GroupService>,
        store: Arc<dyn BulkStore>,
    ) -> Self {
        Self {
            deliveries,
            groups,
            store,
        }
    }

    /// Check every item, write the accepted ones in one transaction, and
    /// answer each item. Fails as a whole only when storage does (then
    /// nothing was written). The caller bounds the number of items.
    pub async fn send(&self, org: &OrgId, items: Vec<BulkItem>) -> Result<BulkResults, StoreError> {
        let integrations = self.integrations_of(org, &items).await?;
        let groups = self.groups_of(org, &items).await?;
        let mut results: Vec<Option<Result<BulkAccepted, BulkItemError>>> =
            (0..items.len()).map(|_| None).collect();
        let mut entries = Vec::new();
        let mut places = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            match self.prepare(item, &integrations, &groups) {
                Ok(entry) => {
                    entries.push(entry);
                    places.push(index);
                }
                Err(e) => results[index] = Some(Err(e)),
            }
        }
        if !entries.is_empty() {
            let outcomes = self.store.enqueue_bulk(&entries).await?;
            if outcomes.len() != places.len() {
                return Err(StoreError::Other(
                    "the store answered a bulk send with the wrong number of outcomes".into(),
                ));
            }
            let mut created = false;
            for (index, outcome) in places.into_iter().zip(outcomes) {
                let answer = match outcome {
                    BulkOutcome::Delivery(o) => DeliveryService::answer(o)
                        .map(|(delivery, replayed)| BulkAccepted::Delivery { delivery, replayed })
                        .map_err(BulkItemError::from),
                    BulkOutcome::Group(o) => GroupService::answer(o)
                        .map(BulkAccepted::Group)
                        .map_err(BulkItemError::from),
                };
                created |= matches!(
                    answer,
                    Ok(BulkAccepted::Delivery {
                        replayed: false,
                        ..
                    }) | Ok(BulkAccepted::Group(AcceptedGroupSend {
                        replayed: false,
                        ..
                    }))
                );
                results[index] = Some(answer);
            }
            if created {
                self.deliveries.signal().notify();
            }
        }
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| StoreError::Other("a bulk item was left unanswered".into())))
            .collect()
    }

    fn prepare(
        &self,
        item: BulkItem,
        integrations: &HashMap<IntegrationId, Integration>,
        groups: &HashMap<GroupId, Option<Loaded>>,
    ) -> Result<BulkEntry, BulkItemError> {
        match item.target {
            BulkTarget::Integration(id) => {
                let integration = integrations
                    .get(&id)
                    .ok_or(DeliveryError::IntegrationNotFound)?;
                let new = self.deliveries.prepare(
                    integration,
                    item.message,
                    item.idempotency_key,
                    false,
                )?;
                Ok(BulkEntry::Delivery(new))
            }
            BulkTarget::Group(id) => {
                let service = self.groups.as_ref().ok_or(BulkItemError::GroupsDisabled)?;
                let Some(Some((group, members))) = groups.get(&id) else {
                    return Err(GroupError::NotFound.into());
                };
                let new =
                    service.prepare_send(group, members, item.message, item.idempotency_key)?;
                Ok(BulkEntry::Group(new))
            }
        }
    }

    /// The integrations the items name, read with one call.
    async fn integrations_of(
        &self,
        org: &OrgId,
        items: &[BulkItem],
    ) -> Result<HashMap<IntegrationId, Integration>, StoreError> {
        let mut ids: Vec<(OrgId, IntegrationId)> = items
            .iter()
            .filter_map(|item| match &item.target {
                BulkTarget::Integration(id) => Some((org.clone(), id.clone())),
                BulkTarget::Group(_) => None,
            })
            .collect();
        ids.sort_by(|a, b| a.1.as_str().cmp(b.1.as_str()));
        ids.dedup_by(|a, b| a.1 == b.1);
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .deliveries
            .integrations()
            .get_many(&ids)
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect())
    }

    /// Each group the items name, read once, with its members.
    async fn groups_of(
        &self,
        org: &OrgId,
        items: &[BulkItem],
    ) -> Result<HashMap<GroupId, Option<Loaded>>, StoreError> {
        let mut loaded = HashMap::new();
        let Some(service) = &self.groups else {
            return Ok(loaded);
        };
        for item in items {
            let BulkTarget::Group(id) = &item.target else {
                continue;
            };
            if loaded.contains_key(id) {
                continue;
            }
            let found = match service.load_for_send(org, id).await {
                Ok(found) => Some(found),
                // A database failure fails the request, as it would fail a
                // single send; loading answers nothing else but not found.
                Err(GroupError::Store(e)) => return Err(e),
                Err(_) => None,
            };
            loaded.insert(id.clone(), found);
        }
        Ok(loaded)
    }
}

type Loaded = (IntegrationGroup, HashMap<IntegrationId, Integration>);
