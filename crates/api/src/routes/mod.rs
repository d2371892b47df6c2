//! The handlers, one module per resource. Each maps HTTP to one use case:
//! no SQL and no provider logic here.

pub mod audit;
pub mod deliveries;
pub mod health;
pub mod integrations;
pub mod typed;
pub mod types;
