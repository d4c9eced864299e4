import type { Delivery } from '../deliveries/delivery.types';
import type { DeliveryChannel } from '../rules/rule.types';

/** What a channel reports back: the provider's id for the message, when it gives one. */
export interface SendResult {
  providerId?: string;
}

/** Every way of reaching someone: inbox, e-mail, SMS, webhook. `send` must be safe to call again for the same delivery. */
export interface Channel {
  readonly name: DeliveryChannel;
  send(delivery: Delivery): Promise<SendResult>;
}

/** A failure a retry cannot fix (no address, endpoint gone, request refused as invalid): the delivery goes DEAD at once. */
export class PermanentChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentChannelError';
  }
}

export const CHANNELS = Symbol('CHANNELS');

/** HTTP status → retry? 408/425/429 and 5xx are worth retrying; other 4xx will not get better by themselves. */
export function httpFailure(what: string, status: number, text: string): Error {
  const msg = `${what} answered HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status)
    ? new PermanentChannelError(msg)
    : new Error(msg);
}
