//! The integer-id API at `/integrations` (types by integer id, snake_case
//! `data`, an integration by its integer id): the contract's SendGrid
//! example, exactly; invalid fields named in snake_case under `data`;
//! secrets replaced only with `changeKeys`; `If-Match`; and the same keys,
//! scopes and tenancy as `/api/integrations`.

use actix_web::test::TestRequest;
use patchbay_domain::auth::Scope;
use serde_json::{Value, json};

use crate::common::{
    Harness, Key, Reply, TestApp, assert_millisecond_timestamp, call, call_as,
    create_integer_id_integration, delete_integer_id_integration, get_integer_id_integration,
    get_integration, id_in_etag, integer_id_path, json_body, list_integer_id_integrations,
    set_integer_id_integration_status, update_integer_id_integration,
};
use crate::openapi::document;

/// The contract's example request, exactly.
fn sendgrid_example_request() -> Value {
    json!({
        "integration": 4,
        "data": {
            "environment": "stage",
            "api_key": "SG.xxxxxxxxxxxxxxxxxxxx",
            "from_email": "notifications@yourcompany.com.br",
            "from_name": "Enspace Notifications"
        }
    })
}

/// The contract's example response, exactly.
fn sendgrid_example_response() -> Value {
    json!({
        "id": 105,
        "data": {
            "changeKeys": false,
            "environment": "stage"
        },
        "integration": {
            "id": 4,
            "name": "Sendgrid",
            "description": "integrations.sendgrid.description",
            "category": "integrations.sendgrid.category",
            "slug": "sendgrid",
            "created_at": "2025-06-17T15:40:10.419Z",
            "updated_at": "2025-06-17T15:40:10.419Z",
            "media": []
        },
        "status": "active",
        "created_at": "2026-03-12T20:55:53.111Z",
        "updated_at": "2026-03-12T20:55:53.132Z"
    })
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Same member names, nesting and JSON types as `expected`, at `path`.
/// `extra` lists where `actual` may hold more members than `expected`.
fn assert_same_shape(expected: &Value, actual: &Value, path: &str, extra: &[&str]) {
    assert_eq!(
        json_type(expected),
        json_type(actual),
        "{path}: type differs: {actual}"
    );
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}.{k} is missing: {actual}"));
                assert_same_shape(ev, av, &format!("{path}.{k}"), extra);
            }
            if !extra.contains(&path) {
                let mut ek: Vec<&String> = e.keys().collect();
                let mut ak: Vec<&String> = a.keys().collect();
                ek.sort();
                ak.sort();
                assert_eq!(ek, ak, "{path}: members differ");
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, item) in a.iter().enumerate() {
                    assert_same_shape(first, item, &format!("{path}[{i}]"), extra);
                }
            }
        }
        _ => {}
    }
}

/// Create the contract's example; its integer id and the `int_…` id
/// `/api/integrations` knows it by.
async fn create_example(app: &TestApp, key: &Key) -> (i64, String) {
    let r = create_integer_id_integration(app, key, &sendgrid_example_request()).await;
    let id = r.expect(201)["id"].as_i64().unwrap();
    (id, id_in_etag(&r))
}

/// A change through each route that writes (PUT, PATCH status, DELETE), with
/// `If-Match` if one is given; each answer with its route.
async fn write_through_every_route(
    app: &TestApp,
    key: &Key,
    id: i64,
    if_match: Option<&str>,
) -> Vec<(&'static str, Reply)> {
    let change = json!({"data": {"from_name": "changed"}});
    vec![
        (
            "PUT",
            update_integer_id_integration(app, key, id, if_match, &change).await,
        ),
        (
            "PATCH status",
            set_integer_id_integration_status(app, key, id, if_match, "inactive").await,
        ),
        (
            "DELETE",
            delete_integer_id_integration(app, key, id, if_match).await,
        ),
    ]
}

/// The field paths of a 422, sorted.
fn sorted(mut fields: Vec<String>) -> Vec<String> {
    fields.sort();
    fields
}

/// The secrets (field and hint) of an integration, as `/api/integrations`
/// shows them: the one place a secret's hint is answered.
async fn secrets_of(app: &TestApp, key: &Key, id: i64) -> Value {
    let r = get_integer_id_integration(app, key, id).await;
    r.expect(200);
    get_integration(app, key, &id_in_etag(&r)).await.expect(200)["secrets"].clone()
}

/// The secret fields' names of [`secrets_of`].
fn secret_names(secrets: &Value) -> Vec<&str> {
    secrets
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["field"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_documented_examples_are_the_contracts() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["IntegerIdCreateRequest"]["example"],
        sendgrid_example_request()
    );
    assert_eq!(
        schemas["IntegerIdIntegration"]["example"],
        sendgrid_example_response()
    );
}

#[actix_web::test]
async fn the_sendgrid_example_answers_as_documented() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let r = create_integer_id_integration(&app, key, &sendgrid_example_request()).await;
    let created = r.expect(201);
    let id = created["id"].as_i64().unwrap();
    assert!(id > 0, "{created}");
    assert_eq!(r.header("location"), Some(integer_id_path(id)));
    let int_id = id_in_etag(&r);
    assert!(int_id.starts_with("int_"), "{int_id}");
    assert_eq!(r.header("etag"), Some(format!("\"{int_id}-v1\"")));

    // The example's members, nesting and types; `data` also holds the
    // non-secret config fields.
    assert_same_shape(&sendgrid_example_response(), &created, "", &[".data"]);
    assert_eq!(
        created["integration"],
        sendgrid_example_response()["integration"]
    );
    assert_eq!(created["status"], "active");
    assert_eq!(
        created["data"],
        json!({"changeKeys": false, "environment": "stage",
               "from_email": "notifications@yourcompany.com.br",
               "from_name": "Enspace Notifications"})
    );
    for t in ["created_at", "updated_at"] {
        assert_millisecond_timestamp(&created[t]);
    }

    // Reading it gives the same body and version; so does the list.
    let got = get_integer_id_integration(&app, key, id).await;
    assert_eq!(got.expect(200), created);
    assert_eq!(got.header("etag"), r.header("etag"));
    let list = list_integer_id_integrations(&app, key, "").await;
    assert_eq!(
        list.expect(200),
        json!({"data": [created.clone()], "next_cursor": null})
    );
    let of_type = list_integer_id_integrations(&app, key, "integration=4").await;
    assert_eq!(of_type.expect(200)["data"], json!([created.clone()]));
    let other_type = list_integer_id_integrations(&app, key, "integration=2").await;
    assert_eq!(other_type.expect(200)["data"], json!([]));
    let unknown_type = list_integer_id_integrations(&app, key, "integration=99").await;
    assert_eq!(unknown_type.fields(), ["integration"]);

    // The secret is never given back, nor named.
    for answer in [&r, &got, &list, &of_type] {
        assert!(
            !answer.contains("SG.xxxxxxxxxxxxxxxxxxxx"),
            "{}",
            answer.text()
        );
        assert!(!answer.contains("api_key"), "{}", answer.text());
    }
}

#[actix_web::test]
async fn a_status_change_and_a_delete_answer_as_documented() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let (id, int_id) = create_example(&app, key).await;

    let r = set_integer_id_integration_status(&app, key, id, None, "inactive").await;
    assert_eq!(r.expect(200)["status"], "inactive");
    assert_eq!(r.header("etag"), Some(format!("\"{int_id}-v2\"")));
    let got = get_integer_id_integration(&app, key, id).await;
    assert_eq!(got.expect(200), r.json());
    let r = set_integer_id_integration_status(&app, key, id, None, "paused").await;
    assert_eq!(r.fields(), ["status"]);

    let r = delete_integer_id_integration(&app, key, id, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    get_integer_id_integration(&app, key, id).await.problem(404);
    let list = list_integer_id_integrations(&app, key, "").await;
    assert_eq!(list.expect(200)["data"], json!([]));
}

#[actix_web::test]
async fn invalid_fields_are_named_in_snake_case_under_data() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;

    // A camelCase name is not a field; the secret sent is not echoed.
    let r = create_integer_id_integration(
        &app,
        key,
        &json!({"integration": 4, "data": {"environment": "moon",
                "apiKey": "SG.CANARY-literal-xxxx", "from_email": "nope"}}),
    )
    .await;
    assert_eq!(sorted(r.fields()), ["data.apiKey", "data.environment"]);
    assert!(!r.contains("CANARY"), "{}", r.text());
    // The catalogue's rules, each field by its snake_case name.
    let r = create_integer_id_integration(
        &app,
        key,
        &json!({"integration": 4, "data": {"from_email": "nope"}}),
    )
    .await;
    assert_eq!(sorted(r.fields()), ["data.api_key", "data.from_email"]);
    let r = create_integer_id_integration(&app, key, &json!({"integration": 99, "data": {}})).await;
    assert_eq!(r.fields(), ["integration"]);
    let r =
        create_integer_id_integration(&app, key, &json!({"integration": 4, "data": {}, "id": 7}))
            .await;
    assert_eq!(r.fields(), ["id"]);
    assert_eq!(h.store.count(), 0, "a refused body created something");

    // On update, the type is fixed and fields are snake_case too.
    let (id, _) = create_example(&app, key).await;
    let before = get_integer_id_integration(&app, key, id).await;
    let r = update_integer_id_integration(&app, key, id, None, &json!({"integration": 5})).await;
    assert_eq!(r.fields(), ["integration"]);
    let r =
        update_integer_id_integration(&app, key, id, None, &json!({"data": {"fromName": "camel"}}))
            .await;
    assert_eq!(r.fields(), ["data.fromName"]);
    let after = get_integer_id_integration(&app, key, id).await;
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(after.expect(200), before.expect(200));
}

#[actix_web::test]
async fn secrets_are_replaced_only_with_change_keys() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let r = create_integer_id_integration(
        &app,
        key,
        &json!({"integration": 4, "data": {"environment": "stage",
                "api_key": "SG.CANARYoriginal000000AAAA", "from_email": "a@example.com"}}),
    )
    .await;
    let id = r.expect(201)["id"].as_i64().unwrap();
    let original = json!([{"field": "apiKey", "hint": "…AAAA"}]);
    assert_eq!(secrets_of(&app, key, id).await, original);

    // A secret without changeKeys is refused, naming the field and the fix.
    for data in [
        json!({"api_key": "SG.CANARYrefused0000000BBBB"}),
        json!({"api_key": "SG.CANARYrefused0000000BBBB", "changeKeys": false, "from_name": "x"}),
    ] {
        let r = update_integer_id_integration(&app, key, id, None, &json!({"data": data})).await;
        assert_eq!(r.fields(), ["data.api_key"]);
        let p = r.json();
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("changeKeys"), "{p}");
        assert!(!r.contains("CANARY"), "{p}");
    }
    assert_eq!(secrets_of(&app, key, id).await, original);

    // Without secrets, other fields merge and the stored secret is kept.
    let r = update_integer_id_integration(
        &app,
        key,
        id,
        None,
        &json!({"data": {"from_name": "Kept", "changeKeys": false}}),
    )
    .await;
    let body = r.expect(200);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(body["data"]["from_email"], "a@example.com");
    assert_eq!(secrets_of(&app, key, id).await, original);

    // With changeKeys, the secret sent replaces the stored one; a response
    // always says `changeKeys: false`.
    let r = update_integer_id_integration(
        &app,
        key,
        id,
        None,
        &json!({"data": {"changeKeys": true, "api_key": "SG.CANARYreplaced000000CCCC"}}),
    )
    .await;
    let body = r.expect(200);
    assert_eq!(body["data"]["changeKeys"], false);
    assert_eq!(body["data"]["from_name"], "Kept");
    assert_eq!(
        secrets_of(&app, key, id).await,
        json!([{"field": "apiKey", "hint": "…CCCC"}])
    );
    // changeKeys with no secret would leave the required key unset.
    let r =
        update_integer_id_integration(&app, key, id, None, &json!({"data": {"changeKeys": true}}))
            .await;
    assert_eq!(r.fields(), ["data.api_key"]);

    // The secret set is replaced as a whole: a webhook's headers not sent
    // again are removed (its signing secret is generated anew).
    let r = create_integer_id_integration(
        &app,
        key,
        &json!({"integration": 6, "data": {"url": "https://example.com/CANARY-hook",
                "headers": {"Authorization": "Bearer CANARY-header"}, "method": "PUT"}}),
    )
    .await;
    let hook_id = r.expect(201)["id"].as_i64().unwrap();
    assert_eq!(
        secret_names(&secrets_of(&app, key, hook_id).await),
        ["headers", "signingSecret", "url"]
    );
    let r = update_integer_id_integration(
        &app,
        key,
        hook_id,
        None,
        &json!({"data": {"changeKeys": true, "url": "https://example.com/CANARY-new"}}),
    )
    .await;
    r.expect(200);
    assert_eq!(
        secret_names(&secrets_of(&app, key, hook_id).await),
        ["signingSecret", "url"]
    );
    // Its non-secret config is kept and answered; no secret is.
    let list = list_integer_id_integrations(&app, key, "integration=6").await;
    assert_eq!(list.expect(200)["data"][0]["data"]["method"], "PUT");
    let all = list_integer_id_integrations(&app, key, "").await;
    assert!(!all.contains("CANARY"), "{}", all.text());
}

#[actix_web::test]
async fn if_match_guards_put_status_and_delete() {
    let h = Harness::new().await;
    let app = h.service().await;
    let key = &h.admin;
    let r = create_integer_id_integration(&app, key, &sendgrid_example_request()).await;
    let id = r.expect(201)["id"].as_i64().unwrap();
    let first = r.header("etag").unwrap();

    let r = update_integer_id_integration(
        &app,
        key,
        id,
        Some(&first),
        &json!({"data": {"from_name": "v2"}}),
    )
    .await;
    r.expect(200);
    let second = r.header("etag").unwrap();
    assert_ne!(first, second);
    // `/api/integrations` gives the same tag for the same integration.
    let r = get_integration(&app, key, &id_in_etag(&r)).await;
    assert_eq!(r.header("etag"), Some(second.clone()));

    for (what, r) in write_through_every_route(&app, key, id, Some(&first)).await {
        assert_eq!(r.status, 412, "{what}: {}", r.text());
        r.problem(412);
    }
    let r = get_integer_id_integration(&app, key, id).await;
    assert_eq!(r.header("etag"), Some(second.clone()));
    let now = r.expect(200);
    assert_eq!(now["data"]["from_name"], "v2");
    assert_eq!(now["status"], "active");

    let r = set_integer_id_integration_status(&app, key, id, Some(&second), "inactive").await;
    assert_eq!(r.expect(200)["status"], "inactive");
    let third = r.header("etag").unwrap();
    let r = delete_integer_id_integration(&app, key, id, Some(&third)).await;
    assert_eq!(r.status, 204, "{}", r.text());
}

#[actix_web::test]
async fn keys_scopes_and_organizations_work_as_at_api_integrations() {
    let h = Harness::new().await;
    let app = h.service().await;
    let r = create_integer_id_integration(&app, &h.admin, &sendgrid_example_request()).await;
    let created = r.expect(201);
    let id = created["id"].as_i64().unwrap();

    // No key: 401 with a Bearer challenge.
    let r = call(&app, TestRequest::get().uri("/integrations")).await;
    r.problem(401);
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Bearer realm=\"patchbay\"")
    );
    // A read key reads, and may not write.
    let reader = h.key("acme", &[Scope::Read]).await;
    get_integer_id_integration(&app, &reader, id)
        .await
        .expect(200);
    list_integer_id_integrations(&app, &reader, "")
        .await
        .expect(200);
    let r = create_integer_id_integration(&app, &reader, &sendgrid_example_request()).await;
    let p = r.problem(403);
    assert!(p["detail"].as_str().unwrap().contains("write"), "{p}");
    assert_eq!(
        r.header("www-authenticate").as_deref(),
        Some("Bearer realm=\"patchbay\", error=\"insufficient_scope\", scope=\"write\"")
    );

    // Another organization's id answers exactly like one that never
    // existed, or one that is not a number.
    let stranger = &h.other_admin;
    let missing = get_integer_id_integration(&app, stranger, 999_999).await;
    missing.problem(404);
    let mut answers = vec![("GET", get_integer_id_integration(&app, stranger, id).await)];
    answers.extend(write_through_every_route(&app, stranger, id, None).await);
    for (what, r) in answers.into_iter().chain([
        (
            "GET not-a-number",
            call_as(
                &app,
                stranger,
                TestRequest::get().uri(&integer_id_path("not-a-number")),
            )
            .await,
        ),
        (
            "PUT not-a-number",
            call_as(
                &app,
                stranger,
                json_body(
                    TestRequest::put().uri(&integer_id_path("not-a-number")),
                    &json!({"data": {"from_name": "x"}}),
                ),
            )
            .await,
        ),
    ]) {
        r.problem(404);
        assert_eq!(
            r.body_without_request_id(),
            missing.body_without_request_id(),
            "{what} {id}"
        );
    }
    let theirs = list_integer_id_integrations(&app, stranger, "").await;
    assert_eq!(theirs.expect(200)["data"], json!([]));
    // Still there, unchanged, for its owner.
    let mine = get_integer_id_integration(&app, &h.admin, id).await;
    assert_eq!(mine.expect(200), created);
}
