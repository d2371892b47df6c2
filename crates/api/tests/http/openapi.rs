//! The OpenAPI document: deterministic, complete, and honest about auth.

use serde_json::{Value, json};

/// The document as served.
pub fn document() -> Value {
    serde_json::to_value(patchbay_api::openapi()).unwrap()
}

/// Every documented operation as (method, path, operation).
pub fn operations() -> Vec<(String, String, Value)> {
    let doc = document();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// Whether the operation at this path needs an API key: everything under
/// `/api` and `/integrations` except the document itself.
pub fn needs_a_key(path: &str) -> bool {
    (path.starts_with("/api/") || path.starts_with("/integrations")) && path != "/api/openapi.json"
}

/// The documented operations that need an API key.
pub fn keyed_operations() -> Vec<(String, String, Value)> {
    operations()
        .into_iter()
        .filter(|(_, path, _)| needs_a_key(path))
        .collect()
}

#[test]
fn document_is_deterministic() {
    let a = patchbay_api::openapi().to_pretty_json().unwrap();
    let b = patchbay_api::openapi().to_pretty_json().unwrap();
    assert_eq!(a, b);
    // A way to look at the document without running the service.
    if let Ok(path) = std::env::var("PATCHBAY_DUMP_OPENAPI") {
        std::fs::write(path, a).unwrap();
    }
}

#[test]
fn every_operation_has_an_id_and_a_tag() {
    for (method, path, op) in operations() {
        assert!(op["operationId"].is_string(), "{method} {path}");
        assert!(op["tags"][0].is_string(), "{method} {path}");
    }
}

/// Keyed operations declare bearer auth and a problem+json 401; the others
/// declare no security at all.
#[test]
fn operations_document_whether_they_need_a_key() {
    let mut public = 0;
    for (method, path, op) in operations() {
        if !needs_a_key(&path) {
            assert!(op.get("security").is_none(), "{method} {path}");
            public += 1;
            continue;
        }
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": []}]),
            "{method} {path}"
        );
        let problem =
            &op["responses"]["401"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem", "{method} {path}");
    }
    // The document itself, at least.
    assert!(public >= 1);
}

/// Keyed operations document the 429 an address gets past its limit of
/// refused keys, with `Retry-After`.
#[test]
fn keyed_operations_document_429_with_retry_after() {
    for (method, path, op) in keyed_operations() {
        let r = &op["responses"]["429"];
        assert_eq!(
            r["content"]["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem",
            "{method} {path}"
        );
        assert_eq!(
            r["headers"]["Retry-After"]["schema"]["type"], "integer",
            "{method} {path}"
        );
    }
}

/// The catalogue's schema of a type's config, as the document names it.
fn catalogue_schema(t: patchbay_domain::IntegrationType) -> Value {
    let mut s = t
        .spec()
        .config_schema(&patchbay_domain::validation::ValidationPolicy::default());
    s.as_object_mut().unwrap().remove("$schema");
    for p in s["properties"].as_object_mut().unwrap().values_mut() {
        p.as_object_mut().unwrap().remove("x-aliases");
    }
    s
}

fn pascal(slug: &str) -> String {
    slug.split('-')
        .map(|p| p[..1].to_uppercase() + &p[1..])
        .collect()
}

#[test]
fn each_types_config_is_the_catalogues_schema() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for t in patchbay_domain::IntegrationType::all() {
        let name = format!("{}Config", pascal(t.slug()));
        let expected = catalogue_schema(t);
        let documented = &schemas[&name];
        if let Some(alternatives) = expected.get("oneOf") {
            // Slack: one object per alternative, the excluded field left out.
            let variants = documented["oneOf"].as_array().unwrap();
            assert_eq!(variants.len(), alternatives.as_array().unwrap().len());
            for (v, alt) in variants.iter().zip(alternatives.as_array().unwrap()) {
                let r = v["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
                let variant = &schemas[r];
                assert_eq!(variant["required"], alt["required"], "{r}");
                assert_eq!(variant["additionalProperties"], json!(false));
                for excluded in alt["not"]["required"].as_array().unwrap() {
                    let excluded = excluded.as_str().unwrap();
                    assert!(variant["properties"].get(excluded).is_none(), "{r}");
                }
                for (field, rule) in variant["properties"].as_object().unwrap() {
                    let mut expected_rule = expected["properties"][field].clone();
                    // A field the alternative requires must hold a value.
                    if alt["required"].as_array().unwrap().contains(&json!(field)) {
                        expected_rule["type"] = json!("string");
                    }
                    assert_eq!(rule, &expected_rule, "{r}.{field}");
                }
            }
        } else {
            assert_eq!(documented, &expected, "{name}");
        }
        // Secrets are write-only on input and never in the detail's config.
        let view = &schemas[format!("{}ConfigView", pascal(t.slug()))];
        for f in &t.spec().fields {
            let documented_field = &expected["properties"][f.name];
            assert_eq!(documented_field["writeOnly"] == json!(true), f.secret);
            assert_eq!(
                view["properties"].get(f.name).is_some(),
                !f.secret,
                "{}",
                f.name
            );
        }
    }
}

#[test]
fn creates_tests_and_details_are_discriminated_by_type() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    for (union, member) in [
        ("CreateIntegrationRequest", "config"),
        ("TestConfigRequest", "config"),
        ("IntegrationDetail", "config"),
    ] {
        let u = &schemas[union];
        assert_eq!(u["discriminator"]["propertyName"], "type", "{union}");
        let mapping = u["discriminator"]["mapping"].as_object().unwrap();
        assert_eq!(mapping.len(), patchbay_domain::IntegrationType::all().len());
        for t in patchbay_domain::IntegrationType::all() {
            let r = mapping[t.slug()].as_str().unwrap();
            let variant = &schemas[r.rsplit('/').next().unwrap()];
            assert_eq!(variant["properties"]["type"]["enum"], json!([t.slug()]));
            let config = variant["properties"][member]["$ref"].as_str().unwrap();
            assert!(config.contains(&pascal(t.slug())), "{union} {config}");
        }
    }
}

/// Generators read an object without `additionalProperties` as one that
/// takes no keys (or any), so every object that lists no properties says
/// which.
#[test]
fn every_open_object_declares_additional_properties() {
    fn walk(v: &Value, at: &str, open: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let is_object = o.get("type") == Some(&json!("object"))
                    || o.get("type")
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.contains(&json!("object")));
                if is_object
                    && !o.contains_key("properties")
                    && !o.contains_key("additionalProperties")
                {
                    open.push(at.to_string());
                }
                for (k, v) in o {
                    walk(v, &format!("{at}/{k}"), open);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), open);
                }
            }
            _ => {}
        }
    }
    let mut open = Vec::new();
    walk(&document(), "", &mut open);
    assert!(open.is_empty(), "{open:#?}");
}
