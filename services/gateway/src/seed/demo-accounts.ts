import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { GatewayConfig } from '../config/gateway.config';
import { AccountRepository } from '../auth/account.repository';
import { AuthService } from '../auth/auth.service';

/** Demo logins for the demo roster (docs/SHARED-FACTS.md). Roles and scope are NOT here: they arrive from roster events. */
export const DEMO_ACCOUNTS: ReadonlyArray<{ personId: string; login: string }> = [
  { personId: 'p-sentinel-1', login: 'sentinel1' },
  { personId: 'p-volunteer-1', login: 'volunteer1' },
  { personId: 'p-sentinel-2', login: 'sentinel2' },
  { personId: 'p-volunteer-2', login: 'volunteer2' },
  { personId: 'p-volunteer-3', login: 'volunteer3' },
  { personId: 'p-street-1', login: 'street1' },
  { personId: 'p-officer-1', login: 'officer1' },
  { personId: 'p-officer-2', login: 'officer2' },
  { personId: 'p-supervisor-1', login: 'supervisor1' },
  { personId: 'p-operator-1', login: 'operator1' },
  { personId: 'p-admin-1', login: 'admin1' },
];

/** Dev/demo only: the shared demo password. Never used unless DEMO_DATA=true (refused in production by config). */
export const DEMO_PASSWORD = 'Outpost@2026';

/** Creates the missing demo accounts at start when DEMO_DATA=true; existing accounts (and changed passwords) stay. */
@Injectable()
export class DemoAccountsSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoAccounts');

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
    private readonly accounts: AccountRepository,
    private readonly auth: AuthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.DEMO_DATA) return;
    const created = await seedDemoAccounts(this.accounts, this.auth);
    this.logger.log(
      `demo accounts: ${created} created, ${DEMO_ACCOUNTS.length - created} already present (password for all: see docs/SHARED-FACTS.md)`,
    );
  }
}

export async function seedDemoAccounts(accounts: AccountRepository, auth: AuthService): Promise<number> {
  let created = 0;
  for (const a of DEMO_ACCOUNTS) {
    if (await accounts.byPerson(a.personId)) continue;
    if (await accounts.createIfMissing(a.personId, a.login, await auth.hashPassword(DEMO_PASSWORD))) created++;
  }
  return created;
}
