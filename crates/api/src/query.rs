//! Query strings. Every query struct denies unknown fields and takes its
//! values as strings, so an unknown parameter is refused here, by name, and
//! an invalid value is refused by its handler, by name: `422` either way.
//! A query string that cannot be read at all is a `400`.

use actix_web::HttpRequest;
use actix_web::error::QueryPayloadError;

use crate::body::backticked;
use crate::problem::{ApiError, ProblemKind};

/// The error handler of every `Query<T>` extractor.
pub(crate) fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let text = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => String::new(),
    };
    if let Some(rest) = text.strip_prefix("unknown field ") {
        return unknown_parameter(rest).into();
    }
    let detail = if text.starts_with("duplicate field") {
        "The query string is invalid: a parameter is given more than once."
    } else {
        "The query string is invalid."
    };
    ApiError::new(ProblemKind::BadRequest, detail).into()
}

/// The longest parameter name a problem repeats.
const MAX_NAMED: usize = 64;

/// serde's "`name`, expected one of `a`, `b`" as a 422 on that parameter.
/// The expected names are the struct's own; the unknown name is repeated
/// only when it is a plain, short name, else the problem is on `query`.
fn unknown_parameter(rest: &str) -> ApiError {
    let name = backticked(rest).unwrap_or_default();
    let plain = !name.is_empty()
        && name.len() <= MAX_NAMED
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b));
    let expected = rest
        .find(", expected ")
        .map(|i| rest[i + ", expected ".len()..].replace('`', ""));
    let (field, message) = match (plain, expected) {
        (true, Some(e)) => (
            name,
            format!("is not a parameter of this request (expected {e})"),
        ),
        (true, None) => (name, "is not a parameter of this request".to_string()),
        (false, Some(e)) => (
            "query",
            format!("holds a parameter this request does not take (expected {e})"),
        ),
        (false, None) => (
            "query",
            "holds a parameter this request does not take".to_string(),
        ),
    };
    ApiError::field(field, message)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;
    use actix_web::web::Query;
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        #[serde(rename = "type")]
        kind: Option<String>,
        limit: Option<String>,
    }

    fn problem(query: &str) -> (u16, Vec<(String, String)>) {
        let req = TestRequest::with_uri(&format!("/x?{query}")).to_http_request();
        let err = Query::<Sample>::from_query(req.query_string())
            .map_err(|e| query_error(e, &req))
            .unwrap_err();
        let e = err.as_error::<ApiError>().unwrap();
        let fields = e
            .problem
            .errors
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect();
        (e.problem.status, fields)
    }

    #[test]
    fn an_unknown_parameter_is_named() {
        let (status, fields) = problem("typ=slack");
        assert_eq!(status, 422);
        assert_eq!(fields[0].0, "typ");
        assert_eq!(
            fields[0].1,
            "is not a parameter of this request (expected type or limit)"
        );
    }

    #[test]
    fn an_odd_name_is_not_repeated() {
        let (status, fields) = problem("%3Cscript%3E=1");
        assert_eq!(status, 422);
        assert_eq!(fields[0].0, "query");
        let (_, fields) = problem(&format!("{}=1", "a".repeat(65)));
        assert_eq!(fields[0].0, "query");
    }

    #[test]
    fn a_repeated_parameter_is_still_a_bad_request() {
        assert_eq!(problem("limit=1&limit=2").0, 400);
    }
}
