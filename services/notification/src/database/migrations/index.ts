import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { InitNotification1767312000000 } from './1767312000000-InitNotification';
import { DeliveryChildrenWithoutForeignKeys1769700000001 } from './1769700000001-DeliveryChildrenWithoutForeignKeys';
import { CaseStepRules1769900000001 } from './1769900000001-CaseStepRules';
import { DeliveryStatusIndex1770000000001 } from './1770000000001-DeliveryStatusIndex';
import { AssignmentNewsRules1770100000001 } from './1770100000001-AssignmentNewsRules';

/** Every migration of the notification schema, oldest first. */
export const notificationMigrations = [
  InitNotification1767312000000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
  DeliveryChildrenWithoutForeignKeys1769700000001,
  CaseStepRules1769900000001,
  DeliveryStatusIndex1770000000001,
  AssignmentNewsRules1770100000001,
];
