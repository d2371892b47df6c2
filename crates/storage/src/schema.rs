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

diesel::joinable!(api_keys -> organizations (org_id));
diesel::joinable!(integrations -> organizations (org_id));
diesel::joinable!(audit_events -> organizations (org_id));
diesel::allow_tables_to_appear_in_same_query!(organizations, api_keys, integrations, audit_events);
