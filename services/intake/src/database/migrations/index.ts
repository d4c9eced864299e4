/** Every migration of the intake schema, oldest first. */
export const intakeMigrations = [];
