import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@outpost/platform';
import type { EscalationConfig } from './config/escalation.config';
import { escalationEntities } from './database/entities';

@Module({})
export class AppModule {
  static forConfig(config: EscalationConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'escalation', config, entities: escalationEntities })],
    };
  }
}
