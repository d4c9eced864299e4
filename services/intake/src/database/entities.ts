/** Every TypeORM entity of the intake schema. */
export const intakeEntities = [];
