/** Every TypeORM entity of the escalation schema. */
export const escalationEntities = [];
