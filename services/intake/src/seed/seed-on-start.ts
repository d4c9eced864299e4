import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG } from '@outpost/platform';
import { FieldCipher } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import { describeDemoSources, seedDemoSources } from './demo-sources';

/** With DEMO_DATA=true (what `npm start` sets locally) the demo sources are upserted at start and their keys printed. */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IntakeConfig,
    private readonly db: DataSource,
    private readonly cipher: FieldCipher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.DEMO_DATA) return;
    await seedDemoSources(this.db, this.config, this.cipher);
    this.logger.log(describeDemoSources());
  }
}
