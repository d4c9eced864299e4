import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'react-router-dom';
import {
  App,
  Badge,
  Button,
  Drawer,
  Dropdown,
  Grid,
  Layout,
  Menu,
  Space,
  Tag,
  Tooltip,
  Typography,
  type MenuProps,
} from 'antd';
import {
  AlertOutlined,
  ApartmentOutlined,
  AuditOutlined,
  BarChartOutlined,
  CheckSquareOutlined,
  ClockCircleOutlined,
  DatabaseOutlined,
  KeyOutlined,
  NotificationOutlined,
  FileAddOutlined,
  MenuOutlined,
  ProfileOutlined,
  TeamOutlined,
  UnorderedListOutlined,
  UserOutlined,
  EnvironmentOutlined,
  SafetyOutlined,
} from '@ant-design/icons';
import { PAGE_ROLES, useAuth } from '../auth/auth';
import { useI18n } from '../i18n/i18n';
import { InboxBell } from '../inbox/inbox-bell';
import { useLiveUpdates } from '../live/use-live-updates';
import { QUEUES } from './queues';

const QUEUE_ICONS: Record<string, ReactNode> = {
  mine: <ProfileOutlined />,
  decide: <AuditOutlined />,
  approve: <CheckSquareOutlined />,
  disposing: <SafetyOutlined />,
  grid: <EnvironmentOutlined />,
  overdue: <ClockCircleOutlined />,
  red: <AlertOutlined />,
};

const { Header, Sider, Content } = Layout;

export function AppLayout({ children }: { children: ReactNode }) {
  const { user, logout, hasRole } = useAuth();
  const { t, lang, setLang } = useI18n();
  const screens = Grid.useBreakpoint();
  const mobile = !screens.md;
  const [drawer, setDrawer] = useState(false);
  const location = useLocation();
  const { notification } = App.useApp();
  // Everyone signed in has an inbox, so the stream is always open (lead events in it only for lead readers).
  const live = useLiveUpdates(!!user, (item) =>
    notification.info({
      key: `inbox-${item.itemId}`,
      title: item.urgent ? `${t('inbox.urgent')} · ${t('inbox.new')}` : t('inbox.new'),
      description: item.title,
      placement: 'bottomRight',
      duration: 5,
    }),
  );

  const items: MenuProps['items'] = [];
  if (hasRole(...PAGE_ROLES.leads)) {
    items.push({
      key: 'queues',
      type: 'group',
      label: t('menu.queues'),
      children: [
        ...QUEUES.filter((q) => !q.roles || hasRole(...q.roles)).map((q) => ({
          key: `/queue/${q.key}`,
          icon: QUEUE_ICONS[q.key],
          label: <Link to={`/queue/${q.key}`}>{t(q.label)}</Link>,
        })),
      ],
    });
    items.push({ key: '/leads', icon: <UnorderedListOutlined />, label: <Link to="/leads">{t('menu.leads')}</Link> });
  }
  if (hasRole(...PAGE_ROLES.file))
    items.push({ key: '/file', icon: <FileAddOutlined />, label: <Link to="/file">{t('menu.file')}</Link> });
  if (hasRole(...PAGE_ROLES.leads))
    items.push({
      key: '/dashboard',
      icon: <BarChartOutlined />,
      label: <Link to="/dashboard">{t('menu.dashboard')}</Link>,
    });
  if (hasRole(...PAGE_ROLES.roster))
    items.push({ key: '/roster', icon: <TeamOutlined />, label: <Link to="/roster">{t('menu.roster')}</Link> });
  if (hasRole(...PAGE_ROLES.ops))
    items.push({ key: '/console', icon: <DatabaseOutlined />, label: <Link to="/console">{t('menu.ops')}</Link> });
  if (hasRole(...PAGE_ROLES.notify))
    items.push({
      key: '/notifications',
      icon: <NotificationOutlined />,
      label: <Link to="/notifications">{t('menu.notify')}</Link>,
    });

  if (hasRole(...PAGE_ROLES.accounts))
    items.push({ key: '/accounts', icon: <KeyOutlined />, label: <Link to="/accounts">{t('menu.accounts')}</Link> });

  const selected = location.pathname.startsWith('/leads/') ? '/leads' : location.pathname;
  const menu = (
    <Menu
      mode="inline"
      selectedKeys={[selected]}
      items={items}
      onClick={() => setDrawer(false)}
      style={{ borderInlineEnd: 0 }}
    />
  );
  const scope = user?.scope.district
    ? t('me.district')
    : [...(user?.scope.streetCodes ?? []), ...(user?.scope.gridIds ?? [])].join(' ');

  const userMenu: MenuProps['items'] = [
    {
      key: 'roles',
      disabled: true,
      label: `${t('me.roles')}：${user?.roles.map((r) => t(`role.${r}`)).join('、') ?? ''}`,
    },
    { key: 'scope', disabled: true, label: `${t('me.scope')}：${scope}` },
    { type: 'divider' },
    { key: 'password', label: <Link to="/password">{t('password.title')}</Link> },
    { key: 'logout', label: t('logout'), onClick: () => void logout() },
  ];

  return (
    <Layout style={{ minHeight: '100vh' }}>
      {!mobile && (
        <Sider
          width={208}
          theme="light"
          breakpoint="lg"
          collapsedWidth={64}
          style={{ borderInlineEnd: '1px solid #f0f0f0' }}
        >
          <div style={{ padding: '16px 20px', fontWeight: 600, fontSize: 18, color: '#c0392b' }}>
            <ApartmentOutlined /> {t('app.name')}
          </div>
          {menu}
        </Sider>
      )}
      <Drawer
        open={mobile && drawer}
        placement="left"
        onClose={() => setDrawer(false)}
        width={240}
        title={t('app.name')}
        styles={{ body: { padding: 0 } }}
      >
        {menu}
      </Drawer>
      <Layout>
        <Header
          style={{
            background: '#fff',
            padding: mobile ? '0 12px' : '0 24px',
            display: 'flex',
            alignItems: 'center',
            gap: 12,
            borderBottom: '1px solid #f0f0f0',
          }}
        >
          {mobile && (
            <Button
              type="text"
              icon={<MenuOutlined />}
              aria-label={t('menu.open')}
              onClick={() => setDrawer(true)}
              data-testid="menu-button"
            />
          )}
          <Typography.Text
            strong
            style={{ flex: 1, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
          >
            {mobile ? t('app.name') : `${t('app.name')} · ${t('app.subtitle')}`}
          </Typography.Text>
          <Space size={mobile ? 4 : 12}>
            {hasRole(...PAGE_ROLES.leads) && (
              <Tooltip title={live ? t('app.live.on') : t('app.live.off')}>
                <Badge status={live ? 'success' : 'default'} />
              </Tooltip>
            )}
            <InboxBell compact={mobile} />
            <Button size="small" onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')} data-testid="lang-switch">
              {t('app.lang')}
            </Button>
            <Dropdown menu={{ items: userMenu }} trigger={['click']}>
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu">
                {!mobile && user?.name}
                {!mobile && user?.roles[0] && <Tag style={{ marginInlineStart: 8 }}>{t(`role.${user.roles[0]}`)}</Tag>}
              </Button>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: mobile ? 8 : 24 }}>{children}</Content>
      </Layout>
    </Layout>
  );
}
