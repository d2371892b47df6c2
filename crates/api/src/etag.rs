//! Entity tags: an integration's version as an `ETag`, and the version an
//! `If-Match` header asks for. Both APIs use the same tag for one
//! integration (it carries the `int_…` id).

use actix_web::HttpRequest;
use actix_web::http::header;
use patchbay_domain::Integration;
use patchbay_domain::group::IntegrationGroup;

use crate::problem::{ApiError, ProblemKind};

/// A strong ETag over the configuration version: `"<id>-v<version>"`.
pub fn etag(i: &Integration) -> String {
    format!("\"{}-v{}\"", i.id, i.version)
}

/// An integration group's ETag, of the same form.
pub fn group_etag(g: &IntegrationGroup) -> String {
    format!("\"{}-v{}\"", g.id, g.version)
}

/// What a well-formed `If-Match` that can match no version asks for.
/// Versions start at 1, so the use case refuses it (412), but only once it
/// has validated the request: a bad body is a 422 whatever the tag.
pub const NO_VERSION: i64 = 0;

/// The version an `If-Match` header names for this integration.
///
/// Absent: no precondition. `*`: any current version. A header that is not
/// a list of entity tags is a malformed request (400). A well-formed list
/// must hold this integration's ETag (`"<id>-v<version>"`); a weak tag,
/// another integration's tag or a list naming several versions asks for
/// [`NO_VERSION`], which fails the precondition (412) after validation.
pub fn if_match_version(req: &HttpRequest, id: &str) -> Result<Option<i64>, ApiError> {
    let mut values = req.headers().get_all(header::IF_MATCH).peekable();
    if values.peek().is_none() {
        return Ok(None);
    }
    let malformed = || {
        ApiError::new(
            ProblemKind::BadRequest,
            "If-Match must be `*` or a list of entity tags such as the ETag this API returns.",
        )
    };
    let mut any = false;
    let mut versions: Vec<i64> = Vec::new();
    let mut tags = 0;
    for value in values {
        let text = value.to_str().map_err(|_| malformed())?;
        for tag in text.split(',').map(str::trim) {
            if tag == "*" {
                any = true;
            } else if is_entity_tag(tag) {
                if let Some(v) = parse_etag(tag, id) {
                    versions.push(v);
                }
            } else {
                return Err(malformed());
            }
            tags += 1;
        }
    }
    if tags == 0 {
        return Err(malformed());
    }
    versions.sort_unstable();
    versions.dedup();
    match versions.as_slice() {
        [v] => Ok(Some(*v)),
        [] if any => Ok(None),
        _ => Ok(Some(NO_VERSION)),
    }
}

/// RFC 9110 entity-tag: optional `W/`, then a quoted string of etagc.
fn is_entity_tag(tag: &str) -> bool {
    let quoted = tag.strip_prefix("W/").unwrap_or(tag);
    quoted.len() >= 2
        && quoted.starts_with('"')
        && quoted.ends_with('"')
        && quoted[1..quoted.len() - 1]
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80)
}

fn parse_etag(tag: &str, id: &str) -> Option<i64> {
    // Strong comparison only: a weak tag never matches. Ids are read in
    // either case, as everywhere else.
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    let (tag_id, version) = inner.rsplit_once("-v")?;
    if !tag_id.eq_ignore_ascii_case(id) {
        return None;
    }
    version.parse().ok()
}

#[cfg(test)]
mod tests {
    use actix_web::http::header;
    use actix_web::test::TestRequest;

    use patchbay_domain::IntegrationId;

    use super::*;

    #[test]
    fn if_match_forms() {
        let id = IntegrationId::generate();
        let other = IntegrationId::generate();
        let check = |v: Option<String>| {
            let mut r = TestRequest::default();
            if let Some(v) = v {
                r = r.insert_header((header::IF_MATCH, v));
            }
            if_match_version(&r.to_http_request(), id.as_str()).map_err(|e| e.problem.status)
        };
        assert_eq!(check(None), Ok(None));
        assert_eq!(check(Some(format!("\"{id}-v3\""))), Ok(Some(3)));
        assert_eq!(check(Some("*".into())), Ok(None));
        assert_eq!(
            check(Some(format!("\"{other}-v3\", \"{id}-v4\""))),
            Ok(Some(4))
        );
        let never = Ok(Some(NO_VERSION));
        assert_eq!(check(Some(format!("W/\"{id}-v3\""))), never);
        assert_eq!(check(Some(format!("\"{other}-v3\""))), never);
        assert_eq!(check(Some("garbage".into())), Err(400));
        assert_eq!(check(Some(String::new())), Err(400));
        assert_eq!(check(Some(format!("\"{id}-v3\",,"))), Err(400));
        assert_eq!(check(Some(format!("\"{id}-vx\""))), never);
        assert_eq!(check(Some(format!("\"{id}-v3\", \"{id}-v4\""))), never);
        assert_eq!(check(Some(format!("\"{id}-v0\""))), never);
    }
}
