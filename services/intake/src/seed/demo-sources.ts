import 'reflect-metadata';
import { Client } from 'pg';
import type { SourceChannel } from '@outpost/contracts';
import { FieldCipher, loadEncryptionKey } from '@outpost/platform';
import { loadIntakeConfig, type IntakeConfig } from '../config/intake.config';
import { hashApiKey, keyPrefix } from '../sources/api-key';

/** A demo source system with a FIXED development key (printed at start; never used in production: config refuses it). */
export interface DemoSource {
  id: string;
  name: string;
  apiKey: string;
  channels: SourceChannel[];
  callbackUrl: string | null;
  webhookSecret: string | null;
  rateLimitPerMinute: number | null;
}

export const DEMO_SOURCES: DemoSource[] = [
  {
    id: 'demo-bank-icbc-tianhe',
    name: '工商银行天河支行（金融防非志愿者监测）',
    apiKey: 'demo-bank-key-icbc-th-2026-dev-only',
    channels: ['BANK_MONITOR'],
    callbackUrl: 'http://127.0.0.1:3990/callbacks/icbc',
    webhookSecret: 'demo-webhook-secret-icbc-dev-only',
    rateLimitPerMinute: null,
  },
  {
    id: 'demo-suisuian',
    name: '穗岁安平台（线索推送）',
    apiKey: 'demo-suisuian-key-2026-dev-only',
    channels: ['SYSTEM_ALERT', 'PUBLIC_REPORT'],
    callbackUrl: 'http://127.0.0.1:3990/callbacks/suisuian',
    webhookSecret: 'demo-webhook-secret-suisuian-dev-only',
    rateLimitPerMinute: null,
  },
  {
    id: 'demo-12345-hotline',
    name: '12345 政务服务热线（工单转办）',
    apiKey: 'demo-hotline-key-12345-2026-dev-only',
    channels: ['PUBLIC_REPORT', 'REFERRAL'],
    callbackUrl: null,
    webhookSecret: null,
    rateLimitPerMinute: null,
  },
  {
    id: 'demo-media-monitor',
    name: '网络舆情监测（媒体/广告巡查）',
    apiKey: 'demo-media-key-2026-dev-only-xyz',
    channels: ['MEDIA', 'SYSTEM_ALERT'],
    callbackUrl: null,
    webhookSecret: null,
    rateLimitPerMinute: 120,
  },
];

/** Upserts the demo sources through an open pg connection to the intake schema. Idempotent. */
export async function seedDemoSources(
  client: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  config: IntakeConfig,
  cipher: FieldCipher,
): Promise<DemoSource[]> {
  for (const s of DEMO_SOURCES) {
    await client.query(
      `INSERT INTO source (id, name, key_prefix, key_hash, channels, callback_url, webhook_secret_sealed, rate_limit_per_minute)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, key_prefix = EXCLUDED.key_prefix, key_hash = EXCLUDED.key_hash,
         channels = EXCLUDED.channels, callback_url = EXCLUDED.callback_url, webhook_secret_sealed = EXCLUDED.webhook_secret_sealed,
         rate_limit_per_minute = EXCLUDED.rate_limit_per_minute`,
      [
        s.id,
        s.name,
        keyPrefix(s.apiKey),
        hashApiKey(config.API_KEY_PEPPER, s.apiKey),
        s.channels,
        s.callbackUrl,
        s.webhookSecret ? cipher.encrypt(s.webhookSecret) : null,
        s.rateLimitPerMinute,
      ],
    );
  }
  return DEMO_SOURCES;
}

export function describeDemoSources(): string {
  // `[demo]` lines are what `npm start` collects from the seed log and prints.
  return DEMO_SOURCES.map(
    (s) => `[demo] intake X-Api-Key ${s.apiKey}  (${s.id}: ${s.name}; channels ${s.channels.join(', ')})`,
  ).join('\n');
}

/** CLI: `node dist/services/intake/src/seed/demo-sources.js` (after the service has migrated its schema once). */
async function main(): Promise<void> {
  const config = loadIntakeConfig();
  if (config.NODE_ENV === 'production') throw new Error('demo sources are never seeded in production');
  const cipher = new FieldCipher(loadEncryptionKey(config.ENCRYPTION_KEY, config.ENCRYPTION_KEY_FILE, false));
  const client = new Client({
    connectionString: config.DATABASE_ADMIN_URL,
    options: `-c search_path=${config.DATABASE_SCHEMA}`,
  });
  await client.connect();
  try {
    await seedDemoSources(client, config, cipher);
  } finally {
    await client.end();
  }
  console.log(describeDemoSources());
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
