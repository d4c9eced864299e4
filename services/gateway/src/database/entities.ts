/** Every TypeORM entity of the gateway schema. */
export const gatewayEntities = [];
