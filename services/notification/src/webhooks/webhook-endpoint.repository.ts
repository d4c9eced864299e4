import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@outpost/platform';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotificationConfig } from '../config/notification.config';
import { FieldCipher, loadEncryptionKey } from '@outpost/platform';

export interface WebhookEndpoint {
  id: string;
  sourceId: string;
  url: string;
  keyId: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  source_id: string;
  url: string;
  key_id: string;
  secret_enc: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}
const toEndpoint = (r: Row): WebhookEndpoint => ({
  id: r.id,
  sourceId: r.source_id,
  url: r.url,
  keyId: r.key_id,
  active: r.active,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Where each source system wants its status/outcome callbacks.
 *
 * DECISION (issue 7): intake owns the source systems and may one day hold their callback URL and secret, but no
 * service may read another's tables and no event carries a secret (nor should one: Kafka is not a secret store). So
 * notification keeps its own `webhook_endpoint` per source id, managed by ADMIN/OPERATOR through
 * /v1/webhook-endpoints; the source id of each lead comes from `intake.lead-registered.v1` (sourceId). The HMAC secret
 * is stored AES-256-GCM sealed with ENCRYPTION_KEY (or .outpost/keys/encryption-key) and is never returned by the API.
 */
@Injectable()
export class WebhookEndpointRepository {
  private readonly cipher: FieldCipher;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
  ) {
    this.cipher = new FieldCipher(
      loadEncryptionKey(config.ENCRYPTION_KEY, config.ENCRYPTION_KEY_FILE, config.NODE_ENV === 'production'),
    );
  }

  async list(): Promise<WebhookEndpoint[]> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM webhook_endpoint ORDER BY source_id`);
    return rows.map(toEndpoint);
  }

  async get(db: DataSource | EntityManager, id: string): Promise<WebhookEndpoint | null> {
    const rows: Row[] = await db.query(`SELECT * FROM webhook_endpoint WHERE id = $1`, [id]);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  /** The endpoint and its decrypted secret, for signing (never leaves the process). */
  async activeForSource(sourceId: string): Promise<(WebhookEndpoint & { secret: string }) | null> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM webhook_endpoint WHERE source_id = $1 AND active`, [
      sourceId,
    ]);
    const r = rows[0];
    return r ? { ...toEndpoint(r), secret: this.cipher.decrypt(r.secret_enc) } : null;
  }

  async hasActive(tx: EntityManager, sourceId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM webhook_endpoint WHERE source_id = $1 AND active`, [
      sourceId,
    ]);
    return rows.length > 0;
  }

  async insert(
    tx: EntityManager,
    e: { id: string; sourceId: string; url: string; keyId: string; secret: string; active: boolean },
  ): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO webhook_endpoint (id, source_id, url, key_id, secret_enc, active) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (source_id) DO NOTHING RETURNING id`,
      [e.id, e.sourceId, e.url, e.keyId, this.cipher.encrypt(e.secret), e.active],
    );
    return rows.length > 0;
  }

  async update(
    tx: EntityManager,
    id: string,
    patch: { url?: string; keyId?: string; secret?: string; active?: boolean },
  ): Promise<void> {
    await tx.query(
      `UPDATE webhook_endpoint SET url = COALESCE($2, url), key_id = COALESCE($3, key_id), secret_enc = COALESCE($4, secret_enc),
         active = COALESCE($5, active), updated_at = now() WHERE id = $1`,
      [
        id,
        patch.url ?? null,
        patch.keyId ?? null,
        patch.secret !== undefined ? this.cipher.encrypt(patch.secret) : null,
        patch.active ?? null,
      ],
    );
  }
}
