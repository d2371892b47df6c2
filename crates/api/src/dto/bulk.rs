//! Bulk sends: `POST /api/deliveries/bulk`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DeliveryDto, GroupSendDto, SendMessageRequest};
use crate::problem::Problem;

/// Up to 100 messages, each to an integration or an integration group.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkSendRequest {
    /// The messages, answered in this order.
    #[schema(min_items = 1, max_items = 100)]
    pub items: Vec<BulkSendItem>,
}

/// One message of a bulk send: exactly one of `integrationId` and `groupId`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkSendItem {
    /// Send through this integration (`int_…`), as `POST /api/integrations/{id}/send`.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub integration_id: Option<String>,
    /// Send to this integration group (`grp_…`), as `POST /api/integration-groups/{id}/send`.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(nullable = false)]
    pub group_id: Option<String>,
    /// The message, as the single send's body.
    pub message: SendMessageRequest,
    /// This item's `Idempotency-Key`: a repeat of the item with the same key
    /// and message within 24 h answers the first delivery (or group send)
    /// and creates nothing.
    #[serde(default, deserialize_with = "crate::body::non_null")]
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$"
    )]
    pub idempotency_key: Option<String>,
}

/// Each item's answer, in the request's order.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkSendResponse {
    /// Items queued (or replayed by their key).
    pub accepted: u32,
    /// Items refused, each with its problem.
    pub rejected: u32,
    /// One per item, in the request's order.
    pub results: Vec<BulkSendResult>,
}

/// One item's answer: `status` 202 with its `delivery` or `groupSend`, or
/// the status its single send would have answered, with the `problem`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkSendResult {
    /// The item's place in the request, from 0.
    pub index: u32,
    /// 202 when accepted; otherwise the problem's status.
    #[schema(minimum = 202, maximum = 599)]
    pub status: u16,
    /// The item's key matched an earlier request: nothing new was created.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    /// The delivery queued for an item with `integrationId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub delivery: Option<DeliveryDto>,
    /// The group send queued for an item with `groupId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub group_send: Option<GroupSendDto>,
    /// Why the item was refused; its field paths are the item's own
    /// (`message.to`, `integrationId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub problem: Option<Problem>,
}
