import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@outpost/platform';
import type { AssessmentConfig } from './config/assessment.config';
import { assessmentEntities } from './database/entities';

@Module({})
export class AppModule {
  static forConfig(config: AssessmentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'assessment', config, entities: assessmentEntities })],
    };
  }
}
