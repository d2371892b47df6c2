// Compiled by `make lint` with `tsc --strict`: a correct typed create
// compiles, and each `@ts-expect-error` line must be a type error (tsc
// fails if one compiles), so a config with a misspelled or missing
// required field is caught before it reaches the server.
import { createClient } from '../src/client/client';
import { createIntegration, getIntegration, updateIntegration } from '../src/client/sdk.gen';
import type { CreateIntegrationRequestWritable } from '../src/client/types.gen';

export async function example(baseUrl: string, apiKey: string): Promise<void> {
  const client = createClient({ baseUrl, auth: apiKey });

  const created = await createIntegration({
    client,
    throwOnError: true,
    body: {
      name: 'Ops alerts',
      type: 'slack',
      config: { webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX' },
    },
  });
  const id = created.data.id;

  // The ETag of a read is the version an update names in If-Match.
  const read = await getIntegration({ client, throwOnError: true, path: { integrationId: id } });
  const etag = read.response.headers.get('ETag') ?? '*';
  await updateIntegration({
    client,
    path: { integrationId: id },
    headers: { 'If-Match': etag },
    body: { name: 'Ops alerts (renamed)' },
  });
}

export const misspelled: CreateIntegrationRequestWritable = {
  name: 'x',
  type: 'discord',
  // @ts-expect-error webhookURL is not a Discord config field (webhookUrl is)
  config: { webhookURL: 'https://discord.com/api/webhooks/1/abc' },
};

export const missingRequired: CreateIntegrationRequestWritable = {
  name: 'x',
  type: 'telegram',
  // @ts-expect-error a Telegram config needs chatId
  config: { botToken: '123456:FAKE-token' },
};
