import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@outpost/platform';
import type { GatewayConfig } from './config/gateway.config';
import { gatewayEntities } from './database/entities';

@Module({})
export class AppModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'gateway', config, entities: gatewayEntities })],
    };
  }
}
