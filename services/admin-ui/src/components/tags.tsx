import { Tag, Typography } from 'antd';
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

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * How long is left until a running deadline: days, or hours on its last day; red from two days out, "已超期" once
 * passed. Read when rendered (the lists and the case card refresh with their data).
 */
export function TimeLeft({ dueAt }: { dueAt: string }) {
  const { t } = useI18n();
  const ms = Date.parse(dueAt) - Date.now();
  const text =
    ms < 0
      ? t('case.clock.overdue')
      : ms < DAY_MS
        ? t('time.hoursLeft', { h: Math.max(1, Math.ceil(ms / HOUR_MS)) })
        : t('case.clock.left', { d: Math.ceil(ms / DAY_MS) });
  return (
    <Typography.Text type={ms <= 2 * DAY_MS ? 'danger' : 'secondary'} data-testid="time-left">
      {text}
    </Typography.Text>
  );
}
