import { api, queryString } from '../api/client';

/** One item of the signed-in user's inbox (站内信), as GET /api/v1/inbox returns it. */
export interface InboxItem {
  id: string;
  eventType: string;
  leadId: string | null;
  title: string;
  body: string;
  urgent: boolean;
  createdAt: string;
  readAt: string | null;
}

/** What the live stream pushes as `event: inbox` (no body: the list fetches it). */
export interface InboxPush {
  itemId: string;
  personId: string;
  eventType: string;
  leadId: string | null;
  title: string;
  urgent: boolean;
  createdAt: string;
}

export const INBOX_PAGE_SIZE = 20;

/** React Query keys: the live stream invalidates ['inbox'] (both). */
export const INBOX_KEYS = {
  all: ['inbox'] as const,
  unread: ['inbox', 'unread'] as const,
  list: (unreadOnly: boolean) => ['inbox', 'list', unreadOnly] as const,
};

export const inboxApi = {
  list: (o: { unreadOnly: boolean; before?: string }) =>
    api<{ items: InboxItem[]; unread: number }>(
      `/api/v1/inbox${queryString({ unread: o.unreadOnly ? 'true' : undefined, limit: INBOX_PAGE_SIZE, before: o.before })}`,
    ),
  unreadCount: () => api<{ unread: number }>('/api/v1/inbox/unread-count'),
  markRead: (id: string) =>
    api<InboxItem & { unread: number }>(`/api/v1/inbox/${encodeURIComponent(id)}/read`, { method: 'POST' }),
  markAllRead: () => api<{ updated: number; unread: number }>('/api/v1/inbox/read-all', { method: 'POST' }),
};
