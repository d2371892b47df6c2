//! Managed integrations are provisioned by the operator: an organization
//! sees them but cannot change or delete them.

use serde_json::json;

use crate::common::{Harness, SLACK_URL, delete_integration, get_integration, update_integration};

#[actix_web::test]
async fn managed_integrations_cannot_be_changed_or_deleted() {
    let h = Harness::new().await;
    let app = h.service().await;
    let managed = h
        .state
        .integrations
        .create(
            &h.admin.org,
            &patchbay_domain::Actor::Provisioning,
            patchbay_domain::service::CreateIntegration {
                name: "ops".into(),
                kind: patchbay_domain::IntegrationType::Slack,
                config: json!({"webhookUrl": SLACK_URL})
                    .as_object()
                    .unwrap()
                    .clone(),
                environment: None,
                status: None,
                is_managed: true,
            },
        )
        .await
        .unwrap();
    let id = managed.id.to_string();
    let before = get_integration(&app, &h.admin, &id).await.expect(200);
    assert_eq!(before["isManaged"], true);

    update_integration(&app, &h.admin, &id, &json!({"name": "mine now"}))
        .await
        .problem(409);
    delete_integration(&app, &h.admin, &id).await.problem(409);
    assert_eq!(
        get_integration(&app, &h.admin, &id).await.expect(200),
        before
    );
}
