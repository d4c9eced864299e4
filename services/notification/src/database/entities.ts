/** Every TypeORM entity of the notification schema. */
export const notificationEntities = [];
