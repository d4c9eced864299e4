import type { Me, Role } from '../api/types';
import type { MessageKey } from '../i18n/dict';

export interface WorkQueue {
  key: string;
  label: MessageKey;
  /** Only for these roles (none: every lead reader). */
  roles?: readonly Role[];
  /** The fixed part of the queue's lead query (the user's filters narrow it further). */
  params: (user: Me | null) => Record<string, string>;
}

/** The work queues at /queue/:key, in menu order: the menu lists them, the leads page titles and filters by them. */
export const QUEUES: readonly WorkQueue[] = [
  // What the user holds now: assessments assigned to them, then the disposal cases they handle.
  // A sentinel holds no assessment: theirs are the on-site checks asked of them (交叉核实).
  {
    key: 'mine',
    label: 'menu.mine',
    params: (user): Record<string, string> =>
      user?.roles.every((r) => r === 'SENTINEL')
        ? { askedOf: 'me' }
        : { holder: 'me', stage: 'intake,assessment,escalation' },
  },
  // Roles that decide and oversee rather than hold assignments (their "my tasks" is mostly empty):
  {
    key: 'decide', // an opinion is in: an officer decides (or returns it for more work)
    label: 'menu.decide',
    roles: ['OFFICER', 'SUPERVISOR'],
    params: () => ({ status: 'OPINION_SUBMITTED' }),
  },
  {
    key: 'approve', // a referral or a measure (account query, seizure) waits for a head's approval (负责人批准)
    label: 'menu.approve',
    roles: ['SUPERVISOR'],
    params: () => ({ approval: 'pending' }),
  },
  {
    key: 'disposing', // decided, with escalation: measures, referrals, upstream reports, monitoring
    label: 'menu.disposing',
    roles: ['OFFICER', 'SUPERVISOR', 'STREET_RESPONSIBLE'],
    params: () => ({ status: 'DECIDED,DISPOSING,MONITORING' }),
  },
  {
    key: 'grid',
    label: 'menu.grid',
    params: (user): Record<string, string> => {
      if (user?.scope.gridIds.length) return { grid: user.scope.gridIds.join(',') };
      if (user?.scope.streetCodes.length) return { street: user.scope.streetCodes.join(',') };
      return {};
    },
  },
  { key: 'overdue', label: 'menu.overdue', params: () => ({ overdue: 'true' }) },
  { key: 'red', label: 'menu.red', params: () => ({ band: 'red', stage: 'intake,assessment,escalation' }) },
];

export const queueOf = (key: string | undefined): WorkQueue | undefined => QUEUES.find((q) => q.key === key);
