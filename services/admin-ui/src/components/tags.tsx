import { Tag } from 'antd';
import type { Band } from '../api/types';
import { useI18n } from '../i18n/i18n';

const BAND_COLOR: Record<Band, string> = { red: 'red', orange: 'orange', yellow: 'gold', none: 'default' };

export function BandTag({ band }: { band: Band | string | null | undefined }) {
  const { tx } = useI18n();
  if (!band) return <>—</>;
  return (
    <Tag color={BAND_COLOR[band as Band] ?? 'default'} data-testid="band-tag">
      {tx('band', band)}
    </Tag>
  );
}

const STATUS_COLOR: Record<string, string> = {
  REPORTED: 'default',
  LINKED: 'default',
  TRIAGED: 'cyan',
  ASSIGNED: 'blue',
  IN_REVIEW: 'processing',
  VERIFYING: 'purple',
  OPINION_SUBMITTED: 'geekblue',
  DECIDED: 'volcano',
  DISPOSING: 'magenta',
  MONITORING: 'lime',
  REOPENED: 'warning',
  CLOSED: 'success',
};

export function StatusTag({ status }: { status: string | null | undefined }) {
  const { tx } = useI18n();
  if (!status) return <>—</>;
  return (
    <Tag color={STATUS_COLOR[status] ?? 'default'} data-testid="status-tag" data-status={status}>
      {tx('status', status)}
    </Tag>
  );
}

export function formatTime(iso: string | null | undefined, lang: 'zh' | 'en'): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', hour12: false });
}
