//! Each type's `config` in the OpenAPI document, so that generated clients
//! and schemathesis see the same rules as validation.
//!
//! The schemas are rendered by the catalogue (`TypeSpec::config_schema`),
//! the one source validation also follows; this module only names them and
//! builds the unions around them:
//!
//! - `{Type}Config`: what a create or an unsaved test sends (secrets
//!   `writeOnly`); Slack's "a webhook URL, or a bot token with a channel" is
//!   two variants, `SlackConfigWithWebhookUrl` and `SlackConfigWithBotToken`.
//! - `{Type}ConfigView`: the detail's `config`, non-secret fields only.
//! - `{Type}ConfigPatch`: every field optional, `null` removing it; an
//!   update and `configOverrides` name no type, so they are `ConfigPatch`,
//!   any one type's patch (a key no type has is a type error).
//! - `CreateIntegrationRequest`, `TestConfigRequest`, `IntegrationDetail`:
//!   one variant per type, discriminated by `type`.
//!
//! The document is rendered with the default validation policy: the
//! operator's extra Discord and Slack hosts are not in it.

use patchbay_domain::catalogue::{TypeSpec, catalogue};
use patchbay_domain::validation::ValidationPolicy;
use serde_json::{Map, Value, json};
use utoipa::openapi::{OpenApi, RefOr, schema::Schema};

fn pascal(slug: &str) -> String {
    slug.split(['-', '_'])
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|first| first.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// `(name, schema)` of a type's config as a create sends it; Slack's
/// alternatives split into one object each, as generators handle plain
/// objects best.
fn config_variants(spec: &TypeSpec, schema: &Value) -> Vec<(String, Value)> {
    let name = format!("{}Config", pascal(spec.slug));
    let mut base = schema.clone();
    let Some(base_obj) = base.as_object_mut() else {
        return Vec::new();
    };
    base_obj.remove("$schema");
    let Some(Value::Array(alternatives)) = base_obj.remove("oneOf") else {
        return vec![(name, base)];
    };
    alternatives
        .iter()
        .map(|alt| {
            let required = alt["required"].clone();
            let excluded: Vec<&str> = alt["not"]["required"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut variant = base.clone();
            if let Some(props) = variant["properties"].as_object_mut() {
                props.retain(|k, _| !excluded.contains(&k.as_str()));
            }
            // A field an alternative requires must hold a value.
            for field in required.as_array().into_iter().flatten() {
                if let Some(t) = field
                    .as_str()
                    .and_then(|f| variant["properties"].get_mut(f))
                    .and_then(|p| p.get_mut("type"))
                    .and_then(Value::as_array_mut)
                {
                    t.retain(|t| t != "null");
                    if t.len() == 1 {
                        let only = t[0].clone();
                        variant["properties"][field.as_str().unwrap_or_default()]["type"] = only;
                    }
                }
            }
            variant["required"] = required.clone();
            let first = required[0].as_str().unwrap_or_default();
            (format!("{name}With{}", pascal_field(first)), variant)
        })
        .collect()
}

fn pascal_field(field: &str) -> String {
    let mut c = field.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The stored config as the detail shows it: non-secret fields only.
fn view(schema: &Value, spec: &TypeSpec) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for field in spec.fields.iter().filter(|f| !f.secret) {
        if let Some(p) = schema["properties"].get(field.name) {
            props.insert(field.name.into(), p.clone());
            if field.required {
                required.push(field.name);
            }
        }
    }
    json!({
        "type": "object",
        "description": format!("The non-secret config of a {} integration.", spec.name),
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

/// Every field optional; `null` removes a stored value.
fn patch(schema: &Value, spec: &TypeSpec) -> Value {
    let mut props = Map::new();
    if let Some(all) = schema["properties"].as_object() {
        for (k, p) in all {
            let mut p = p.clone();
            let nullable = match p.get("type").cloned() {
                Some(Value::String(t)) => json!([t, "null"]),
                Some(Value::Array(mut ts)) => {
                    if !ts.contains(&json!("null")) {
                        ts.push(json!("null"));
                    }
                    Value::Array(ts)
                }
                _ => json!("null"),
            };
            p["type"] = nullable;
            props.insert(k.clone(), p);
        }
    }
    json!({
        "type": "object",
        "description": format!(
            "Changes to a {} integration's config: a key left out keeps its stored value, \
             `null` removes it.",
            spec.name
        ),
        "properties": props,
        "additionalProperties": false,
    })
}

/// The variant of `base` (an object schema with a `type` member) for one
/// type: `type` is that slug, `config` (or `config_member`) that schema.
fn variant(
    base: &Value,
    spec: &TypeSpec,
    config_member: &str,
    config: Value,
    config_required: bool,
) -> Value {
    let mut v = base.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("example");
        obj.remove("discriminator");
    }
    v["properties"]["type"] = json!({"type": "string", "enum": [spec.slug]});
    let description = v["properties"][config_member]["description"].clone();
    v["properties"][config_member] = config;
    if description.is_string() {
        v["properties"][config_member]["description"] = description;
    }
    let mut required: Vec<Value> = v["required"].as_array().cloned().unwrap_or_default();
    if config_required && !required.contains(&json!(config_member)) {
        required.push(json!(config_member));
    }
    v["required"] = Value::Array(required);
    v
}

/// A union of `variants` discriminated by `type`, keeping `base`'s
/// description and example.
fn union(base: &Value, variants: &[(String, String)]) -> Value {
    let refs: Vec<Value> = variants.iter().map(|(_, name)| schema_ref(name)).collect();
    let mapping: Map<String, Value> = variants
        .iter()
        .map(|(slug, name)| (slug.clone(), json!(format!("#/components/schemas/{name}"))))
        .collect();
    let mut u = json!({
        "oneOf": refs,
        "discriminator": {"propertyName": "type", "mapping": mapping},
    });
    for key in ["description", "example"] {
        if let Some(v) = base.get(key) {
            u[key] = v.clone();
        }
    }
    u
}

fn one_of(names: &[String], description: &str) -> Value {
    json!({
        "oneOf": names.iter().map(|n| schema_ref(n)).collect::<Vec<_>>(),
        "description": description,
    })
}

fn any_of(names: &[String], description: &str) -> Value {
    json!({
        "anyOf": names.iter().map(|n| schema_ref(n)).collect::<Vec<_>>(),
        "description": description,
    })
}

/// Adds the per-type schemas and rewrites the shapes that carry a config.
pub(crate) fn add(doc: &mut OpenApi) {
    let policy = ValidationPolicy::default();
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas: Map<String, Value> = components
        .schemas
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
        .collect();
    let original = schemas.clone();

    let create_base = schemas["CreateIntegrationRequest"].clone();
    let test_base = schemas["TestConfigRequest"].clone();
    let detail_base = schemas["IntegrationDetail"].clone();
    let (mut creates, mut tests, mut details, mut patches) = (vec![], vec![], vec![], vec![]);
    for spec in catalogue() {
        let type_name = pascal(spec.slug);
        let mut schema = spec.config_schema(&policy);
        // The document names each field once, by its canonical name (the
        // catalogue lists the other names accepted); utoipa also keeps a
        // schema's extensions unordered, so one extension each keeps the
        // document deterministic.
        if let Some(props) = schema["properties"].as_object_mut() {
            for p in props.values_mut() {
                if let Some(p) = p.as_object_mut() {
                    p.remove("x-aliases");
                }
            }
        }
        let variants = config_variants(spec, &schema);
        let config_name = format!("{type_name}Config");
        let config_required = variants
            .iter()
            .all(|(_, v)| v["required"].as_array().is_some_and(|r| !r.is_empty()));
        if variants.len() > 1 {
            let names: Vec<String> = variants.iter().map(|(n, _)| n.clone()).collect();
            let description = format!("The config of a {} integration: one of these.", spec.name);
            schemas.insert(config_name.clone(), one_of(&names, &description));
        }
        for (name, v) in variants {
            schemas.insert(name, v);
        }
        let view_name = format!("{type_name}ConfigView");
        schemas.insert(view_name.clone(), view(&schema, spec));
        let patch_name = format!("{type_name}ConfigPatch");
        schemas.insert(patch_name.clone(), patch(&schema, spec));
        patches.push(patch_name);

        let create_name = format!("Create{type_name}IntegrationRequest");
        let c = variant(
            &create_base,
            spec,
            "config",
            schema_ref(&config_name),
            config_required,
        );
        schemas.insert(create_name.clone(), c);
        creates.push((spec.slug.to_string(), create_name));

        let test_name = format!("Test{type_name}ConfigRequest");
        let t = variant(
            &test_base,
            spec,
            "config",
            schema_ref(&config_name),
            config_required,
        );
        schemas.insert(test_name.clone(), t);
        tests.push((spec.slug.to_string(), test_name));

        let detail_name = format!("{type_name}IntegrationDetail");
        let d = variant(&detail_base, spec, "config", schema_ref(&view_name), true);
        schemas.insert(detail_name.clone(), d);
        details.push((spec.slug.to_string(), detail_name));
    }
    schemas.insert(
        "CreateIntegrationRequest".into(),
        union(&create_base, &creates),
    );
    schemas.insert("TestConfigRequest".into(), union(&test_base, &tests));
    schemas.insert("IntegrationDetail".into(), union(&detail_base, &details));
    schemas.insert(
        "ConfigPatch".into(),
        any_of(
            &patches,
            "Changes to the config of an integration of any one type: a key left out keeps \
             its stored value, `null` removes it. The stored integration's type decides \
             which fields apply (422 for any other).",
        ),
    );
    for (schema, member) in [
        ("UpdateIntegrationRequest", "config"),
        ("TestIntegrationRequest", "configOverrides"),
    ] {
        let description = schemas[schema]["properties"][member]["description"].clone();
        let mut r = schema_ref("ConfigPatch");
        r["description"] = description;
        schemas[schema]["properties"][member] = r;
    }
    // Open objects on purpose: a JSON Schema document, and a webhook
    // payload that is the sender's own.
    schemas["IntegrationTypeInfo"]["properties"]["configSchema"]["additionalProperties"] =
        json!(true);
    schemas["SendMessageRequest"]["properties"]["data"]["additionalProperties"] = json!(true);

    // Only what changed is written back: utoipa reads its own rendering
    // of some schemas back differently.
    for (name, v) in schemas {
        if original.get(&name) == Some(&v) {
            continue;
        }
        let schema: RefOr<Schema> = serde_json::from_value(v)
            .unwrap_or_else(|e| panic!("the schema {name} rendered here reads back: {e}"));
        components.schemas.insert(name, schema);
    }
}
