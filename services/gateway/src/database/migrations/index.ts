import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { GatewayInitial1767100000000 } from './1767100000000-gateway-initial';
import { LeadSearchApart1769700000000 } from './1769700000000-LeadSearchApart';
import { LeadCaseState1769800000000 } from './1769800000000-LeadCaseState';
import { LeadHolder1769900000000 } from './1769900000000-LeadHolder';
import { LeadPendingApprovals1770000000000 } from './1770000000000-LeadPendingApprovals';
import { LeadDueSource1770100000000 } from './1770100000000-LeadDueSource';
import { AccountPasswordChange1770200000000 } from './1770200000000-AccountPasswordChange';

/** Every migration of the gateway schema, oldest first. */
export const gatewayMigrations = [
  GatewayInitial1767100000000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
  LeadSearchApart1769700000000,
  LeadCaseState1769800000000,
  LeadHolder1769900000000,
  LeadPendingApprovals1770000000000,
  LeadDueSource1770100000000,
  AccountPasswordChange1770200000000,
];
