//! Prometheus metrics at `/metrics`: the delivery workers', the HTTP
//! requests', the process's and the build's.

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
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(error = %e, "reading the queue depth failed");
            None
        }
    };
    let mut text = delivery.metrics.render(depth.as_deref());
    delivery.http.render_into(&mut text);
    crate::process_metrics::render_into(&mut text);
    crate::metrics::render_build_info(&mut text);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text)
}
