import { PermanentSendError } from '@outpost/platform';
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
export class PermanentChannelError extends PermanentSendError {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentChannelError';
  }
}

export const CHANNELS = Symbol('CHANNELS');

/** HTTP status → retry? (shared with the outbound clients of @outpost/platform, whose errors the worker also honours) */
export { httpFailure } from '@outpost/platform';
