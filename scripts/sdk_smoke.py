"""Drive the live server through an SDK generated from openapi/openapi.json.

Proves the committed document produces a working client: create, list, read,
update, test and delete an integration, using only the generated code.
Usage: sdk_smoke.py BASE_URL API_KEY
"""

import sys

from patchbay_api_client import AuthenticatedClient
from patchbay_api_client.api.integrations import (
    create_integration,
    delete_integration,
    get_integration,
    list_integrations,
    test_integration,
    update_integration,
)
from patchbay_api_client.models import (
    CreateDiscordIntegrationRequest,
    CreateDiscordIntegrationRequestType,
    DiscordConfig,
    DiscordConfigPatch,
    DiscordIntegrationDetail,
    IntegrationList,
    IntegrationTypeSlug,
    TestIntegrationRequest,
    TestResponse,
    UpdateIntegrationRequest,
)

CANARY = "CANARY-sdk-5c1e"


def check(cond, what):
    if not cond:
        raise SystemExit(f"SDK smoke test failed: {what}")


def main(base_url: str, key: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=key, raise_on_unexpected_status=True)

    config = DiscordConfig(webhook_url=f"https://discord.com/api/webhooks/123/{CANARY}", username="sdk")
    res = create_integration.sync_detailed(
        client=client,
        body=CreateDiscordIntegrationRequest(
            name="SDK smoke", type_=CreateDiscordIntegrationRequestType.DISCORD, config=config
        ),
    )
    check(res.status_code == 201, f"create answered {res.status_code}")
    created = res.parsed
    check(isinstance(created, DiscordIntegrationDetail), "create returns a DiscordIntegrationDetail")
    check(created.id.startswith("int_"), "prefixed id")
    check(CANARY not in res.content.decode(), "secret never returned")

    listed = list_integrations.sync(client=client, type_=IntegrationTypeSlug.DISCORD, limit=50)
    check(isinstance(listed, IntegrationList), "list returns an IntegrationList")
    check(any(i.id == created.id for i in listed.data), "created integration is listed")

    res = get_integration.sync_detailed(created.id, client=client)
    check(res.status_code == 200 and isinstance(res.parsed, DiscordIntegrationDetail), "get")
    etag = res.headers.get("etag")
    check(etag, "get returns an ETag")
    check(res.parsed.config.username == "sdk", "non-secret config returned verbatim")
    check([s.field for s in res.parsed.secrets] == ["webhookUrl"], "secret names reported")

    res = update_integration.sync_detailed(
        created.id,
        client=client,
        if_match=etag,
        body=UpdateIntegrationRequest(
            name="SDK smoke renamed", config=DiscordConfigPatch(username="sdk2")
        ),
    )
    check(res.status_code == 200, f"update answered {res.status_code}")
    check(res.parsed.name == "SDK smoke renamed", "renamed")
    check([s.field for s in res.parsed.secrets] == ["webhookUrl"], "secret kept across a rename")

    stale = update_integration.sync_detailed(
        created.id, client=client, if_match=etag, body=UpdateIntegrationRequest(name="lost update")
    )
    check(stale.status_code == 412, f"stale If-Match answered {stale.status_code}")

    res = test_integration.sync_detailed(
        created.id,
        client=client,
        body=TestIntegrationRequest(
            config_overrides=DiscordConfigPatch(username="override")
        ),
    )
    check(res.status_code == 200 and isinstance(res.parsed, TestResponse), "test answers a verdict")
    check(res.parsed.status.value in ("success", "error"), "verdict is success or error")
    check(CANARY not in res.content.decode(), "secret never returned by a test")

    res = delete_integration.sync_detailed(created.id, client=client)
    check(res.status_code == 204, f"delete answered {res.status_code}")
    client.raise_on_unexpected_status = False
    res = get_integration.sync_detailed(created.id, client=client)
    check(res.status_code == 404, "gone after delete")
    print("SDK smoke test: create, list, get, update, test, delete all worked")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
