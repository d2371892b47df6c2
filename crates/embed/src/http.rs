//! The HTTP API of a [`Patchbay`], to mount in the embedding service's own
//! actix-web application (the `http` feature).

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use patchbay_api::routes::deliveries::DeliveryApi;
use patchbay_api::{ApiConfig, ApiState, Authenticate, Mount};

use crate::Patchbay;

impl Patchbay {
    /// What the API's handlers need, over this instance's use cases.
    pub fn api_state(&self) -> ApiState {
        ApiState {
            integrations: self.integrations.clone(),
            tenants: self.store.clone(),
            delivery: Some(
                DeliveryApi::new(self.deliveries.clone(), self.metrics.clone())
                    .with_groups(self.groups.clone())
                    .with_bulk(self.bulk.clone()),
            ),
            failed_auth: Default::default(),
        }
    }

    /// The API under `prefix` (e.g. `/notifications`), authenticated with
    /// API keys until [`HttpMount::authenticator`] says otherwise. Build it
    /// once and call [`HttpMount::scope`] in each worker's app factory:
    ///
    /// ```no_run
    /// # async fn run(patchbay: patchbay_embed::Patchbay) -> std::io::Result<()> {
    /// let api = patchbay.mount("/notifications");
    /// actix_web::HttpServer::new(move || actix_web::App::new().service(api.scope()))
    ///     .bind(("127.0.0.1", 8080))?
    ///     .run()
    ///     .await
    /// # }
    /// ```
    pub fn mount(&self, prefix: &str) -> HttpMount {
        HttpMount {
            mount: Mount::new(prefix),
            state: self.api_state(),
        }
    }
}

/// The API of one [`Patchbay`] under a prefix; see [`Patchbay::mount`].
#[derive(Clone)]
pub struct HttpMount {
    mount: Mount,
    state: ApiState,
}

impl HttpMount {
    /// Authenticate requests the host's way: map each to an organization
    /// and scopes ([`patchbay_api::Principal::host`]).
    pub fn authenticator(mut self, authenticator: Arc<dyn Authenticate>) -> Self {
        self.mount = self.mount.authenticator(authenticator);
        self
    }

    /// With these HTTP limits (body size, key cache, CORS, ...).
    pub fn config(mut self, config: ApiConfig) -> Self {
        self.mount = self.mount.config(config);
        self
    }

    /// The OpenAPI document as served under the prefix.
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        self.mount.openapi()
    }

    /// The normalised prefix.
    pub fn prefix(&self) -> &str {
        self.mount.prefix()
    }

    /// The scope to pass to the host's `App::service`.
    pub fn scope(
        &self,
    ) -> actix_web::Scope<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody + use<>>,
            Error = actix_web::Error,
            InitError = (),
        > + use<>,
    > {
        self.mount.scope(self.state.clone())
    }
}
