/** Every migration of the notification schema, oldest first. */
export const notificationMigrations = [];
