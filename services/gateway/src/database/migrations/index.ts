import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { GatewayInitial1767100000000 } from './1767100000000-gateway-initial';

/** Every migration of the gateway schema, oldest first. */
export const gatewayMigrations = [
  GatewayInitial1767100000000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
];
