import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SERVICE_CONFIG } from '@outpost/platform';
import { Client } from 'pg';
import { Subject } from 'rxjs';
import type { GatewayConfig } from '../config/gateway.config';
import { INBOX_ADDED_CHANNEL, type InboxPush } from '../inbox/inbox.consumer';
import { LEAD_CHANGED_CHANNEL } from './read-model.consumer';
import { LeadViewRepository, type LeadListRow } from './lead-view.repository';

/** Changed leads are loaded together: the ids notified within this many ms make one query. */
const LOAD_WINDOW_MS = 20;

/**
 * Read-model changes as a stream: LISTENs on the channel the consumer NOTIFYs in its transaction (so a change is seen
 * only once committed, by every gateway instance), loads the changed rows' list columns and emits them. Nothing is
 * loaded while no SSE connection listens; the ids notified within LOAD_WINDOW_MS are loaded in one query (a consumer
 * batch commits hundreds of changes at once). SSE connections filter by scope.
 * New inbox items arrive the same way (InboxConsumer's NOTIFY carries the item); SSE connections keep their own person's.
 */
@Injectable()
export class LiveUpdates implements OnModuleInit, OnModuleDestroy {
  readonly changes = new Subject<LeadListRow>();
  readonly inbox = new Subject<InboxPush>();
  private readonly logger = new Logger('LiveUpdates');
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly changed = new Set<string>();
  private loadTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly leads: LeadViewRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.loadTimer) clearTimeout(this.loadTimer);
    this.changes.complete();
    this.inbox.complete();
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      options: `-c search_path=${this.config.DATABASE_SCHEMA},public`,
    });
    client.on('notification', (msg) => {
      if (msg.channel === LEAD_CHANGED_CHANNEL && msg.payload) this.leadChanged(msg.payload);
      else if (msg.channel === INBOX_ADDED_CHANNEL && msg.payload) this.publishInbox(msg.payload);
    });
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'live-update listener lost its connection; reconnecting');
      this.reconnectSoon();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LEAD_CHANGED_CHANNEL}`);
      await client.query(`LISTEN ${INBOX_ADDED_CHANNEL}`);
      this.client = client;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'live-update listener could not connect; retrying');
      await client.end().catch(() => undefined);
      this.reconnectSoon();
    }
  }

  private reconnectSoon(): void {
    if (this.stopped || this.retry) return;
    const old = this.client;
    this.client = null;
    void old?.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, 2000);
  }

  private leadChanged(leadId: string): void {
    if (!this.changes.observed) return; // no SSE connection: nobody to tell
    this.changed.add(leadId);
    this.loadTimer ??= setTimeout(() => void this.publishChanged(), LOAD_WINDOW_MS);
  }

  private async publishChanged(): Promise<void> {
    this.loadTimer = null;
    const ids = [...this.changed];
    this.changed.clear();
    try {
      for (const row of await this.leads.listRows(ids)) this.changes.next(row);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, leads: ids.length },
        'could not load changed leads for live updates',
      );
    }
  }

  private publishInbox(payload: string): void {
    try {
      this.inbox.next(JSON.parse(payload) as InboxPush);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'unreadable inbox notification');
    }
  }
}
