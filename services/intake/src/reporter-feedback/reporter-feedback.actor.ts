import type { Actor } from '@outpost/contracts';

/** Who records and sends reporter feedback in intake's audit log. */
export const REPORTER_FEEDBACK_ACTOR: Actor = { type: 'system', name: 'reporter-feedback' };
