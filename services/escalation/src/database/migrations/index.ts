/** Every migration of the escalation schema, oldest first. */
export const escalationMigrations = [];
