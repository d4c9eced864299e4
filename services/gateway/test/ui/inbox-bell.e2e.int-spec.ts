/**
 * Browser test of the inbox bell: the gateway (in-process, serving the built admin UI) and the REAL notification
 * service (its own process); Debian's Chromium through playwright-core. A lead assigned to the signed-in sentinel
 * raises the bell's unread badge live (no reload: event: inbox over SSE), the drawer lists the item, and marking it
 * read lowers the badge. Needs services/admin-ui/dist (npm test builds it; or `npx vite build services/admin-ui`).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually } from '@outpost/testing';
import { GatewayHarness } from '../support/gateway-harness';
import { freePort, NotificationProcess } from '../support/notification-process';

const ROOT = resolve(__dirname, '../../../..');
const UI_DIST = join(ROOT, 'services/admin-ui/dist');
const SHOTS = join(ROOT, 'test-artifacts/screenshots');

jest.setTimeout(240_000);

describe('admin UI inbox bell (Chromium, real notification service)', () => {
  let h: GatewayHarness;
  let notification: NotificationProcess | null = null;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    if (!existsSync(join(UI_DIST, 'index.html')))
      throw new Error('services/admin-ui/dist is missing: run `bash deploy/local/build.sh` (npm test does)');
    mkdirSync(SHOTS, { recursive: true });
    notification = new NotificationProcess(await freePort());
    h = await GatewayHarness.start({ env: { NOTIFICATION_URL: notification.url, ADMIN_UI_DIST: UI_DIST } });
    await notification.start(h);
    await h.token('sentinel1'); // the roster has reached the gateway: logins work
    base = `http://127.0.0.1:${await h.listen()}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await notification?.stop();
    await h?.stop();
  }, 60_000);

  const badge = async (page: Page) =>
    Number(await page.getAttribute('[data-testid="inbox-badge"]', 'data-unread', { timeout: 30_000 }));

  it('shows the unread badge, raises it live on event: inbox, lists the item and lowers it on read', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    ctx.setDefaultTimeout(45_000);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${base}/`);
    await page.fill('#login-user', 'sentinel1');
    await page.fill('#login-password', 'Outpost@2026');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="inbox-bell"]');
    // The live stream is connected (lead readers also see the live dot): from here pushes reach this page.
    await page.waitForSelector('.ant-badge-status-success');
    const before = await badge(page);

    // Two assignments: one item is then marked read on its own, the other by "mark all read".
    for (let i = 0; i < 2; i++) await h.assignNewLead('2026-03-19T10:00:00Z');
    // No reload: only the SSE push can make the badge move (its polling interval is 60 s).
    const raised = await notification!.explained(h, () =>
      eventually(async () => {
        const n = await badge(page);
        return n >= before + 2 ? n : undefined;
      }, 60_000),
    );

    await page.click('[data-testid="inbox-bell"]');
    const row = page.locator('[data-testid="inbox-item"][data-unread="true"]', { hasText: '已分派' }).first();
    await row.waitFor();
    await page.waitForTimeout(500); // the drawer's slide-in, for the screenshot only
    await page.screenshot({ path: join(SHOTS, 'inbox-drawer.png') });
    await row.locator('[data-testid="inbox-read"]').click();
    await eventually(async () => ((await badge(page)) === raised - 1 ? true : undefined), 30_000);

    await page.click('[data-testid="inbox-read-all"]');
    await eventually(async () => ((await badge(page)) === 0 ? true : undefined), 30_000);
    // The list is re-read apart from the badge: it follows shortly after.
    const unread = page.locator('[data-testid="inbox-item"][data-unread="true"]');
    await eventually(async () => ((await unread.count()) === 0 ? true : undefined), 30_000);
    expect(await unread.count()).toBe(0);
    await ctx.close();
  });
});
