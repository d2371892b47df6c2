//! Prometheus metrics at `/metrics`: the delivery workers' and the HTTP
//! request counts of this process.

use actix_web::HttpResponse;
use actix_web::web::Data;

use crate::ApiState;

/// Prometheus metrics (text exposition format). Not under `/api`: no key,
/// like the health probes; expose it to the scraper only.
pub async fn metrics(state: Data<ApiState>) -> HttpResponse {
    let Some(delivery) = state.delivery.as_ref() else {
        return HttpResponse::NotFound().finish();
    };
    let depth = match delivery.service.store().queue_depth().await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "reading the queue depth failed");
            Vec::new()
        }
    };
    let mut text = delivery.metrics.render(&depth);
    delivery.http.render_into(&mut text);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
