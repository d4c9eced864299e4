import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@outpost/platform';
import type { IntakeConfig } from './config/intake.config';
import { intakeEntities } from './database/entities';

@Module({})
export class AppModule {
  static forConfig(config: IntakeConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'intake', config, entities: intakeEntities })],
    };
  }
}
