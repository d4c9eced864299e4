/** Every TypeORM entity of the assessment schema. */
export const assessmentEntities = [];
