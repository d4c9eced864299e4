import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SOURCE_CHANNELS, type SourceChannel } from '@outpost/contracts';

/** A source system (or the built-in gateway source for people filing through the admin UI). */
export interface SourceRow {
  id: string;
  name: string;
  keyPrefix: string | null;
  keyHash: string | null;
  channels: SourceChannel[];
  callbackUrl: string | null;
  rateLimitPerMinute: number | null;
  builtin: boolean;
  active: boolean;
}

/** The source leads filed by sentinels and volunteers through the gateway are attributed to. */
export const GATEWAY_SOURCE_ID = 'gateway';

interface Row {
  id: string;
  name: string;
  key_prefix: string | null;
  key_hash: string | null;
  channels: string[];
  callback_url: string | null;
  rate_limit_per_minute: number | null;
  builtin: boolean;
  active: boolean;
}

const COLUMNS = 'id, name, key_prefix, key_hash, channels, callback_url, rate_limit_per_minute, builtin, active';

function toSource(r: Row): SourceRow {
  return {
    id: r.id,
    name: r.name,
    keyPrefix: r.key_prefix,
    keyHash: r.key_hash,
    channels: r.channels.filter((c): c is SourceChannel => (SOURCE_CHANNELS as readonly string[]).includes(c)),
    callbackUrl: r.callback_url,
    rateLimitPerMinute: r.rate_limit_per_minute,
    builtin: r.builtin,
    active: r.active,
  };
}

export interface UpsertSource {
  id: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  channels: SourceChannel[];
  callbackUrl?: string | null;
  webhookSecretSealed?: string | null;
  rateLimitPerMinute?: number | null;
}

@Injectable()
export class SourceRepository {
  constructor(private readonly db: DataSource) {}

  async findByPrefix(prefix: string): Promise<SourceRow | null> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM source WHERE key_prefix = $1`, [prefix]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  async findById(id: string): Promise<SourceRow | null> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM source WHERE id = $1`, [id]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  /** Creates or updates a source (seed/CLI); the key hash is replaced, so a re-seed with the same key is a no-op. */
  async upsert(s: UpsertSource): Promise<void> {
    await this.db.query(
      `INSERT INTO source (id, name, key_prefix, key_hash, channels, callback_url, webhook_secret_sealed, rate_limit_per_minute)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, key_prefix = EXCLUDED.key_prefix, key_hash = EXCLUDED.key_hash,
         channels = EXCLUDED.channels, callback_url = EXCLUDED.callback_url,
         webhook_secret_sealed = EXCLUDED.webhook_secret_sealed, rate_limit_per_minute = EXCLUDED.rate_limit_per_minute`,
      [
        s.id,
        s.name,
        s.keyPrefix,
        s.keyHash,
        s.channels,
        s.callbackUrl ?? null,
        s.webhookSecretSealed ?? null,
        s.rateLimitPerMinute ?? null,
      ],
    );
  }
}
