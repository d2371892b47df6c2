//! A type's `config` as JSON Schema (draft 2020-12), for clients that
//! render forms or validate before sending.

use serde_json::{Map, Value, json};

use super::{FieldKind, IntegrationType, TypeSpec};
use crate::field_rules::ValidationPolicy;

impl TypeSpec {
    /// JSON Schema (draft 2020-12) of this type's `config` object. Secret
    /// fields are `writeOnly` and carry `x-secret: true`; an optional field
    /// may be `null`, which is the same as leaving it out.
    pub fn config_schema(&self, policy: &ValidationPolicy) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for field in &self.fields {
            let mut p = match field.kind {
                FieldKind::String => json!({"type": "string"}),
                FieldKind::Integer => json!({"type": "integer"}),
                FieldKind::IntegerOrString => json!({"type": ["integer", "string"]}),
                FieldKind::StringMap => {
                    json!({"type": "object", "additionalProperties": {"type": "string"}})
                }
            };
            if !field.required {
                // `null` is the same as leaving the field out.
                let nullable = match p["type"].take() {
                    Value::Array(mut types) => {
                        types.push(json!("null"));
                        Value::Array(types)
                    }
                    t => json!([t, "null"]),
                };
                p["type"] = nullable;
            }
            let obj = p.as_object_mut().expect("object literal");
            obj.insert("description".into(), json!(field.description));
            field.rule.describe(obj, policy);
            if field.secret {
                obj.insert("writeOnly".into(), json!(true));
                obj.insert("x-secret".into(), json!(true));
            }
            if !field.aliases.is_empty() {
                obj.insert("x-aliases".into(), json!(field.aliases));
            }
            props.insert(field.name.into(), p);
            if field.required {
                required.push(field.name);
            }
        }
        let mut schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": props,
            "required": required,
            "additionalProperties": false,
        });
        if self.kind == IntegrationType::Slack {
            schema["oneOf"] = json!([
                {"required": ["webhookUrl"], "not": {"required": ["botToken"]}},
                {"required": ["botToken", "channel"], "not": {"required": ["webhookUrl"]}},
            ]);
        }
        schema
    }
}
