import type { IncomingHttpHeaders } from 'node:http';
import { HttpReceiver as BaseReceiver } from '@outpost/testing';
import { verifyWebhook } from '../../src/channels/webhook-signature';

export type { ReceivedRequest } from '@outpost/testing';

/** @outpost/testing's HttpReceiver that also verifies webhook signatures when given the endpoint's secret. */
export class HttpReceiver extends BaseReceiver {
  secret: string | null = null;

  protected override verify(headers: IncomingHttpHeaders, body: string): boolean | null {
    return this.secret ? verifyWebhook(this.secret, headers, body, new Date()).ok : null;
  }
}
