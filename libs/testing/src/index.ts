export * from './infra';
export * from './auth';
export * from './http-receiver';
export * from './smtp-sink';
export * from './events';
export * from './plans';
