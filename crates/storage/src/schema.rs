//! One diesel schema for both backends: only portable SQL types (see the
//! migrations), so the multi-connection can serve either database.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        display_prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    integrations (seq) {
        seq -> BigInt,
        id -> Text,
        org_id -> Text,
        name -> Text,
        type_slug -> Text,
        environment -> Text,
        status -> Text,
        is_managed -> Bool,
        config -> Text,
        secrets -> Nullable<Binary>,
        key_id -> Nullable<Text>,
        last_test_success -> Nullable<Bool>,
        last_test_message -> Nullable<Text>,
        last_test_latency_ms -> Nullable<BigInt>,
        last_test_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        managed_key -> Nullable<Text>,
        health_state -> Nullable<Text>,
        health_reason -> Nullable<Text>,
        health_changed_at -> Nullable<Timestamp>,
        send_not_before -> Nullable<Timestamp>,
        send_hold_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        org_id -> Text,
        actor -> Text,
        action -> Text,
        integration_id -> Nullable<Text>,
        changed_fields -> Text,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    deliveries (id) {
        id -> Text,
        org_id -> Text,
        integration_id -> Text,
        type_slug -> Text,
        message -> Text,
        status -> Text,
        attempts -> BigInt,
        max_attempts -> BigInt,
        next_attempt_at -> Timestamp,
        deadline_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_code -> Nullable<Text>,
        provider_message_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        group_send_id -> Nullable<Text>,
        handoff_after_attempts -> Nullable<BigInt>,
        handoff_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        number -> BigInt,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        outcome -> Text,
        status_class -> Text,
        latency_ms -> BigInt,
        provider_message_id -> Nullable<Text>,
        error -> Nullable<Text>,
        code -> Nullable<Text>,
        retry_after_ms -> Nullable<BigInt>,
        retry_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (org_id, idem_key) {
        org_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        resource_id -> Text,
        completed_at -> Nullable<Timestamp>,
        in_progress_until -> Timestamp,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    integration_groups (seq) {
        seq -> BigInt,
        id -> Text,
        org_id -> Text,
        name -> Text,
        strategy -> Text,
        failover_attempts -> BigInt,
        failover_after_ms -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    integration_group_members (group_id, position) {
        group_id -> Text,
        position -> BigInt,
        integration_id -> Text,
    }
}

diesel::table! {
    group_sends (id) {
        id -> Text,
        org_id -> Text,
        group_id -> Text,
        strategy -> Text,
        status -> Text,
        message -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    group_send_steps (send_id, position) {
        send_id -> Text,
        position -> BigInt,
        integration_id -> Text,
        type_slug -> Nullable<Text>,
        state -> Text,
        delivery_id -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
        note -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::joinable!(api_keys -> organizations (org_id));
diesel::joinable!(integrations -> organizations (org_id));
diesel::joinable!(audit_events -> organizations (org_id));
diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    api_keys,
    integrations,
    audit_events,
    integration_groups,
    integration_group_members,
);
