//! Conversions between the integer-id API's shapes and the use cases:
//! snake_case `data` to and from the catalogue's config fields, integer
//! type ids to types, and domain field paths to this API's.

use patchbay_domain::catalogue::FieldSpec;
use patchbay_domain::service::ListRequest;
use patchbay_domain::{DomainError, Environment, Integration, IntegrationType};
use serde_json::{Map, Value};

use super::shapes::{
    CATALOGUE_TIMESTAMP, IntegerIdData, IntegerIdIntegration, IntegerIdIntegrationType,
    IntegerIdListQuery,
};
use crate::dto::IntegrationTypeSlug;
use crate::problem::{ApiError, ProblemFieldError};
use crate::routes::{integration_list, invalid};

/// `fromEmail` → `from_email`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The config field with this snake_case name.
fn field_by_snake(kind: IntegrationType, snake: &str) -> Option<&'static FieldSpec> {
    kind.spec()
        .fields
        .iter()
        .find(|f| snake_case(f.name) == snake)
}

impl IntegerIdIntegrationType {
    /// The integer-id API's view of `kind`'s catalogue entry.
    pub fn new(kind: IntegrationType) -> Self {
        let spec = kind.spec();
        Self {
            id: spec.id,
            name: spec.name.to_string(),
            description: format!("integrations.{}.description", spec.slug),
            category: format!("integrations.{}.category", spec.slug),
            slug: IntegrationTypeSlug::from_kind(kind),
            created_at: CATALOGUE_TIMESTAMP,
            updated_at: CATALOGUE_TIMESTAMP,
            media: Vec::new(),
        }
    }
}

impl From<&Integration> for IntegerIdIntegration {
    fn from(i: &Integration) -> Self {
        let fields = i
            .config
            .plain_json()
            .into_iter()
            .map(|(k, v)| (snake_case(&k), v))
            .collect();
        Self {
            id: i.seq,
            data: IntegerIdData {
                change_keys: false,
                environment: i.environment.into(),
                fields,
            },
            integration: IntegerIdIntegrationType::new(i.kind),
            status: i.status.into(),
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A request's `data`, read against the type.
pub(super) struct ReadData {
    pub environment: Option<Environment>,
    pub change_keys: bool,
    /// Canonical (camelCase) config keys.
    pub config: Map<String, Value>,
    /// The snake_case names of the secret fields sent.
    pub secrets_sent: Vec<String>,
}

fn type_ids() -> String {
    IntegrationType::all()
        .iter()
        .map(|t| format!("{} ({})", t.id(), t.slug()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn kind_from_id(id: i64) -> Result<IntegrationType, ApiError> {
    IntegrationType::from_id(id).ok_or_else(|| {
        ApiError::field(
            "integration",
            format!("must be the id of a catalogue type: {}", type_ids()),
        )
    })
}

pub(super) fn read_data(
    kind: IntegrationType,
    data: Map<String, Value>,
) -> Result<ReadData, ApiError> {
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let mut invalid =
        |field: String, message: String| errors.push(ProblemFieldError { field, message });
    let mut read = ReadData {
        environment: None,
        change_keys: false,
        config: Map::new(),
        secrets_sent: Vec::new(),
    };
    for (key, value) in data {
        match key.as_str() {
            "environment" => match value.as_str().and_then(Environment::parse) {
                Some(e) => read.environment = Some(e),
                None => invalid(
                    "data.environment".into(),
                    "must be one of: stage, production".into(),
                ),
            },
            "changeKeys" => match value {
                Value::Bool(b) => read.change_keys = b,
                _ => invalid("data.changeKeys".into(), "must be a boolean".into()),
            },
            _ => match field_by_snake(kind, &key) {
                Some(field) => {
                    if field.secret {
                        read.secrets_sent.push(key.clone());
                    }
                    read.config.insert(field.name.to_string(), value);
                }
                None => {
                    let expected: Vec<String> = ["environment".to_string(), "changeKeys".into()]
                        .into_iter()
                        .chain(kind.spec().fields.iter().map(|f| snake_case(f.name)))
                        .collect();
                    invalid(
                        format!("data.{key}"),
                        format!(
                            "is not a field of type `{}` (expected one of: {})",
                            kind.slug(),
                            expected.join(", ")
                        ),
                    );
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Domain paths (`config.fromEmail`) as this API names them
/// (`data.from_email`).
pub(super) fn domain_error(kind: IntegrationType, e: DomainError) -> ApiError {
    let DomainError::Validation(errors) = e else {
        return e.into();
    };
    let fields = errors
        .0
        .into_iter()
        .map(|fe| {
            let field = match fe.field.strip_prefix("config.") {
                Some(rest) => {
                    let (name, tail) = match rest.find(['.', '[']) {
                        Some(i) => rest.split_at(i),
                        None => (rest, ""),
                    };
                    let name = kind
                        .canonical_field(name)
                        .map_or_else(|| name.to_string(), |f| snake_case(f.name));
                    format!("data.{name}{tail}")
                }
                None => fe.field,
            };
            ProblemFieldError {
                field,
                message: fe.message,
            }
        })
        .collect();
    ApiError::validation(fields)
}

/// A malformed, unknown or another organization's id: one answer.
pub(super) fn parse_seq(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(n) if n > 0 && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(ApiError::not_found()),
    }
}

pub(super) fn list_request(q: IntegerIdListQuery) -> Result<ListRequest, ApiError> {
    let mut errors: Vec<ProblemFieldError> = Vec::new();
    let kind = q.integration.as_deref().and_then(|s| {
        let t = s.parse::<i64>().ok().and_then(IntegrationType::from_id);
        if t.is_none() {
            invalid(
                &mut errors,
                "integration",
                format!("must be the id of a catalogue type: {}", type_ids()),
            );
        }
        t
    });
    integration_list(
        kind,
        q.status.as_deref(),
        q.environment.as_deref(),
        q.limit.as_deref(),
        q.cursor,
        errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names_are_unique_per_type_and_round_trip() {
        for kind in IntegrationType::all() {
            let mut seen = std::collections::BTreeSet::new();
            for f in &kind.spec().fields {
                let snake = snake_case(f.name);
                assert!(seen.insert(snake.clone()), "{snake} twice in {kind:?}");
                assert_ne!(snake, "environment");
                assert_ne!(snake, "changeKeys");
                assert_eq!(field_by_snake(kind, &snake).map(|x| x.name), Some(f.name));
            }
        }
        assert_eq!(snake_case("fromEmail"), "from_email");
        assert_eq!(snake_case("apiKey"), "api_key");
    }

    #[test]
    fn secrets_sent_are_named_and_unknown_fields_refused() {
        let data =
            serde_json::json!({"environment": "stage", "api_key": "SG.x", "from_email": "a@b.co"});
        let read = read_data(IntegrationType::Sendgrid, data.as_object().unwrap().clone())
            .ok()
            .unwrap();
        assert_eq!(read.secrets_sent, vec!["api_key"]);
        assert!(read.config.contains_key("apiKey") && read.config.contains_key("fromEmail"));
        let bad = serde_json::json!({"apiKey": "SG.x", "environment": "moon"});
        let err = read_data(IntegrationType::Sendgrid, bad.as_object().unwrap().clone())
            .err()
            .unwrap();
        let fields: Vec<String> = err
            .problem
            .errors
            .unwrap()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, vec!["data.apiKey", "data.environment"]);
    }

    #[test]
    fn domain_paths_become_snake_case() {
        let mut v = patchbay_domain::validation::ValidationErrors::default();
        v.push("config.fromEmail", "must be an email address");
        let e = domain_error(IntegrationType::Sendgrid, DomainError::Validation(v));
        assert_eq!(e.problem.errors.unwrap()[0].field, "data.from_email");
        assert_eq!(parse_seq("12").ok(), Some(12));
        for bad in ["0", "-1", "+1", "x", "99999999999999999999", " 1"] {
            assert!(parse_seq(bad).is_err(), "{bad}");
        }
    }
}
