import 'reflect-metadata';
import { runService, ServiceBootstrap } from '@outpost/platform';
import { AppModule } from './app.module';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway.config';
import { gatewayMigrations } from './database/migrations';

/** Everything needed to build the gateway app; integration tests call createServiceApp() with it. */
export function gatewayBootstrap(config: GatewayConfig): ServiceBootstrap {
  return {
    service: 'gateway',
    title: 'Outpost gateway API',
    module: AppModule.forConfig(config),
    config,
    migrations: gatewayMigrations,
  };
}

if (require.main === module) {
  runService(gatewayBootstrap(loadGatewayConfig())).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
