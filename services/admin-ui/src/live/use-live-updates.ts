import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { INBOX_KEYS, type InboxPush } from '../inbox/inbox-api';

/**
 * Server-sent events from the gateway (the httpOnly access cookie authenticates the stream). Every `lead` event
 * invalidates the lead lists, that lead's detail and the dashboard, so open pages refetch what changed. An `inbox`
 * event (a new item in the user's own inbox) invalidates the inbox badge and list, then calls `onInbox`.
 */
export function useLiveUpdates(enabled: boolean, onInbox?: (item: InboxPush) => void): boolean {
  const qc = useQueryClient();
  const [connected, setConnected] = useState(false);
  // The latest callback without reopening the stream when it changes.
  const inboxHandler = useRef(onInbox);
  inboxHandler.current = onInbox;
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/v1/events/stream');
    es.addEventListener('ready', () => setConnected(true));
    es.addEventListener('lead', (e) => {
      let id: string | null = null;
      try {
        id = (JSON.parse((e as MessageEvent<string>).data) as { id?: string }).id ?? null;
      } catch {
        id = null;
      }
      void qc.invalidateQueries({ queryKey: ['leads'] });
      void qc.invalidateQueries({ queryKey: ['dashboard'] });
      if (id) {
        void qc.invalidateQueries({ queryKey: ['lead', id] });
        void qc.invalidateQueries({ queryKey: ['allowed', id] });
      }
    });
    es.addEventListener('inbox', (e) => {
      void qc.invalidateQueries({ queryKey: INBOX_KEYS.all });
      try {
        inboxHandler.current?.(JSON.parse((e as MessageEvent<string>).data) as InboxPush);
      } catch {
        // an unreadable frame still refreshed the inbox above
      }
    });
    es.onerror = () => setConnected(false);
    es.onopen = () => setConnected(true);
    return () => {
      es.close();
      setConnected(false);
    };
  }, [enabled, qc]);
  return connected;
}
