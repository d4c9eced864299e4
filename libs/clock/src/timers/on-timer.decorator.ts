import { SetMetadata } from '@nestjs/common';

export const ON_TIMER_METADATA = 'outpost:on-timer';

/**
 * Marks a provider method as the handler of a timer kind: `@OnTimer('sla.claim') async onClaimDue(timer, tx) {}`.
 * The method runs inside the transaction that marks the timer FIRED; write effects through `tx`.
 */
export const OnTimer = (kind: string): MethodDecorator => SetMetadata(ON_TIMER_METADATA, kind);
