export * from './outbound-error';
export * from './sms-gateway.client';
export * from './smtp-mailer';
