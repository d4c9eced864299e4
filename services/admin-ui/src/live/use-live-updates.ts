import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';

/**
 * Server-sent events from the gateway (the httpOnly access cookie authenticates the stream). Every `lead` event
 * invalidates the lead lists, that lead's detail and the dashboard, so open pages refetch what changed.
 */
export function useLiveUpdates(enabled: boolean): boolean {
  const qc = useQueryClient();
  const [connected, setConnected] = useState(false);
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
    es.onerror = () => setConnected(false);
    es.onopen = () => setConnected(true);
    return () => {
      es.close();
      setConnected(false);
    };
  }, [enabled, qc]);
  return connected;
}
