//! The integer-id API at `/integrations`: the same integrations as
//! `/api/integrations`, in another shape, over the same use cases.
//!
//! - A type is named by its catalogue integer id (`integration: 4` is
//!   SendGrid); config fields are the catalogue's, in snake_case
//!   (`fromEmail` → `from_email`), derived by rule, never listed twice.
//! - `id` is the integration's `seq`: a positive integer assigned at
//!   creation, never changed and never reused, unique across the
//!   installation. The same integration has an `int_…` id at `/api/integrations`;
//!   both name one row, and its `ETag` (which carries the `int_…` id) is the
//!   same in both.
//! - Secret fields are never returned. On `PUT`, a secret field is accepted
//!   only with `data.changeKeys: true`, and then the secrets sent replace
//!   the whole stored set; without it the stored secrets are kept.
//!
//! One module: [`shapes`] (its requests and responses), [`convert`] (to and
//! from the use cases) and [`handlers`].

pub mod convert;
pub mod handlers;
pub mod shapes;
