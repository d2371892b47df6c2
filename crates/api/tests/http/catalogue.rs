//! `/api/integration-types`: the catalogue of types, with each type's
//! config schema.

use serde_json::json;

use crate::common::{Harness, get_integration_type, list_integration_types};

#[actix_web::test]
async fn integration_types_serve_the_catalogue_with_schemas() {
    let h = Harness::new().await;
    let app = h.service().await;
    let list = list_integration_types(&app, &h.admin).await.expect(200);
    let data = list["data"].as_array().unwrap();
    let slugs: Vec<&str> = data.iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(
        slugs,
        [
            "discord",
            "slack",
            "telegram",
            "sendgrid",
            "resend",
            "webhook",
            "web3",
            "ai-gateway"
        ]
    );
    let sendgrid = &data[3];
    assert_eq!(sendgrid["id"], 4);
    assert_eq!(sendgrid["category"], "email");
    assert_eq!(sendgrid["media"], json!([]));
    assert_eq!(
        sendgrid["configSchema"]["properties"]["apiKey"]["writeOnly"],
        true
    );
    let one = get_integration_type(&app, &h.admin, "sendgrid")
        .await
        .expect(200);
    assert_eq!(&one, sendgrid);
}

#[actix_web::test]
async fn an_unknown_type_is_404() {
    let h = Harness::new().await;
    let app = h.service().await;
    get_integration_type(&app, &h.admin, "smoke-signals")
        .await
        .problem(404);
}
