/**
 * Browser end-to-end test of the admin UI against the REAL stack: intake, assessment, escalation, notification and the
 * gateway run as processes from dist/ (npm test builds them and the UI first) on a fresh database and topic prefix;
 * Debian's Chromium drives the UI through playwright-core. One lead makes the whole trip: filed by a sentinel on a
 * phone, claimed and assessed by the paired volunteer, decided REFER_POLICE by an officer who can certify, referred
 * (head's approval, transfer, police decision) and closed; another grid's users cannot see it; an operator replays a
 * dead letter. Screenshots of the main pages go to test-artifacts/screenshots/.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { Kafka, logLevel } from 'kafkajs';
import { EXTERNAL_SYSTEMS } from '@outpost/contracts';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  createTestDatabase,
  eventually,
  HttpReceiver,
  TEST_INFRA,
  uniqueSuffix,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@outpost/testing';
import { DEMO_LEADS, runDemoLeads } from '../../src/demo/demo-leads';
import { DEMO_ACCOUNTS } from '../../src/seed/demo-accounts';

const ROOT = resolve(__dirname, '../../../..');
const SHOTS = join(ROOT, 'test-artifacts/screenshots');
const PASSWORD = 'Outpost@2026';
const GRID = 'G-440106001-C01';
const SERVICES = ['intake', 'assessment', 'escalation', 'notification', 'gateway'] as const;
type Svc = (typeof SERVICES)[number];

jest.setTimeout(240_000);

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** GB 32100-2015 check character, so the form gets a valid 统一社会信用代码. */
function uscc(first17: string): string {
  const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...first17].reduce((s, c, i) => s + chars.indexOf(c) * weights[i]!, 0);
  return first17 + chars[(31 - (sum % 31)) % 31];
}

/** A real (tiny, red) PNG: intake checks that the content matches the declared media type. */
function png(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const w = 16;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.concat(
    Array.from({ length: w }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3, Buffer.from([200, 30, 30]))])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

class Stack {
  db!: TestDatabase;
  prefix = uniqueTopicPrefix('ui');
  suffix = uniqueSuffix();
  ports = {} as Record<Svc, number>;
  /** Where every external system (穗岁安, 公安 …) is reached: nothing listens until a test starts a receiver there. */
  externalPort = 0;
  env = {} as Record<Svc, NodeJS.ProcessEnv>;
  procs: Array<{ svc: Svc; proc: ChildProcess; log: string[]; restarts: number }> = [];
  dir = mkdtempSync(join(tmpdir(), 'outpost-ui-e2e-'));

  get base(): string {
    return `http://127.0.0.1:${this.ports.gateway}`;
  }

  async start(): Promise<void> {
    for (const svc of SERVICES)
      if (!existsSync(join(ROOT, `dist/services/${svc}/src/main.js`)))
        throw new Error(
          `dist/services/${svc}/src/main.js is missing: run \`bash deploy/local/build.sh\` (npm test does)`,
        );
    if (!existsSync(join(ROOT, 'services/admin-ui/dist/index.html')))
      throw new Error('services/admin-ui/dist is missing: run `bash deploy/local/build.sh`');
    const keys = join(this.dir, 'keys');
    execFileSync(process.execPath, [join(ROOT, 'deploy/local/keys.js'), keys], { stdio: 'ignore' });
    this.db = await createTestDatabase('ui_e2e');
    for (const svc of SERVICES) this.ports[svc] = await freePort();
    this.externalPort = await freePort();
    const externalSystem = (name: string) => ({
      name,
      url: `http://127.0.0.1:${this.externalPort}/outpost/${name}`,
      keys: [{ id: 'e2e-2026', secret: 'e2e-only-secret-0123456789abcdef', createdAt: '2026-01-01' }],
    });
    const url = (svc: Svc) => `http://127.0.0.1:${this.ports[svc]}`;
    const s = this.suffix;
    const common: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DEMO_DATA: 'true',
      HOST: '127.0.0.1',
      DATABASE_ADMIN_URL: this.db.adminUrl,
      REDIS_URL: TEST_INFRA.redisUrl,
      KAFKA_BROKERS: TEST_INFRA.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: this.prefix,
      KAFKA_TOPIC_PARTITIONS: '1',
      OUTBOX_POLL_INTERVAL_MS: '200',
      CONSUMER_RETRY_BASE_MS: '50',
      INTERNAL_JWT_PUBLIC_KEY_FILE: join(keys, 'internal-jwt-public.pem'),
      INTERNAL_JWT_PRIVATE_KEY_FILE: join(keys, 'internal-jwt-private.pem'),
      ENCRYPTION_KEY_FILE: join(keys, 'encryption-key'),
    };
    const own: Record<Svc, NodeJS.ProcessEnv> = {
      intake: { EVIDENCE_DIR: join(this.dir, 'evidence'), REDIS_KEY_PREFIX: `intake-${s}:` },
      assessment: { KAFKA_CONSUMER_GROUP: `assessment-${s}`, DEADLINE_QUEUE: `assessment-deadlines-${s}` },
      escalation: {
        ESCALATION_CONSUMER_GROUP: `escalation-${s}`,
        ESCALATION_TIMERS_QUEUE: `escalation-clocks-${s}`,
        ESCALATION_DISPATCH_QUEUE: `escalation-dispatch-${s}`,
        // After a failed attempt the next one waits ten minutes, longer than this file runs: only an operator's
        // "send now" delivers a report here.
        DISPATCH_BACKOFF_MS: '600000',
        EXTERNAL_SYSTEMS: JSON.stringify(
          Object.fromEntries(EXTERNAL_SYSTEMS.map((code) => [code, externalSystem(code)])),
        ),
      },
      notification: { NOTIFICATION_QUEUE_PREFIX: `notification-${s}` },
      gateway: {
        KAFKA_CONSUMER_GROUP: `gateway-${s}`,
        KAFKA_LAG_GROUPS: ['intake', `assessment-${s}`, `escalation-${s}`, 'notification', `gateway-${s}`].join(','),
        BULLMQ_QUEUES: [`assessment-deadlines-${s}`, `escalation-clocks-${s}`, `notification-${s}-inbox`].join(','),
        INTAKE_URL: url('intake'),
        ASSESSMENT_URL: url('assessment'),
        ESCALATION_URL: url('escalation'),
        NOTIFICATION_URL: url('notification'),
        ADMIN_UI_DIST: join(ROOT, 'services/admin-ui/dist'),
      },
    };
    for (const svc of SERVICES) {
      const runtime = new URL(this.db.adminUrl);
      runtime.username = `outpost_${svc}`;
      this.env[svc] = { ...common, ...own[svc], PORT: String(this.ports[svc]), DATABASE_URL: runtime.toString() };
      this.spawn(svc);
    }
    await Promise.all(
      SERVICES.map((svc) =>
        eventually(
          async () => {
            const p = this.procs.find((x) => x.svc === svc)!;
            if (p.proc.exitCode !== null) {
              // Services preparing one new database at the same moment can collide on its ACL in Postgres ("tuple
              // concurrently updated", libs/platform prepareDatabase); starting that one again is safe (idempotent).
              if (p.restarts < 3 && /tuple concurrently updated/.test(p.log.join(''))) return void this.spawn(svc);
              throw new Error(`${svc} exited (${p.proc.exitCode}):\n${p.log.join('').slice(-3000)}`);
            }
            const res = await fetch(`${url(svc)}/health/ready`).catch(() => null);
            return res?.ok ? true : undefined;
          },
          90_000,
          300,
        ).catch((e: Error) => {
          throw new Error(
            `${svc} not ready: ${e.message}\n${this.procs
              .find((x) => x.svc === svc)!
              .log.join('')
              .slice(-3000)}`,
          );
        }),
      ),
    );
    // The demo seed scripts, each with its own service's settings (most seed at start; intake's also runs stand-alone).
    for (const svc of SERVICES) {
      const dir = join(ROOT, `dist/services/${svc}/src/seed`);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((n) => /^demo-.*\.js$/.test(n))) {
        execFileSync(process.execPath, [join(dir, f)], {
          cwd: ROOT,
          env: this.env[svc],
          stdio: 'pipe',
          timeout: 30_000,
        });
      }
    }
    // Logins work once the roster (assessment's events) has reached the gateway.
    await eventually(async () => ((await this.login('officer1').catch(() => null)) ? true : undefined), 60_000, 500);
  }

  private spawn(svc: Svc): void {
    const previous = this.procs.find((x) => x.svc === svc);
    const proc = spawn(process.execPath, [join(ROOT, `dist/services/${svc}/src/main.js`)], {
      cwd: ROOT,
      env: this.env[svc],
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const keep = (b: Buffer) => {
      log.push(b.toString());
      if (log.length > 200) log.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const entry = { svc, proc, log, restarts: previous ? previous.restarts + 1 : 0 };
    this.procs = [...this.procs.filter((x) => x.svc !== svc), entry];
  }

  async login(login: string): Promise<string> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password: PASSWORD }),
    });
    if (!res.ok) throw new Error(`login ${login}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  private tokens = new Map<string, string>();

  /** A cached access token (15 min) per login: argon2 logins are expensive on a busy machine. */
  async token(login: string): Promise<string> {
    if (!this.tokens.has(login)) this.tokens.set(login, await this.login(login));
    return this.tokens.get(login)!;
  }

  async get<T>(token: string, path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        ({ proc }) =>
          new Promise<void>((done) => {
            if (proc.exitCode !== null) return done();
            const kill = setTimeout(() => proc.kill('SIGKILL'), 8000);
            proc.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            proc.kill('SIGTERM');
          }),
      ),
    );
    await this.db?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface LeadApi {
  id: string;
  reference: string;
  status: string;
  gridIds: string[];
  assignee: { id: string } | null;
  timeline: Array<{ service: string; action: string; to: string | null }>;
}

describe('admin UI end to end (real stack, Chromium)', () => {
  const stack = new Stack();
  let browser: Browser;
  let leadId = '';
  let reference = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await stack.start();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  }, 60_000);

  async function signIn(
    login: string,
    o: { mobile?: boolean; shot?: string; password?: string; forcedPasswordChange?: boolean } = {},
  ): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext(
      o.mobile
        ? {
            viewport: { width: 390, height: 844 },
            isMobile: true,
            hasTouch: true,
            deviceScaleFactor: 2,
            locale: 'zh-CN',
          }
        : { viewport: { width: 1440, height: 900 }, locale: 'zh-CN' },
    );
    // The machine running the tests may be busy: generous waits, the assertions stay strict.
    ctx.setDefaultTimeout(45_000);
    const page = await ctx.newPage();
    // Browser-side failures end up in the test output (a blank page otherwise says nothing).
    page.on('pageerror', (e) => console.error(`[${login}] page error: ${e.message}`));
    page.on(
      'console',
      (m) => m.type() === 'error' && console.error(`[${login}] console: ${m.text()} (${m.location().url})`),
    );
    await page.goto(stack.base + '/');
    await page.waitForSelector('[data-testid="login-card"]');
    if (o.shot) await page.screenshot({ path: join(SHOTS, o.shot), fullPage: true });
    // By their labels, as a screen reader finds them (each label names its input).
    await page.getByLabel('账号', { exact: true }).fill(login);
    await page.getByLabel('密码', { exact: true }).fill(o.password ?? PASSWORD);
    await page.click('[data-testid="login-submit"]');
    if (o.forcedPasswordChange) {
      await page.waitForSelector('[data-testid="password-page"]');
      return { ctx, page };
    }
    await page.waitForSelector('[data-testid="user-menu"]');
    // Every signed-in role has the inbox bell with its unread badge (inbox-bell.e2e.int-spec covers it in depth).
    await page.waitForSelector('[data-testid="inbox-badge"][data-unread]');
    return { ctx, page };
  }

  /** Waits until the API shows the lead in `status` (as `login` sees it), then opens its page showing that status. */
  async function openLead(page: Page, status?: string, login = 'officer1'): Promise<void> {
    if (status) {
      const token = await stack.token(login);
      await eventually(
        async () =>
          (await stack.get<LeadApi>(token, `/api/v1/leads/${leadId}`)).body?.status === status ? true : undefined,
        60_000,
        400,
      );
    }
    await page.goto(`${stack.base}/leads/${leadId}`);
    await page.waitForSelector(
      status ? `.ant-card-head [data-testid="status-tag"][data-status="${status}"]` : '[data-testid="lead-detail"]',
      { timeout: 45_000 },
    );
  }

  /** Waits until `login` may take `action` on the lead (escalation's next step), then opens the lead. */
  async function openWhenAllowed(page: Page, login: string, action: string): Promise<void> {
    const token = await stack.token(login);
    await eventually(
      async () => {
        const r = await stack.get<{ actions: Array<{ action: string }> }>(
          token,
          `/api/v1/leads/${leadId}/allowed-actions`,
        );
        return r.status === 200 && r.body.actions.some((a) => a.action === action) ? true : undefined;
      },
      60_000,
      400,
    );
    await page.goto(`${stack.base}/leads/${leadId}`);
    await page.waitForSelector(`[data-testid="action-${action}"]`, { timeout: 45_000 });
  }

  /** Picks an option of an antd Select by its label, and checks the select now shows it (retrying a missed click). */
  async function choose(page: Page, fieldId: string, optionTitle: string): Promise<void> {
    const item = page.locator(`.ant-form-item:has(#${fieldId})`);
    const option = page.locator(`.ant-select-dropdown .ant-select-item-option[title="${optionTitle}"]`).last();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!(await option.isVisible())) await page.click(`#${fieldId}`);
      await option.waitFor({ state: 'visible' });
      // A click can land while the dropdown still slides in over the modal's footer, which takes it and closes the
      // dropdown: give up on that click after a few seconds and start again from opening the select.
      const clicked = await option.click({ timeout: 5_000 }).then(
        () => true,
        (e: Error) => (console.warn(`choose ${optionTitle}: click missed (${e.message.split('\n')[0]})`), false),
      );
      if (clicked && (await item.locator(`[title="${optionTitle}"]`).count())) return;
    }
    throw new Error(`could not choose ${optionTitle} in #${fieldId}`);
  }

  /** Clicks an action the page offers, fills its modal, submits and waits for the modal to close (no error). */
  async function act(
    page: Page,
    action: string,
    fill: (p: Page) => Promise<void> = async () => undefined,
  ): Promise<void> {
    await page.click(`[data-testid="action-${action}"]`);
    await page.waitForSelector('.ant-modal-container');
    await fill(page);
    await page.click('[data-testid="action-submit"]');
    try {
      await Promise.race([
        page.waitForSelector('.ant-modal-container', { state: 'hidden', timeout: 45_000 }),
        page
          .waitForSelector('[data-testid="action-error"], .ant-modal-container .ant-form-item-explain-error', {
            timeout: 45_000,
          })
          .then(async (e) => {
            throw new Error(`${action} refused: ${await e.innerText()}`);
          }),
      ]);
    } catch (e) {
      await page.screenshot({ path: join(SHOTS, `failed-${action}.png`), fullPage: true });
      throw e;
    }
  }

  it('a sentinel files a lead from the phone-sized form, with a photo', async () => {
    const { ctx, page } = await signIn('sentinel1', { mobile: true, shot: '01-login.png' });
    expect(await page.locator('html').getAttribute('lang')).toMatch(/zh/);
    await page.click('[data-testid="menu-button"]');
    await page.click('.ant-drawer a[href="/file"]');
    await page.waitForSelector('form#file-lead');
    await page.fill('#file-lead_subjectName', '广州天河某某财富管理有限公司');
    await page.fill('#file-lead_uscc', uscc('91440106MA5C12345'));
    await page.fill('#file-lead_address', '广州市天河区沙河濂泉路12号');
    await page.fill('#file-lead_title', '濂泉路某财富公司以养老项目高息揽储');
    await page.fill(
      '#file-lead_description',
      '在小区门口派发传单，宣传养老项目，承诺年化18%保本保息，组织老年人参加推介会，现场收取定金。',
    );
    await page.fill('#file-lead_promisedYieldPct', '18');
    await page.fill('#file-lead_amountYuan', '2000000');
    await page.fill('#file-lead_participants', '200');
    await page.click('#file-lead_elderlyInvolved');
    await page
      .locator('input[type="file"]')
      .setInputFiles({ name: '现场传单.png', mimeType: 'image/png', buffer: png() });
    await page.waitForSelector('.ant-upload-list-item');
    await page.screenshot({ path: join(SHOTS, '02-mobile-file-form.png'), fullPage: true });
    await page.click('[data-testid="file-submit"]');
    await page.waitForSelector('[data-testid="file-success"]', { timeout: 40_000 });
    reference = (await page.innerText('[data-testid="file-reference"]')).replace(/^.*[：:]\s*/, '').trim();
    expect(reference).not.toBe('');
    await page.click('[data-testid="file-view-lead"]');
    await page.waitForSelector('[data-testid="lead-detail"]');
    leadId = (await page.getAttribute('[data-testid="lead-detail"]', 'data-lead-id'))!;
    expect(await page.locator('[data-testid="evidence-table"] tbody tr.ant-table-row').count()).toBe(1);
    await ctx.close();

    // Placed in the sentinel's grid, triaged and routed to the pair's volunteer.
    const token = await stack.login('officer1');
    const lead = await eventually(
      async () => {
        const r = await stack.get<LeadApi>(token, `/api/v1/leads/${leadId}`);
        return r.status === 200 && ['ASSIGNED', 'TRIAGED'].includes(r.body.status) ? r.body : undefined;
      },
      30_000,
      300,
    );
    expect(lead.gridIds).toContain(GRID);
    expect(lead.reference).toBe(reference);
  });

  it('the paired volunteer sees it in the grid queue, claims it and submits an opinion (REFER_POLICE)', async () => {
    const { ctx, page } = await signIn('volunteer1');
    await page.goto(`${stack.base}/queue/grid`);
    await page.waitForSelector(`[data-testid="lead-row"][data-lead-id="${leadId}"]`);
    await page.screenshot({ path: join(SHOTS, '03-queue-my-grid.png'), fullPage: true });
    await openLead(page, 'ASSIGNED', 'volunteer1');
    await act(page, 'claim');
    await openLead(page, 'IN_REVIEW', 'volunteer1');
    await act(page, 'submit-opinion', async (p) => {
      await choose(p, 'action-submit-opinion_recommendation', '移送公安');
      await choose(p, 'action-submit-opinion_category', 'IF-XS 非法吸收公众存款');
      await p.fill('#action-submit-opinion_legalBasis', '《防范和处置非法集资条例》第二条\n《刑法》第一百七十六条');
      await p.fill(
        '#action-submit-opinion_reasoning',
        '承诺保本保息、面向老年人公开宣传，四性特征明显，建议移送公安。',
      );
    });
    await openLead(page, 'OPINION_SUBMITTED', 'volunteer1');
    await ctx.close();
  });

  it('an officer who can certify decides REFER_POLICE; the referral is approved, sent, filed by police, and the lead closed', async () => {
    const officer = await signIn('officer1');
    await openLead(officer.page, 'OPINION_SUBMITTED');
    // The score explanation and four-characteristics checklist are on the page before the decision.
    expect(await officer.page.locator('[data-testid="score-table"] tbody tr.ant-table-row').count()).toBeGreaterThan(0);
    expect(await officer.page.locator('[data-testid^="check-"]').count()).toBe(4);
    await act(officer.page, 'decide', async (p) => {
      await choose(p, 'action-decide_decision', '移送公安');
      await p.fill('#action-decide_reasoning', '经研判，涉嫌非法吸收公众存款，依法移送公安机关。');
    });
    await openLead(officer.page, 'DISPOSING');
    // The reporter's identity, opened for a stated reason: intake unseals it, the gateway audits who and why.
    await officer.page.click('[data-testid="action-reveal"]');
    const reveal = officer.page.getByRole('dialog');
    await reveal.locator('textarea').fill('需联系举报人核实现场情况');
    await reveal.locator('.ant-btn-primary').click();
    await reveal.locator('[data-testid="revealed-reporter"]').waitFor();
    expect(await reveal.locator('[data-testid="action-error"]').count()).toBe(0);
    await reveal.locator('.ant-btn-primary').click();
    await reveal.waitFor({ state: 'hidden' });
    // 负责人 approval (SUPERVISOR in escalation's table), then the officer transfers and records the police decision.
    const head = await signIn('supervisor1');
    await openWhenAllowed(head.page, 'supervisor1', 'approve-referral');
    await act(head.page, 'approve-referral', async (p) => p.fill('#action-approve-referral_note', '同意移送'));
    await head.ctx.close();
    await openWhenAllowed(officer.page, 'officer1', 'send-referral');
    await act(officer.page, 'send-referral', async (p) =>
      p.fill('#action-send-referral_note', '移送书及调查报告已备齐'),
    );
    await openWhenAllowed(officer.page, 'officer1', 'record-police-decision');
    await act(officer.page, 'record-police-decision', async (p) => {
      await choose(p, 'action-record-police-decision_decision', '已立案');
      await p.fill('#action-record-police-decision_externalRef', '穗公天立字〔2026〕001号');
    });
    await openWhenAllowed(officer.page, 'officer1', 'close');
    await act(officer.page, 'close', async (p) => {
      await choose(p, 'action-close_outcome', '公安已立案');
      await p.fill('#action-close_summary', '公安机关已立案侦查，本线索办结。');
      await p.fill('#action-close_reporterFeedback', '感谢您的举报，相关部门已依法处理。');
    });
    await openLead(officer.page, 'CLOSED');

    // The timeline shows every step, from filing to closing, across the services.
    const token = await stack.login('officer1');
    const lead = await eventually(
      async () => {
        const r = await stack.get<LeadApi>(token, `/api/v1/leads/${leadId}`);
        const tos = new Set(r.body.timeline.map((x) => x.to));
        return ['IN_REVIEW', 'OPINION_SUBMITTED', 'DECIDED', 'CLOSED'].every((s) => tos.has(s)) &&
          r.body.timeline.some((x) => x.service === 'escalation' && x.to === 'CLOSED')
          ? r.body
          : undefined;
      },
      20_000,
      500,
    );
    const services = new Set(lead.timeline.map((x) => x.service));
    expect([...services]).toEqual(expect.arrayContaining(['intake', 'assessment', 'escalation']));
    const actions = lead.timeline.map((x) => x.action).join(' ');
    for (const step of ['claim', 'opinion', 'decide', 'approve', 'send', 'police', 'close'])
      expect(actions.toLowerCase()).toContain(step);
    await officer.page.reload();
    await officer.page.waitForSelector('[data-testid="timeline-item"]');
    // What the reporter was told is on the page with the closing.
    expect((await officer.page.locator('[data-testid="fact-reporter-feedback"]').allInnerTexts()).join('|')).toContain(
      '感谢您的举报，相关部门已依法处理。',
    );
    expect(await officer.page.locator('[data-testid="timeline-item"]').count()).toBe(lead.timeline.length);
    // Steps read in words: the system actor by what it does, the band and the decision by their names, not codes.
    const stepText = (action: string) =>
      officer.page.locator(`[data-testid="timeline-item"][data-action="${action}"]`).textContent();
    expect(await stepText('lead.triaged')).toMatch(/系统（自动研判分派）[\s\S]*评分 \d+，(红色|橙色|黄色|未达预警)档/);
    expect(await stepText('lead.decided')).toMatch(/认定：[^A-Z_]+，[^，]+（[A-Z-]+）/);
    await officer.page.screenshot({ path: join(SHOTS, '04-lead-detail-closed.png'), fullPage: true });
    await officer.page.goto(`${stack.base}/dashboard`);
    await officer.page.waitForSelector('[data-testid="dashboard"] canvas', { timeout: 20_000 });
    await officer.page.waitForTimeout(800);
    await officer.page.screenshot({ path: join(SHOTS, '05-dashboard.png'), fullPage: true });
    await officer.ctx.close();
  });

  it('users of another grid cannot see the lead (UI list, detail page, API)', async () => {
    const { ctx, page } = await signIn('sentinel2');
    await page.goto(`${stack.base}/leads`);
    await page.waitForSelector('.ant-table-wrapper, .ant-list');
    await page.waitForLoadState('networkidle');
    expect(await page.locator(`[data-lead-id="${leadId}"]`).count()).toBe(0);
    await page.goto(`${stack.base}/leads/${leadId}`);
    await page.waitForSelector('[data-testid="lead-not-found"]');
    await ctx.close();
    for (const login of ['sentinel2', 'volunteer2']) {
      const token = await stack.login(login);
      expect((await stack.get(token, `/api/v1/leads/${leadId}`)).status).toBe(404);
      const list = await stack.get<{ items: Array<{ id: string }> }>(
        token,
        `/api/v1/leads?q=${encodeURIComponent(reference)}`,
      );
      expect(list.status).toBe(200);
      expect(list.body.items.map((x) => x.id)).not.toContain(leadId);
      const claim = await fetch(`${stack.base}/api/v1/leads/${leadId}/commands/claim`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect([403, 404]).toContain(claim.status);
    }
  });

  it('an operator replays a dead letter from the console', async () => {
    // A poison message on a topic every consumer reads: the gateway's read model dead-letters it.
    const kafka = new Kafka({ brokers: TEST_INFRA.kafkaBrokers, clientId: 'ui-e2e', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${stack.prefix}intake.lead-registered.v1`,
      messages: [{ key: 'poison-1', value: '{"this is": "not an envelope"' }],
    });
    await producer.disconnect();

    const token = await stack.login('operator1');
    await eventually(
      async () => {
        const r = await stack.get<{
          services: Array<{ service: string; ok: boolean; data?: Array<{ status: string; value: string | null }> }>;
        }>(token, '/api/v1/ops/dead-letters?status=OPEN');
        return r.body.services.some((s) => s.ok && s.data?.some((d) => d.value?.includes('not an envelope')))
          ? true
          : undefined;
      },
      60_000,
      500,
    );
    const { ctx, page } = await signIn('operator1');
    await page.goto(`${stack.base}/console`);
    const row = page.locator('[data-testid="dead-letter-row"][data-status="OPEN"]').first();
    await row.waitFor().catch(async (e: Error) => {
      await page.screenshot({ path: join(SHOTS, 'failed-ops.png'), fullPage: true });
      throw e;
    });
    const id = await row.getAttribute('data-id');
    await page.waitForSelector('[data-testid="health-gateway"][data-status="up"]');
    // Every configured BullMQ queue is counted (the stack lists three); notification and escalation answer their cards.
    await eventually(async () => ((await page.locator('[data-testid="queue-row"]').count()) === 3 ? true : undefined));
    expect(await page.locator('[data-testid="queue-row"]').first().innerText()).toContain('assessment-deadlines-');
    for (const card of ['failed-deliveries', 'pending-dispatches']) {
      await page.waitForSelector(`[data-testid="${card}"] .ant-table`);
      expect(await page.locator(`[data-testid="${card}"] .ant-alert`).count()).toBe(0);
    }
    await page.screenshot({ path: join(SHOTS, '06-operator-console.png'), fullPage: true });
    await row.locator('[data-testid="dl-inspect"]').click();
    expect(await page.innerText('[data-testid="dl-payload"]')).toContain('not an envelope');
    await page.locator('.ant-drawer-close').click();
    await row.locator('[data-testid="dl-replay"]').click();
    await page.locator('.ant-modal-confirm .ant-btn-primary').click();
    await page.waitForSelector(`[data-testid="dead-letter-row"][data-id="${id}"][data-status="REPLAYED"]`, {
      timeout: 45_000,
    });
    await ctx.close();
  });

  it('an operator sends the reports held up by a down external system once it is back: one, then all', async () => {
    const { ctx, page } = await signIn('operator1');
    const external = new HttpReceiver();
    try {
      await page.goto(`${stack.base}/console`);
      const rows = page.locator('[data-testid="dispatch-row"]');
      // The journey's report to 穗岁安 and referral to the police (and the demo's) have failed: nothing listened.
      await eventually(async () => ((await rows.count()) >= 2 ? true : undefined), 30_000, 500);
      await external.start(stack.externalPort);

      const first = (await rows.first().getAttribute('data-id'))!;
      await rows.first().locator('[data-testid="dispatch-retry"]').click();
      await page.getByRole('dialog').locator('.ant-btn-primary').click();
      await page.getByText('已安排立即重发').waitFor();
      await eventually(async () =>
        external.requests.some((r) => r.headers['idempotency-key'] === first) ? true : undefined,
      );
      await page.waitForSelector(`[data-testid="dispatch-row"][data-id="${first}"]`, {
        state: 'detached',
        timeout: 45_000,
      });
      const left = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
      expect(left.length).toBeGreaterThanOrEqual(1);

      await page.locator('[data-testid="dispatches-retry-all"]').click();
      await page.getByRole('dialog').locator('.ant-btn-primary').click();
      await page.getByText(`已安排 ${left.length} 条立即重发`).waitFor();
      await page.waitForSelector('[data-testid="dispatch-row"]', { state: 'detached', timeout: 45_000 });
      expect(await page.locator('[data-testid="dispatches-retry-all"]').isDisabled()).toBe(true);
      const sent = new Set(external.requests.map((r) => String(r.headers['idempotency-key'])));
      expect([first, ...left].filter((id) => !sent.has(id))).toEqual([]);
      // Each went once: the receiver saw no key twice.
      expect(external.requests.filter((r) => !r.processed)).toEqual([]);
    } finally {
      await external.stop();
      await ctx.close();
    }
  });

  it('an administrator opens an account for a new officer, who must set a password of their own first', async () => {
    // A new officer on the roster (assessment owns it; the gateway's copy follows by event).
    const adminToken = await stack.token('admin1');
    const added = await fetch(`${stack.base}/api/v1/roster/people`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ id: 'p-officer-7', name: '新办案员', roles: ['OFFICER'], unit: '区打非联办' }),
    });
    expect(added.status).toBeLessThan(300);

    const { ctx, page } = await signIn('admin1');
    await page.click('a[href="/accounts"]');
    const row = page.locator('[data-testid="account-row"][data-person="p-officer-7"]');
    await eventually(
      async () => {
        if (await row.count()) return true;
        await page.reload();
        await page.waitForSelector('[data-testid="account-row"]');
        return undefined;
      },
      30_000,
      1_000,
    );
    await row.locator('[data-testid="account-open"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('账号名').fill('7officer');
    await dialog.locator('.ant-btn-primary').click();
    await dialog.getByText('3–32 位字母、数字、点、下划线或连字符，以字母开头').first().waitFor(); // refused before sending
    await dialog.getByLabel('账号名').fill('officer7');
    await dialog.locator('.ant-btn-primary').click();
    const temporary = (await page.locator('[data-testid="account-temporary-password"]').innerText()).trim();
    expect(temporary.length).toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: join(SHOTS, '10-accounts.png'), fullPage: true });
    await page.getByRole('dialog').locator('.ant-btn-primary').click();
    await page.waitForSelector('[data-testid="account-row"][data-person="p-officer-7"] [data-testid="account-reset"]');
    await ctx.close();

    // The officer signs in with it and can do nothing but choose their own password.
    const officer = await signIn('officer7', { password: temporary, forcedPasswordChange: true });
    await officer.page.fill('#password_currentPassword', temporary);
    await officer.page.fill('#password_newPassword', 'Tianhe2026pass');
    await officer.page.fill('#password_confirm', 'Tianhe2026pass');
    await officer.page.click('[data-testid="password-submit"]');
    await officer.page.waitForSelector('[data-testid="user-menu"]');
    await officer.page.waitForSelector('[data-testid="page-title"]');
    expect(await officer.page.locator('[data-testid="password-page"]').count()).toBe(0);
    await officer.ctx.close();
    const again = await fetch(`${stack.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'officer7', password: 'Tianhe2026pass' }),
    });
    expect(((await again.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(false);
  });

  it('an administrator pauses a notification rule and gives a source system its webhook', async () => {
    const { ctx, page } = await signIn('admin1');
    await page.click('a[href="/notifications"]');
    const row = page.locator('[data-testid="rule-row"][data-id="verification-asked"]');
    await row.waitFor();
    expect(await row.getAttribute('data-active')).toBe('true');
    await row.locator('[data-testid="rule-active"]').click();
    await page.waitForSelector('[data-testid="rule-row"][data-id="verification-asked"][data-active="false"]');
    await row.locator('[data-testid="rule-active"]').click();
    await page.waitForSelector('[data-testid="rule-row"][data-id="verification-asked"][data-active="true"]');

    // The demo's bank and 穗岁安 sources have theirs (DEMO_DATA); the hotline is given one.
    await page.waitForSelector('[data-testid="endpoint-row"][data-source="demo-bank-icbc-tianhe"]');
    await page.click('[data-testid="endpoint-add"]');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('来源系统编号').fill('demo-12345-hotline');
    await dialog.getByLabel('URL').fill('ftp://not-http');
    await dialog.getByLabel('密钥编号').fill('k-2026');
    await dialog.locator('.ant-btn-primary').click();
    await dialog.getByText('请填写 http(s) 开头的完整 URL').waitFor(); // checked before anything is sent
    await dialog.getByLabel('URL').fill('https://hotline.example.test/outpost/events');
    await dialog.locator('.ant-btn-primary').click();
    const secret = await page.locator('[data-testid="endpoint-secret"]').innerText();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    await page.screenshot({ path: join(SHOTS, '09-notification-settings.png'), fullPage: true });
    await page.locator('.ant-modal-confirm .ant-btn-primary').click();
    await page.waitForSelector('[data-testid="endpoint-row"][data-source="demo-12345-hotline"]');
    expect(await page.locator('[data-testid="notification-settings"]').innerText()).not.toContain(secret);
    await ctx.close();
  });

  it("npm start's demo leads reach their states through the real APIs, and a second run changes nothing", async () => {
    const lines: string[] = [];
    const run = () =>
      runDemoLeads({
        intakeUrl: `http://127.0.0.1:${stack.ports.intake}`,
        gatewayUrl: stack.base,
        log: (line) => void lines.push(line),
      });
    const first = await run();
    expect(first.map((r) => [r.key, r.created, r.status])).toEqual(DEMO_LEADS.map((d) => [d.key, true, d.target]));

    // What an officer sees: each lead in its state, the walked ones with every command on their timeline.
    const token = await stack.login('officer1');
    const view = async (id: string) =>
      (await stack.get<LeadApi & { linkedTo: string | null }>(token, `/api/v1/leads/${id}`)).body;
    const byKey = new Map(first.map((r) => [r.key, r]));
    const referred = await view(byKey.get('demo-lead-01')!.id);
    expect(referred.status).toBe('DISPOSING');
    expect(referred.timeline.map((t) => t.action)).toEqual(
      expect.arrayContaining([
        'lead.registered',
        'lead.claimed',
        'opinion.submitted',
        'lead.decided',
        'escalation.case-opened',
      ]),
    );
    expect((await view(byKey.get('demo-lead-04')!.id)).status).toBe('CLOSED');
    // The administrative case: filed, two investigators named, a seizure waiting for the head, its 90-day clock running.
    const adminCase = byKey.get('demo-lead-09')!;
    const file = (
      await stack.get<{
        state: string;
        investigators: Array<{ personId: string; badgeNo: string }>;
        measures: Array<{ measureType: string; status: string }>;
        clocks: Array<{ kind: string; status: string }>;
      }>(token, `/api/v1/leads/${adminCase.id}/case`)
    ).body;
    expect(file.state).toBe('ADMIN_CASE_FILED');
    expect(file.investigators.map((i) => i.personId)).toEqual(['p-officer-1', 'p-officer-2']);
    expect(file.measures).toEqual([expect.objectContaining({ measureType: 'SEAL_SEIZE', status: 'REQUESTED' })]);
    expect(file.clocks).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'PENALTY_DECISION', status: 'RUNNING' })]),
    );
    expect(lines.find((l) => l.startsWith(adminCase.reference))).toMatch(
      /\(claim, submit-opinion, decide, assign-investigators, request-measure\)$/,
    );
    expect((await view(byKey.get('demo-lead-08')!.id)).linkedTo).toBe(byKey.get('demo-lead-01')!.id);

    // The linked report's page shows what it said and leads to the lead it was linked into, which lists it back.
    const [primary, report] = [byKey.get('demo-lead-01')!, byKey.get('demo-lead-08')!];
    const { ctx, page } = await signIn('officer1');
    // An officer lands on the leads waiting for a decision; the decided ones are in the disposal queue.
    await page.waitForURL(/\/queue\/decide$/);
    const row = (id: string) => `[data-testid="lead-row"][data-lead-id="${id}"]`;
    await page.waitForSelector(row(byKey.get('demo-lead-02')!.id));
    expect(await page.locator('[data-testid="lead-row"]').count()).toBe(1);
    // Its decision deadline says how long is left, not only when it falls due.
    expect(await page.locator(`${row(byKey.get('demo-lead-02')!.id)} [data-testid="time-left"]`).innerText()).toMatch(
      /^剩余 \d+ (天|小时)$/,
    );
    // On a 1440-pixel screen the due time and the holder are in view without scrolling the table sideways.
    const table = (await page.locator('.ant-table-container').first().boundingBox())!;
    for (const column of ['期限', '承办人']) {
      const box = (await page.locator('.ant-table-thead th', { hasText: column }).first().boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(table.x + table.width);
    }
    await page.click('a[href="/queue/disposing"]');
    await page.waitForSelector(row(primary.id));
    expect(await page.locator(row(byKey.get('demo-lead-02')!.id)).count()).toBe(0);
    // 我的任务 is what the user holds now: officer1 decided the referral and handles its case; the volunteer who
    // assessed it is named on the lead's page, and no longer holds it.
    await page.click('a[href="/queue/mine"]');
    await page.waitForSelector(row(primary.id));
    const assessor = (await stack.get<{ assignee: { id: string } | null }>(token, `/api/v1/leads/${primary.id}`)).body
      .assignee!.id;
    const assessorLogin = DEMO_ACCOUNTS.find((a) => a.personId === assessor)!.login;
    const theirs = await stack.get<{ items: Array<{ id: string }> }>(
      await stack.login(assessorLogin),
      '/api/v1/leads?holder=me&stage=intake,assessment,escalation&pageSize=200',
    );
    expect(theirs.body.items.map((x) => x.id)).not.toContain(primary.id);
    await page.goto(`${stack.base}/leads/${primary.id}`);
    expect(await page.innerText('[data-testid="lead-holder"]')).toBe('区打非联办官员');
    expect(await page.innerText('[data-testid="lead-assessed-by"]')).not.toBe('');
    // A head lands on what waits for approval: the referral and the seizure of the demo cases, and nothing else.
    const head = await signIn('supervisor1');
    await head.page.waitForURL(/\/queue\/approve$/);
    await head.page.waitForSelector(row(primary.id));
    await head.page.waitForSelector(row(adminCase.id));
    expect(await head.page.locator('[data-testid="lead-row"]').count()).toBe(2);
    await head.ctx.close();
    // The dashboard counts the linked report among the reports, not as open work.
    await page.click('a[href="/dashboard"]');
    expect(await page.innerText('[data-testid="dash-linked"]')).toBe('（含并入 1）');
    await page.goto(`${stack.base}/leads/${report.id}`);
    await page.waitForSelector('[data-testid="linked-to"]');
    expect(await page.innerText('[data-testid="lead-detail"]')).toContain('又有居民反映沙河服装城养老项目推介会');
    expect(await page.innerText('[data-testid="lead-detail"]')).not.toMatch(/null|NaN/);
    // Not triaged (the lead it joined carries the score): intake's screening hits explain its score.
    expect(await page.innerText('[data-testid="screening-hits"]')).toContain('养老');
    await page.screenshot({ path: join(SHOTS, '07-linked-report.png'), fullPage: true });
    await page.click('[data-testid="linked-to"]');
    await page.waitForSelector(`[data-testid="lead-detail"][data-lead-id="${primary.id}"]`);
    await page.click(`[data-testid="linked-reports"] a:has-text("${report.reference}")`);
    await page.waitForSelector(`[data-testid="lead-detail"][data-lead-id="${report.id}"]`);
    // The list sorts by a column header: the highest risk score first, as the API orders it (not as reported).
    const officerToken = await stack.token('officer1');
    const order = async (sort: string) =>
      (await stack.get<{ items: Array<{ id: string }> }>(officerToken, `/api/v1/leads?sort=${sort}&pageSize=20`)).body
        .items[0]!.id;
    const [byScore, byReported] = [await order('-score'), await order('-reportedAt')];
    expect(byScore).not.toBe(byReported);
    await page.goto(`${stack.base}/leads`);
    await page.waitForSelector(`[data-testid="lead-row"][data-lead-id="${byReported}"]`);
    await page.locator('.ant-table-thead th', { hasText: '风险分' }).click();
    await eventually(async () =>
      (await page.locator('[data-testid="lead-row"]').first().getAttribute('data-lead-id')) === byScore
        ? true
        : undefined,
    );
    await ctx.close();

    // Again, as a second `npm start` would: the same leads back, no command given, no timeline entry added.
    const timelines = await Promise.all(first.map(async (r) => (await view(r.id)).timeline.length));
    lines.length = 0;
    const second = await run();
    expect(second.map((r) => [r.id, r.created, r.status])).toEqual(first.map((r) => [r.id, false, r.status]));
    expect(lines.filter((l) => l.endsWith(')'))).toEqual([]);
    expect(await Promise.all(first.map(async (r) => (await view(r.id)).timeline.length))).toEqual(timelines);
  });
  it('an administrative case in the UI: investigators, a seizure the head approves, and its legal deadlines on the page', async () => {
    // The demo lead waiting for a decision (the demo test above leaves exactly one).
    const token = await stack.login('officer1');
    const waiting = await stack.get<{ items: Array<{ id: string }> }>(token, '/api/v1/leads?status=OPINION_SUBMITTED');
    expect(waiting.body.items).toHaveLength(1);
    const id = waiting.body.items[0]!.id;
    const whenAllowed = async (page: Page, login: string, action: string) => {
      const t = await stack.token(login);
      await eventually(
        async () => {
          const r = await stack.get<{ actions: Array<{ action: string }> }>(t, `/api/v1/leads/${id}/allowed-actions`);
          return r.body.actions?.some((a) => a.action === action) ? true : undefined;
        },
        60_000,
        400,
      );
      await page.goto(`${stack.base}/leads/${id}`);
      await page.waitForSelector(`[data-testid="action-${action}"]`, { timeout: 45_000 });
    };

    const officer = await signIn('officer1');
    await officer.page.goto(`${stack.base}/leads/${id}`);
    await act(officer.page, 'decide', async (p) => {
      await choose(p, 'action-decide_decision', '行政立案');
      await p.fill('#action-decide_reasoning', '经研判，涉嫌非法集资宣传且数额较小，依法行政立案调查。');
    });
    await whenAllowed(officer.page, 'officer1', 'assign-investigators');
    // The case and its first legal deadline: the penalty decision, 90 days from filing (条例).
    await officer.page.waitForSelector('[data-testid="case-file"][data-state="ADMIN_CASE_FILED"]');
    const penalty = officer.page.locator(
      '[data-testid="case-clock"][data-kind="PENALTY_DECISION"][data-status="RUNNING"]',
    );
    expect(await penalty.count()).toBe(1);
    // 90 days from filing (longer when the 90th falls on a day off): how many are left, not only the date.
    expect(
      Number(/^剩余 (\d+) 天$/.exec(await penalty.locator('[data-testid="time-left"]').innerText())?.[1]),
    ).toBeGreaterThanOrEqual(90);
    expect(await officer.page.innerText('[data-testid="case-handler"]')).toBe('区打非联办官员');

    await act(officer.page, 'assign-investigators', async (p) => {
      await choose(p, 'action-assign-investigators_investigators_0_person', '区打非联办官员');
      await p.fill('#action-assign-investigators_investigators_0_badgeNo', 'GD-44010601');
      await choose(p, 'action-assign-investigators_investigators_1_person', '金融监管支局官员');
      await p.fill('#action-assign-investigators_investigators_1_badgeNo', 'GD-44010602');
    });
    await officer.page.waitForSelector('[data-testid="case-investigators"]:has-text("GD-44010602")');
    await whenAllowed(officer.page, 'officer1', 'request-measure');
    await act(officer.page, 'request-measure', async (p) => {
      await choose(p, 'action-request-measure_measureType', '查封、扣押（需负责人批准）');
      await p.fill('#action-request-measure_description', '扣押推介会宣传资料及认购合同');
    });
    await officer.page.waitForSelector('[data-testid="case-measure"][data-status="REQUESTED"]');

    // The head finds it in 待审批 and approves it, choosing the measure by what it is (not by its id).
    const head = await signIn('supervisor1');
    await head.page.waitForURL(/\/queue\/approve$/);
    await head.page.waitForSelector(`[data-testid="lead-row"][data-lead-id="${id}"]`);
    await whenAllowed(head.page, 'supervisor1', 'approve-measure');
    // The head may also refuse it (不批准措施, with a reason): offered beside approval.
    expect(await head.page.locator('[data-testid="action-refuse-measure"]').count()).toBe(1);
    await act(head.page, 'approve-measure', async (p) =>
      choose(p, 'action-approve-measure_measureId', '查封、扣押（需负责人批准）：扣押推介会宣传资料及认购合同'),
    );
    await head.page.waitForSelector('[data-testid="case-measure"][data-status="ACTIVE"]');
    // The seizure's own 30-day clock runs from the approval (行政强制法第25条).
    await head.page.waitForSelector('[data-testid="case-clock"][data-kind="SEIZURE"][data-status="RUNNING"]');
    await head.page.screenshot({ path: join(SHOTS, '08-admin-case.png'), fullPage: true });
    // The head hands the case to officer2 (转办), who now holds it in 我的任务.
    await act(head.page, 'assign-handler', async (p) => {
      await choose(p, 'action-assign-handler_handlerId', '金融监管支局官员 · 金融监管支局');
      await p.fill('#action-assign-handler_reason', '涉及私募备案，转金融监管支局承办');
    });
    await head.page.waitForSelector('[data-testid="case-handler"]:has-text("金融监管支局官员")');
    await head.ctx.close();
    await officer.ctx.close();
    const theirs = await eventually(async () => {
      const r = await stack.get<{ items: Array<{ id: string }> }>(
        await stack.login('officer2'),
        '/api/v1/leads?holder=me&stage=escalation',
      );
      return r.body.items.some((x) => x.id === id) ? r.body.items : undefined;
    }, 30_000);
    expect(theirs.map((x) => x.id)).toContain(id);
  });
});
