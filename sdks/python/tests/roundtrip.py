"""Drive a live server through the shipped Python SDK (sdks/python).

For every integration type, built from its typed config: create, list, get
(secrets absent, their hints present), update with If-Match (a stale one is
a typed 412 problem), test unsaved and saved with configOverrides, send and
follow the delivery, delete (then 404). Then the integer-id API's create,
get, update and delete. Providers are played by scripts/mock_providers.py,
which the server is configured to reach. Type-checked with `mypy --strict`.
Usage: roundtrip.py BASE_URL API_KEY MOCK_URL
"""

import sys
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from patchbay_api_client import AuthenticatedClient
from patchbay_api_client.api.deliveries import get_delivery, send_message
from patchbay_api_client.api.integer_id_integrations import (
    create_integer_id_integration,
    delete_integer_id_integration,
    get_integer_id_integration,
    update_integer_id_integration,
)
from patchbay_api_client.api.integrations import (
    create_integration,
    delete_integration,
    get_integration,
    list_integrations,
    test_integration,
    test_integration_config,
    update_integration,
)
from patchbay_api_client.models import (
    AiGatewayConfig,
    AiGatewayConfigPatch,
    AiGatewayIntegrationDetail,
    CreateAiGatewayIntegrationRequest,
    CreateAiGatewayIntegrationRequestType,
    CreateDiscordIntegrationRequest,
    CreateDiscordIntegrationRequestType,
    CreateResendIntegrationRequest,
    CreateResendIntegrationRequestType,
    CreateSendgridIntegrationRequest,
    CreateSendgridIntegrationRequestType,
    CreateSlackIntegrationRequest,
    CreateSlackIntegrationRequestType,
    CreateTelegramIntegrationRequest,
    CreateTelegramIntegrationRequestType,
    CreateWeb3IntegrationRequest,
    CreateWeb3IntegrationRequestType,
    CreateWebhookIntegrationRequest,
    CreateWebhookIntegrationRequestType,
    DeliveryDetail,
    DeliveryStatusDto,
    DiscordConfig,
    DiscordConfigPatch,
    DiscordIntegrationDetail,
    IntegerIdCreateRequest,
    IntegerIdIntegration,
    IntegerIdRequestData,
    IntegerIdUpdateRequest,
    IntegrationList,
    IntegrationTypeSlug,
    Problem,
    ResendConfig,
    ResendConfigPatch,
    ResendIntegrationDetail,
    SendgridConfig,
    SendgridConfigPatch,
    SendgridIntegrationDetail,
    SendMessageRequest,
    SendMessageRequestData,
    SendResponse,
    SlackConfigPatch,
    SlackConfigWithBotToken,
    SlackConfigWithWebhookUrl,
    SlackIntegrationDetail,
    TelegramConfig,
    TelegramConfigPatch,
    TelegramConfigPatchParseMode,
    TelegramIntegrationDetail,
    TestAiGatewayConfigRequest,
    TestAiGatewayConfigRequestType,
    TestDiscordConfigRequest,
    TestDiscordConfigRequestType,
    TestIntegrationRequest,
    TestResendConfigRequest,
    TestResendConfigRequestType,
    TestResponse,
    TestSendgridConfigRequest,
    TestSendgridConfigRequestType,
    TestSlackConfigRequest,
    TestSlackConfigRequestType,
    TestTelegramConfigRequest,
    TestTelegramConfigRequestType,
    TestVerdict,
    TestWeb3ConfigRequest,
    TestWeb3ConfigRequestType,
    TestWebhookConfigRequest,
    TestWebhookConfigRequestType,
    UpdateIntegrationRequest,
    Web3Config,
    Web3ConfigPatch,
    Web3IntegrationDetail,
    WebhookConfig,
    WebhookConfigPatch,
    WebhookConfigPatchMethod,
    WebhookIntegrationDetail,
)
from patchbay_api_client.types import Response

T = TypeVar("T")

# Fake credentials, each at least 16 characters so that the API shows a
# hint (its last four) for it; the mock accepts anything of the right shape.
TELEGRAM_TOKEN = "123456789:FAKEfakeFAKEfakeFAKEfake"

Detail = (
    AiGatewayIntegrationDetail
    | DiscordIntegrationDetail
    | ResendIntegrationDetail
    | SendgridIntegrationDetail
    | SlackIntegrationDetail
    | TelegramIntegrationDetail
    | Web3IntegrationDetail
    | WebhookIntegrationDetail
)
CreateRequest = (
    CreateAiGatewayIntegrationRequest
    | CreateDiscordIntegrationRequest
    | CreateResendIntegrationRequest
    | CreateSendgridIntegrationRequest
    | CreateSlackIntegrationRequest
    | CreateTelegramIntegrationRequest
    | CreateWeb3IntegrationRequest
    | CreateWebhookIntegrationRequest
)
TestConfigRequest = (
    TestAiGatewayConfigRequest
    | TestDiscordConfigRequest
    | TestResendConfigRequest
    | TestSendgridConfigRequest
    | TestSlackConfigRequest
    | TestTelegramConfigRequest
    | TestWeb3ConfigRequest
    | TestWebhookConfigRequest
)
ConfigPatch = (
    AiGatewayConfigPatch
    | DiscordConfigPatch
    | ResendConfigPatch
    | SendgridConfigPatch
    | SlackConfigPatch
    | TelegramConfigPatch
    | Web3ConfigPatch
    | WebhookConfigPatch
)


@dataclass
class Case:
    """One integration type, driven through the whole round trip."""

    detail: type[Detail]
    create: CreateRequest
    unsaved: TestConfigRequest
    # Secret fields and the values sent (None: generated by the server).
    secrets: dict[str, str | None]
    patch: ConfigPatch
    overrides: ConfigPatch
    # None: the type cannot send (the API answers a typed 422).
    message: SendMessageRequest | None


def fail(what: str) -> None:
    raise SystemExit(f"Python SDK round trip failed: {what}")


def check(cond: bool, what: str) -> None:
    if not cond:
        fail(what)


def expect(res: Response[Any], status: int, cls: type[T], what: str) -> T:
    """The parsed body of `res`, which must have `status` and be a `cls`."""
    check(res.status_code == status, f"{what}: answered {res.status_code} {res.content!r}")
    parsed = res.parsed
    if not isinstance(parsed, cls):
        fail(f"{what}: parsed as {type(parsed).__name__}, not {cls.__name__}")
    assert isinstance(parsed, cls)  # for the type checker
    return parsed


def etag_of(res: Response[Any], what: str) -> str:
    etag = res.headers.get("etag")
    if etag is None:
        fail(f"{what}: no ETag")
    assert etag is not None
    return etag


def cases(mock: str) -> list[Case]:
    text = SendMessageRequest(subject="Deploy", text="v1.2.3 is live")
    email = SendMessageRequest(subject="Deploy", text="v1.2.3 is live", to=["ops@example.com"])
    discord = DiscordConfig(webhook_url=f"{mock}/api/webhooks/123/fake-discord-token-0001", username="sdk")
    slack_hook = SlackConfigWithWebhookUrl(webhook_url=f"{mock}/services/T0/B0/fake-slack-hook-0001")
    slack_bot = SlackConfigWithBotToken(bot_token="xoxb-1-fake-slack-token", channel="C0123456789")
    telegram = TelegramConfig(bot_token=TELEGRAM_TOKEN, chat_id=-100123)
    sendgrid = SendgridConfig(api_key="SG.fake-sendgrid-key-0001", from_email="ops@example.com")
    resend = ResendConfig(api_key="re_fake_resend_key_0001", from_="Ops <ops@example.com>")
    webhook = WebhookConfig(url=f"{mock}/hooks/ok")
    web3 = Web3Config(rpc_url=f"{mock}/rpc", chain_id=1)
    ai = AiGatewayConfig(api_key="fake-ai-gateway-key-0001", base_url=f"{mock}/v1", default_model="openai/gpt-4o-mini")
    event = SendMessageRequest(event_type="deploy.finished", data=SendMessageRequestData.from_dict({"version": "1.2.3"}))
    return [
        Case(
            DiscordIntegrationDetail,
            CreateDiscordIntegrationRequest(name="Discord", type_=CreateDiscordIntegrationRequestType.DISCORD, config=discord),
            TestDiscordConfigRequest(type_=TestDiscordConfigRequestType.DISCORD, config=discord),
            {"webhookUrl": discord.webhook_url},
            DiscordConfigPatch(username="sdk2"),
            DiscordConfigPatch(username="override"),
            text,
        ),
        Case(
            SlackIntegrationDetail,
            CreateSlackIntegrationRequest(name="Slack webhook", type_=CreateSlackIntegrationRequestType.SLACK, config=slack_hook),
            TestSlackConfigRequest(type_=TestSlackConfigRequestType.SLACK, config=slack_hook),
            {"webhookUrl": slack_hook.webhook_url},
            SlackConfigPatch(channel="#ops"),
            SlackConfigPatch(channel="#override"),
            text,
        ),
        Case(
            SlackIntegrationDetail,
            CreateSlackIntegrationRequest(name="Slack bot", type_=CreateSlackIntegrationRequestType.SLACK, config=slack_bot),
            TestSlackConfigRequest(type_=TestSlackConfigRequestType.SLACK, config=slack_bot),
            {"botToken": slack_bot.bot_token},
            SlackConfigPatch(channel="C0000000001"),
            SlackConfigPatch(channel="C0000000002"),
            text,
        ),
        Case(
            TelegramIntegrationDetail,
            CreateTelegramIntegrationRequest(name="Telegram", type_=CreateTelegramIntegrationRequestType.TELEGRAM, config=telegram),
            TestTelegramConfigRequest(type_=TestTelegramConfigRequestType.TELEGRAM, config=telegram),
            {"botToken": TELEGRAM_TOKEN},
            TelegramConfigPatch(parse_mode=TelegramConfigPatchParseMode.HTML),
            TelegramConfigPatch(chat_id="@ops_channel"),
            text,
        ),
        Case(
            SendgridIntegrationDetail,
            CreateSendgridIntegrationRequest(name="SendGrid", type_=CreateSendgridIntegrationRequestType.SENDGRID, config=sendgrid),
            TestSendgridConfigRequest(type_=TestSendgridConfigRequestType.SENDGRID, config=sendgrid),
            {"apiKey": sendgrid.api_key},
            SendgridConfigPatch(from_name="Ops"),
            SendgridConfigPatch(from_name="Override"),
            email,
        ),
        Case(
            ResendIntegrationDetail,
            CreateResendIntegrationRequest(name="Resend", type_=CreateResendIntegrationRequestType.RESEND, config=resend),
            TestResendConfigRequest(type_=TestResendConfigRequestType.RESEND, config=resend),
            {"apiKey": resend.api_key},
            ResendConfigPatch(from_="Ops team <ops@example.com>"),
            ResendConfigPatch(from_="override@example.com"),
            email,
        ),
        Case(
            WebhookIntegrationDetail,
            CreateWebhookIntegrationRequest(name="Webhook", type_=CreateWebhookIntegrationRequestType.WEBHOOK, config=webhook),
            TestWebhookConfigRequest(type_=TestWebhookConfigRequestType.WEBHOOK, config=webhook),
            # The signing secret is generated when not given.
            {"url": webhook.url, "signingSecret": None},
            WebhookConfigPatch(method=WebhookConfigPatchMethod.PUT),
            WebhookConfigPatch(method=WebhookConfigPatchMethod.PATCH),
            event,
        ),
        Case(
            Web3IntegrationDetail,
            CreateWeb3IntegrationRequest(name="Web3", type_=CreateWeb3IntegrationRequestType.WEB3, config=web3),
            TestWeb3ConfigRequest(type_=TestWeb3ConfigRequestType.WEB3, config=web3),
            {"rpcUrl": web3.rpc_url},
            Web3ConfigPatch(wallet_address="0x" + "ab" * 20),
            Web3ConfigPatch(wallet_address="0x" + "cd" * 20),
            None,
        ),
        Case(
            AiGatewayIntegrationDetail,
            CreateAiGatewayIntegrationRequest(name="AI", type_=CreateAiGatewayIntegrationRequestType.AI_GATEWAY, config=ai),
            TestAiGatewayConfigRequest(type_=TestAiGatewayConfigRequestType.AI_GATEWAY, config=ai),
            {"apiKey": ai.api_key},
            AiGatewayConfigPatch(default_model="openai/gpt-4o"),
            AiGatewayConfigPatch(default_model="openai/gpt-4.1-mini"),
            SendMessageRequest(text="Say hi"),
        ),
    ]


def wait_delivered(client: AuthenticatedClient, delivery_id: str, what: str) -> DeliveryDetail:
    deadline = time.monotonic() + 15
    while True:
        d = expect(get_delivery.sync_detailed(delivery_id, client=client), 200, DeliveryDetail, f"{what}: get delivery")
        if d.status == DeliveryStatusDto.DELIVERED:
            return d
        check(d.status != DeliveryStatusDto.FAILED, f"{what}: delivery failed: {d.last_code} {d.last_error}")
        check(time.monotonic() < deadline, f"{what}: delivery still {d.status.value}")
        time.sleep(0.1)


def round_trip(client: AuthenticatedClient, case: Case) -> None:
    what = f"{case.create.type_.value} ({case.create.name})"
    secrets = [v for v in case.secrets.values() if v is not None]

    res = create_integration.sync_detailed(client=client, body=case.create)
    created = expect(res, 201, case.detail, f"{what}: create")
    check(created.id.startswith("int_"), f"{what}: prefixed id")
    check(not any(s in res.content.decode() for s in secrets), f"{what}: create returned a secret")

    listed = expect(
        list_integrations.sync_detailed(client=client, type_=IntegrationTypeSlug(case.create.type_.value), limit=100),
        200,
        IntegrationList,
        f"{what}: list",
    )
    check(any(i.id == created.id for i in listed.data), f"{what}: created integration is listed")

    res = get_integration.sync_detailed(created.id, client=client)
    got = expect(res, 200, case.detail, f"{what}: get")
    etag = etag_of(res, f"{what}: get")
    body = res.content.decode()
    check(not any(s in body for s in secrets), f"{what}: get returned a secret")
    check(not any(f in got.config.to_dict() for f in case.secrets), f"{what}: a secret field in config")
    hints = {s.field: s.hint for s in got.secrets}
    check(set(hints) == set(case.secrets), f"{what}: secrets named {sorted(hints)}")
    for field, value in case.secrets.items():
        hint = hints[field]
        check(hint is not None, f"{what}: no hint for {field}")
        if value is not None:
            check(hint == "…" + value[-4:], f"{what}: hint {hint!r} for {field}")

    res = update_integration.sync_detailed(
        created.id, client=client, if_match=etag,
        body=UpdateIntegrationRequest(name=f"{case.create.name} renamed", config=case.patch),
    )
    updated = expect(res, 200, case.detail, f"{what}: update with If-Match")
    check(updated.name == f"{case.create.name} renamed", f"{what}: renamed")
    check(updated.config.to_dict().items() >= case.patch.to_dict().items(), f"{what}: patch applied")
    check({s.field for s in updated.secrets} == set(case.secrets), f"{what}: secrets kept across an update")

    stale = update_integration.sync_detailed(
        created.id, client=client, if_match=etag, body=UpdateIntegrationRequest(name="lost update")
    )
    problem = expect(stale, 412, Problem, f"{what}: stale If-Match")
    check(problem.type_.endswith("/problems/precondition-failed"), f"{what}: 412 type {problem.type_}")

    verdict = expect(test_integration_config.sync_detailed(client=client, body=case.unsaved), 200, TestResponse, f"{what}: unsaved test")
    check(verdict.status == TestVerdict.SUCCESS, f"{what}: unsaved test said {verdict.status.value}: {verdict.message}")
    tested = test_integration.sync_detailed(
        created.id, client=client, body=TestIntegrationRequest(config_overrides=case.overrides)
    )
    verdict = expect(tested, 200, TestResponse, f"{what}: saved test with configOverrides")
    check(verdict.status == TestVerdict.SUCCESS, f"{what}: saved test said {verdict.status.value}: {verdict.message}")
    check(not any(s in tested.content.decode() for s in secrets), f"{what}: a test returned a secret")
    after = expect(get_integration.sync_detailed(created.id, client=client), 200, case.detail, f"{what}: get after test")
    check(after.config.to_dict().items() >= case.patch.to_dict().items(), f"{what}: configOverrides must not be saved")

    if case.message is None:
        refused = expect(send_message.sync_detailed(created.id, client=client, body=SendMessageRequest(text="hi")), 422, Problem, f"{what}: send")
        check(refused.status == 422, f"{what}: send refused")
    else:
        queued = send_message.sync_detailed(created.id, client=client, body=case.message)
        sent = expect(queued, 202, SendResponse, f"{what}: send")
        check(queued.headers.get("location") == f"/api/deliveries/{sent.id}", f"{what}: Location of the delivery")
        delivered = wait_delivered(client, sent.id, what)
        check(delivered.integration_id == created.id and delivered.attempt_count >= 1, f"{what}: delivery record")

    check(delete_integration.sync_detailed(created.id, client=client).status_code == 204, f"{what}: delete")
    expect(get_integration.sync_detailed(created.id, client=client), 404, Problem, f"{what}: get after delete")


def integer_id_round_trip(client: AuthenticatedClient, mock: str) -> None:
    what = "integer-id API"
    data = IntegerIdRequestData()
    # The integer-id API's data is an open object of snake_case config fields.
    data["url"] = f"{mock}/hooks/ok"
    res = create_integer_id_integration.sync_detailed(client=client, body=IntegerIdCreateRequest(integration=6, data=data))
    created = expect(res, 201, IntegerIdIntegration, f"{what}: create")
    check("url" not in created.data.additional_properties, f"{what}: the secret url returned")

    res = get_integer_id_integration.sync_detailed(created.id, client=client)
    got = expect(res, 200, IntegerIdIntegration, f"{what}: get")
    check(got.integration.id == 6 and got.integration.slug == IntegrationTypeSlug.WEBHOOK, f"{what}: type {got.integration.slug}")
    etag = etag_of(res, f"{what}: get")

    patch = IntegerIdRequestData()
    patch["method"] = "PUT"
    res = update_integer_id_integration.sync_detailed(created.id, client=client, if_match=etag, body=IntegerIdUpdateRequest(data=patch))
    updated = expect(res, 200, IntegerIdIntegration, f"{what}: update with If-Match")
    check(updated.data["method"] == "PUT", f"{what}: update applied: {updated.data.to_dict()}")
    stale = update_integer_id_integration.sync_detailed(created.id, client=client, if_match=etag, body=IntegerIdUpdateRequest(data=patch))
    expect(stale, 412, Problem, f"{what}: stale If-Match")

    check(delete_integer_id_integration.sync_detailed(created.id, client=client).status_code == 204, f"{what}: delete")
    expect(get_integer_id_integration.sync_detailed(created.id, client=client), 404, Problem, f"{what}: get after delete")


def main(base_url: str, key: str, mock: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=key)
    all_cases = cases(mock)
    for case in all_cases:
        round_trip(client, case)
    integer_id_round_trip(client, mock)
    print(f"Python SDK: {len(all_cases)} integrations of every type and the integer-id API round-tripped")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
