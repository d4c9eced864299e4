/** Every migration of the assessment schema, oldest first. */
export const assessmentMigrations = [];
