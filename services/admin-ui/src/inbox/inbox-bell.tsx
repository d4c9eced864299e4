import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { Alert, App, Badge, Button, Drawer, Empty, Flex, Segmented, Space, Tag, Tooltip, Typography } from 'antd';
import { BellOutlined, CheckOutlined } from '@ant-design/icons';
import { ApiError, errorText } from '../api/client';
import { PAGE_ROLES, useAuth } from '../auth/auth';
import { formatTime } from '../components/tags';
import { useI18n } from '../i18n/i18n';
import { INBOX_KEYS, INBOX_PAGE_SIZE, inboxApi, type InboxItem } from './inbox-api';

/**
 * The header bell: unread count as a badge; opens the inbox drawer (newest first, "load more" by keyset, mark read,
 * mark all read, a link to the lead). The live stream (`event: inbox`) invalidates ['inbox'], so badge and list refresh.
 */
export function InboxBell({ compact }: { compact: boolean }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const unread = useQuery({
    queryKey: INBOX_KEYS.unread,
    queryFn: inboxApi.unreadCount,
    // The stream keeps it current; this only catches up after a lost connection.
    refetchInterval: 60_000,
    retry: 1,
  });
  const count = unread.data?.unread ?? 0;
  return (
    <>
      <Tooltip title={t('inbox.title')}>
        <Badge count={count} size="small" overflowCount={99} data-testid="inbox-badge" data-unread={count}>
          <Button
            type="text"
            icon={<BellOutlined />}
            aria-label={t('inbox.open', { n: count })}
            onClick={() => setOpen(true)}
            data-testid="inbox-bell"
          />
        </Badge>
      </Tooltip>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        title={t('inbox.title')}
        size={compact ? '100%' : 420}
        destroyOnHidden
        styles={{ body: { padding: 0 } }}
      >
        <InboxPanel unread={count} onNavigate={() => setOpen(false)} />
      </Drawer>
    </>
  );
}

function InboxPanel({ unread, onNavigate }: { unread: number; onNavigate: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [unreadOnly, setUnreadOnly] = useState(false);
  const list = useInfiniteQuery({
    queryKey: INBOX_KEYS.list(unreadOnly),
    queryFn: ({ pageParam }) => inboxApi.list({ unreadOnly, before: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) =>
      last.items.length === INBOX_PAGE_SIZE ? last.items[last.items.length - 1]?.id : undefined,
  });
  const fail = (e: unknown) => message.error(errorText(e));
  const readOne = useMutation({
    mutationFn: inboxApi.markRead,
    onSuccess: () => void qc.invalidateQueries({ queryKey: INBOX_KEYS.all }),
    onError: fail,
  });
  const readAll = useMutation({
    mutationFn: inboxApi.markAllRead,
    onSuccess: () => {
      message.success(t('inbox.allRead.done'));
      void qc.invalidateQueries({ queryKey: INBOX_KEYS.all });
    },
    onError: fail,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Flex vertical data-testid="inbox-panel">
      <Flex justify="space-between" align="center" style={{ padding: '12px 16px', borderBottom: '1px solid #f0f0f0' }}>
        <Segmented
          size="small"
          value={unreadOnly ? 'unread' : 'all'}
          onChange={(v) => setUnreadOnly(v === 'unread')}
          options={[
            { value: 'all', label: t('inbox.filter.all') },
            { value: 'unread', label: t('inbox.filter.unread') },
          ]}
        />
        <Button
          size="small"
          icon={<CheckOutlined />}
          disabled={unread === 0}
          loading={readAll.isPending}
          onClick={() => readAll.mutate()}
          data-testid="inbox-read-all"
        >
          {t('inbox.allRead')}
        </Button>
      </Flex>
      {list.isError && (
        <Alert
          type="warning"
          showIcon
          style={{ margin: 16 }}
          title={list.error instanceof ApiError ? list.error.detail : t('inbox.unavailable')}
          action={
            <Button size="small" onClick={() => void list.refetch()}>
              {t('app.retry')}
            </Button>
          }
        />
      )}
      {list.isPending && (
        <Typography.Text type="secondary" style={{ padding: 16 }}>
          {t('app.loading')}
        </Typography.Text>
      )}
      {list.isSuccess && items.length === 0 && (
        <Empty
          style={{ padding: 32 }}
          description={unreadOnly ? t('inbox.empty.unread') : t('inbox.empty')}
          image={Empty.PRESENTED_IMAGE_SIMPLE}
        />
      )}
      {items.map((item) => (
        <InboxRow
          key={item.id}
          item={item}
          onRead={() => readOne.mutate(item.id)}
          onOpenLead={() => {
            if (!item.readAt) readOne.mutate(item.id);
            onNavigate();
          }}
        />
      ))}
      {list.hasNextPage && (
        <Button
          type="link"
          loading={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
          style={{ margin: 8 }}
          data-testid="inbox-more"
        >
          {t('inbox.more')}
        </Button>
      )}
      {list.isSuccess && items.length > 0 && !list.hasNextPage && (
        <Typography.Text type="secondary" style={{ padding: 12, textAlign: 'center' }}>
          {t('inbox.end')}
        </Typography.Text>
      )}
    </Flex>
  );
}

function InboxRow({ item, onRead, onOpenLead }: { item: InboxItem; onRead: () => void; onOpenLead: () => void }) {
  const { t, lang } = useI18n();
  const { hasRole } = useAuth();
  const navigate = useNavigate();
  const unread = !item.readAt;
  // Operators read no leads: their items show no link.
  const canOpen = !!item.leadId && hasRole(...PAGE_ROLES.leads);
  return (
    <div
      data-testid="inbox-item"
      data-item-id={item.id}
      data-unread={unread}
      style={{
        padding: '12px 16px',
        borderBottom: '1px solid #f0f0f0',
        background: unread ? '#f6fbff' : undefined,
      }}
    >
      <Flex justify="space-between" align="start" gap={8}>
        <Space size={4} wrap>
          {unread && <Badge status="processing" />}
          {item.urgent && <Tag color="red">{t('inbox.urgent')}</Tag>}
          <Typography.Text strong={unread}>{item.title || t('inbox.untitled')}</Typography.Text>
        </Space>
        {unread && (
          <Button size="small" type="link" onClick={onRead} data-testid="inbox-read">
            {t('inbox.read')}
          </Button>
        )}
      </Flex>
      <Typography.Paragraph type="secondary" style={{ margin: '4px 0' }} ellipsis={{ rows: 3 }}>
        {item.body}
      </Typography.Paragraph>
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {formatTime(item.createdAt, lang)}
        </Typography.Text>
        {canOpen && (
          <Button
            size="small"
            type="link"
            onClick={() => {
              onOpenLead();
              void navigate(`/leads/${encodeURIComponent(item.leadId!)}`);
            }}
            data-testid="inbox-open-lead"
          >
            {t('inbox.openLead')}
          </Button>
        )}
      </Flex>
    </div>
  );
}
