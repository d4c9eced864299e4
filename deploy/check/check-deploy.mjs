// Offline validation of the deployment files (called by deploy/check-manifests.sh; no cluster, no Docker engine):
//  1. every Kustomize overlay renders (kubectl kustomize) and every object passes its Kubernetes / prometheus-operator
//     JSON schema (kubernetes-models, @kubernetes-models/prometheus-operator);
//  2. Outpost's rules on the rendered objects (probes, resources, migrations in Jobs, secrets by name only, env var
//     names known to the services, network policies, demo data only in dev);
//  3. docker-compose.yml: services and environment consistent with the services' config schemas;
//  4. deploy/docker/Dockerfile + .dockerignore: the rules we rely on (pinned base, non-root, HEALTHCHECK, no ADD URL).
// Prints every problem and exits 1 if there is any.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { DEFAULT_PORTS, SERVICES, knownEnv } from './env-vars.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const K8S = path.join(ROOT, 'deploy/k8s');
const OVERLAYS = ['dev', 'prod'];
const problems = [];
const fail = (where, msg) => problems.push(`${where}: ${msg}`);
const ENV = Object.fromEntries(SERVICES.map((s) => [s, knownEnv(ROOT, s)]));
/** deploy/service-node-flags as the image's NODE_OPTIONS (compiled tree at /app/dist). */
const NODE_OPTIONS = fs
  .readFileSync(path.join(ROOT, 'deploy/service-node-flags'), 'utf8')
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((arg) => arg.replace('{dist}', '/app/dist'))
  .join(' ');
/** The same flags whatever the old-generation cap (Kubernetes lowers it to fit a smaller memory limit). */
const sameNodeFlags = (options) =>
  (options ?? '').replace(/--max-old-space-size=\d+/, '--max-old-space-size=N') ===
  NODE_OPTIONS.replace(/--max-old-space-size=\d+/, '--max-old-space-size=N');

// ── Kubernetes ─────────────────────────────────────────────────────────────────────────────────────────────────────

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const spec =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
      : `kubernetes-models/${group ? `${group}/${version}` : version}/${kind}`;
  try {
    return (await import(spec))[kind];
  } catch {
    return null;
  }
}

function render(overlay) {
  const out = execFileSync('kubectl', ['kustomize', path.join(K8S, 'overlays', overlay)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return YAML.parseAllDocuments(out).map((d) => d.toJS());
}

/** Secret names and keys documented in secrets.example.yaml (the only place secrets are spelt out, as placeholders). */
function exampleSecrets() {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(K8S, 'secrets.example.yaml'), 'utf8')).map((d) =>
    d.toJS(),
  );
  return new Map(docs.map((d) => [d.metadata.name, new Set(Object.keys({ ...d.data, ...d.stringData }))]));
}

const SECRETISH = /(TOKEN|SECRET|PASSWORD|PEPPER|PRIVATE_KEY|ENCRYPTION_KEY|EXTERNAL_SYSTEMS)$/;
const CREDENTIAL_URL = /^[a-z+]+:\/\/[^/@\s]*:[^/@\s]+@/;

function podSpecOf(o) {
  if (o.kind === 'Deployment') return o.spec.template.spec;
  if (o.kind === 'Job') return o.spec.template.spec;
  return null;
}

function envOf(container, configMaps, where) {
  const env = new Map();
  for (const ef of container.envFrom ?? []) {
    if (ef.secretRef) fail(where, `envFrom secretRef ${ef.secretRef.name}: reference single keys instead`);
    if (!ef.configMapRef) continue;
    const cm = configMaps.get(ef.configMapRef.name);
    if (!cm) fail(where, `envFrom configMap ${ef.configMapRef.name} is not in the rendered output`);
    for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(k, { value: v });
  }
  for (const e of container.env ?? []) env.set(e.name, e.valueFrom ? { from: e.valueFrom } : { value: e.value });
  return env;
}

function checkSecretRefs(podSpec, secrets, where) {
  const refs = [];
  for (const c of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) refs.push(e.valueFrom.secretKeyRef);
  }
  for (const v of podSpec.volumes ?? []) {
    if (v.secret) {
      const keys = secrets.get(v.secret.secretName);
      if (!keys) fail(where, `volume secret ${v.secret.secretName} is not described in secrets.example.yaml`);
      for (const item of v.secret.items ?? []) refs.push({ name: v.secret.secretName, key: item.key });
    }
  }
  for (const r of refs) {
    const keys = secrets.get(r.name);
    if (!keys) fail(where, `secret ${r.name} is not described in secrets.example.yaml`);
    else if (!keys.has(r.key)) fail(where, `secret ${r.name} has no key ${r.key} in secrets.example.yaml`);
  }
}

function memMi(q) {
  const m = /^(\d+)(Mi|Gi)$/.exec(String(q ?? ''));
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

function probePath(p) {
  return p?.httpGet?.path;
}

async function checkOverlay(overlay, secrets) {
  let objects;
  try {
    objects = render(overlay);
  } catch (e) {
    fail(`overlay ${overlay}`, `kubectl kustomize failed: ${e.stderr || e.message}`);
    return;
  }
  const at = (o) => `${overlay}/${o.kind}/${o.metadata?.name}`;
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  // 1. schemas
  for (const o of objects) {
    if (!o.apiVersion || !o.kind || !o.metadata?.name) {
      fail(`${overlay}`, `object without apiVersion/kind/name: ${JSON.stringify(o).slice(0, 120)}`);
      continue;
    }
    const Model = await modelFor(o.apiVersion, o.kind);
    if (!Model) {
      fail(at(o), `no schema known for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      fail(at(o), `schema: ${e.message}`);
    }
  }

  // 2. rules
  const namespaces = new Set(objects.filter((o) => o.metadata.namespace).map((o) => o.metadata.namespace));
  if (namespaces.size !== 1) fail(overlay, `objects span namespaces ${[...namespaces].join(', ')}`);
  for (const s of byKind('Secret')) fail(at(s), 'Secret objects are never rendered from git (reference by name only)');

  const configMaps = new Map(byKind('ConfigMap').map((c) => [c.metadata.name, c]));
  for (const cm of configMaps.values()) {
    for (const [k, v] of Object.entries(cm.data ?? {})) {
      if (SECRETISH.test(k)) fail(at(cm), `${k} looks secret: use a secretKeyRef`);
      if (CREDENTIAL_URL.test(v)) fail(at(cm), `${k} holds a URL with credentials: use a secretKeyRef`);
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v)) fail(at(cm), `${k} holds a private key`);
    }
  }

  for (const o of objects) {
    const spec = podSpecOf(o);
    if (!spec) continue;
    checkSecretRefs(spec, secrets, at(o));
    if (spec.automountServiceAccountToken !== false) fail(at(o), 'automountServiceAccountToken must be false');
    if (spec.securityContext?.runAsNonRoot !== true) fail(at(o), 'pod securityContext.runAsNonRoot must be true');
    for (const c of spec.containers) {
      if (!/:[\w.-]+$|@sha256:[0-9a-f]{64}$/.test(c.image) || /:latest$/.test(c.image)) {
        fail(at(o), `image ${c.image} must carry a tag (not latest) or digest`);
      }
      if (c.securityContext?.allowPrivilegeEscalation !== false) fail(at(o), `${c.name}: allowPrivilegeEscalation`);
      if (!c.securityContext?.capabilities?.drop?.includes('ALL')) fail(at(o), `${c.name}: capabilities must drop ALL`);
      if (!c.resources?.requests?.memory || !c.resources?.limits?.memory || !c.resources?.requests?.cpu) {
        fail(at(o), `${c.name}: resources need cpu/memory requests and a memory limit`);
      }
    }
  }

  let demo = false;
  for (const svc of SERVICES) {
    const dep = find('Deployment', svc);
    if (!dep) {
      fail(`${overlay}/Deployment/${svc}`, 'missing');
      continue;
    }
    const pod = dep.spec.template.spec;
    const c = pod.containers[0];
    const env = envOf(c, configMaps, at(dep));
    for (const name of env.keys()) if (!ENV[svc].has(name)) fail(at(dep), `env ${name} is not read by ${svc}`);
    for (const [name, e] of env) {
      if (SECRETISH.test(name) && e.value !== undefined) fail(at(dep), `${name} must come from a Secret`);
      if (/^DATABASE_(ADMIN_)?URL$|^REDIS_URL$/.test(name) && !e.from?.secretKeyRef) {
        fail(at(dep), `${name} must come from a Secret`);
      }
    }
    if (env.get('RUN_MIGRATIONS')?.value !== 'false') fail(at(dep), 'RUN_MIGRATIONS must be false (the Job migrates)');
    if (env.has('DATABASE_ADMIN_URL')) fail(at(dep), 'the Deployment must not get DATABASE_ADMIN_URL');
    if (!env.has('METRICS_TOKEN')) fail(at(dep), 'METRICS_TOKEN missing (/metrics would be open)');
    const port = Number(env.get('PORT')?.value);
    if (port !== DEFAULT_PORTS[svc]) fail(at(dep), `PORT ${port} (expected ${DEFAULT_PORTS[svc]})`);
    if (!c.ports?.some((p) => p.name === 'http' && p.containerPort === port))
      fail(at(dep), 'containerPort http != PORT');
    const nodeEnv = env.get('NODE_ENV')?.value;
    const demoData = env.get('DEMO_DATA')?.value;
    if (demoData === 'true') {
      demo = true;
      if (overlay !== 'dev') fail(at(dep), 'DEMO_DATA=true outside the dev overlay');
      if (nodeEnv !== 'development') fail(at(dep), 'DEMO_DATA=true needs NODE_ENV=development (refused in production)');
    } else if (demoData !== 'false') fail(at(dep), 'DEMO_DATA must be set explicitly');
    if (overlay === 'prod' && nodeEnv !== 'production') fail(at(dep), 'NODE_ENV must be production');
    if (probePath(c.readinessProbe) !== '/health/ready') fail(at(dep), 'readinessProbe must GET /health/ready');
    if (probePath(c.livenessProbe) !== '/health/live') fail(at(dep), 'livenessProbe must GET /health/live');
    if (!c.startupProbe) fail(at(dep), 'startupProbe missing');
    const mem = memMi(c.resources?.limits?.memory);
    if (!(mem >= 256 && mem <= 384)) fail(at(dep), `memory limit ${c.resources?.limits?.memory} outside 256Mi-384Mi`);
    if (!sameNodeFlags(env.get('NODE_OPTIONS')?.value))
      fail(at(dep), `NODE_OPTIONS must be deploy/service-node-flags (${NODE_OPTIONS}), old-space cap aside`);
    const heap = /--max-old-space-size=(\d+)/.exec(env.get('NODE_OPTIONS')?.value ?? '');
    if (!heap || Number(heap[1]) >= mem)
      fail(at(dep), 'NODE_OPTIONS --max-old-space-size must be below the memory limit');
    if (c.securityContext?.readOnlyRootFilesystem !== true) fail(at(dep), 'readOnlyRootFilesystem must be true');

    const selector = dep.spec.selector.matchLabels;
    const matches = (sel) => sel && Object.entries(sel).every(([k, v]) => dep.spec.template.metadata.labels[k] === v);
    const svcObj = find('Service', svc);
    if (!svcObj || !matches(svcObj.spec.selector))
      fail(`${overlay}/Service/${svc}`, 'missing or not selecting the pods');
    else if (!svcObj.spec.ports.some((p) => p.port === port && p.name === 'http'))
      fail(at(svcObj), `no http port ${port}`);
    const pdb = find('PodDisruptionBudget', svc);
    if (!pdb || !matches(pdb.spec.selector.matchLabels))
      fail(`${overlay}/PodDisruptionBudget/${svc}`, 'missing/mismatch');
    const hpa = find('HorizontalPodAutoscaler', svc);
    if (!hpa || hpa.spec.scaleTargetRef.name !== svc || hpa.spec.scaleTargetRef.kind !== 'Deployment') {
      fail(`${overlay}/HorizontalPodAutoscaler/${svc}`, 'missing or not targeting the Deployment');
    } else {
      if (!hpa.spec.metrics?.some((m) => m.type === 'Resource' && m.resource.name === 'cpu'))
        fail(at(hpa), 'no CPU metric');
      if (overlay === 'prod' && hpa.spec.minReplicas < 2)
        fail(at(hpa), 'prod minReplicas < 2 (PDB could block drains)');
    }
    const sm = find('ServiceMonitor', svc);
    const ep = sm?.spec.endpoints?.[0];
    if (!sm || !matches(sm.spec.selector.matchLabels) || ep?.path !== '/metrics' || ep?.port !== 'http') {
      fail(`${overlay}/ServiceMonitor/${svc}`, 'missing, or not scraping /metrics on port http of the pods');
    } else {
      const cred = ep.authorization?.credentials ?? ep.bearerTokenSecret;
      const tokenRef = env.get('METRICS_TOKEN')?.from?.secretKeyRef;
      if (!cred || cred.name !== tokenRef?.name || cred.key !== tokenRef?.key) {
        fail(at(sm), 'bearer token must come from the same Secret key as METRICS_TOKEN');
      }
    }
    const job = find('Job', `${svc}-migrate`);
    if (!job) fail(`${overlay}/Job/${svc}-migrate`, 'missing');
    else {
      const jc = job.spec.template.spec.containers[0];
      const jenv = envOf(jc, configMaps, at(job));
      if (jenv.get('RUN_MIGRATIONS')?.value !== 'true') fail(at(job), 'RUN_MIGRATIONS must be true');
      if (!jenv.get('DATABASE_ADMIN_URL')?.from?.secretKeyRef)
        fail(at(job), 'DATABASE_ADMIN_URL must come from a Secret');
      if (!jc.command?.join(' ').includes('deploy/docker/migrate.js'))
        fail(at(job), 'must run deploy/docker/migrate.js');
      if (jc.image !== c.image) fail(at(job), `image ${jc.image} differs from the Deployment's ${c.image}`);
      for (const name of jenv.keys()) if (!ENV[svc].has(name)) fail(at(job), `env ${name} is not read by ${svc}`);
    }
  }
  if (overlay === 'dev' && !demo) fail(overlay, 'the dev overlay is expected to set DEMO_DATA=true');
  if (!find('Job', 'kafka-topics')) fail(overlay, 'Job kafka-topics (deploy/kafka/apply-topics.js) missing');

  // Network: default deny both ways; from outside (other namespaces / IP blocks) only gateway and intake, except
  // Prometheus scraping from the monitoring namespace.
  const policies = byKind('NetworkPolicy');
  const denyAll = policies.find(
    (p) =>
      Object.keys(p.spec.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)) &&
      !p.spec.ingress &&
      !p.spec.egress,
  );
  if (!denyAll) fail(overlay, 'no default-deny NetworkPolicy (podSelector {}, Ingress+Egress, no rules)');
  const selectedNames = (p) => {
    const sel = p.spec.podSelector ?? {};
    const names = new Set(SERVICES);
    if (sel.matchLabels?.['app.kubernetes.io/name']) return new Set([sel.matchLabels['app.kubernetes.io/name']]);
    const expr = sel.matchExpressions?.find((e) => e.key === 'app.kubernetes.io/name' && e.operator === 'In');
    return expr ? new Set(expr.values) : names;
  };
  for (const p of policies) {
    for (const rule of p.spec.ingress ?? []) {
      const external = (rule.from ?? [{}]).filter(
        (f) =>
          f.ipBlock ||
          (f.namespaceSelector && f.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring'),
      );
      const open = !rule.from || rule.from.length === 0;
      if (external.length || open) {
        for (const n of selectedNames(p)) {
          if (n !== 'gateway' && n !== 'intake') fail(at(p), `lets traffic from outside the namespace reach ${n}`);
        }
      }
    }
  }
  for (const ing of byKind('Ingress')) {
    for (const r of ing.spec.rules ?? []) {
      for (const pth of r.http?.paths ?? []) {
        const name = pth.backend.service?.name;
        if (name !== 'gateway' && name !== 'intake') fail(at(ing), `exposes ${name}; only gateway and intake may be`);
      }
    }
  }
}

// ── docker-compose.yml ─────────────────────────────────────────────────────────────────────────────────────────────

function checkCompose() {
  const file = path.join(ROOT, 'docker-compose.yml');
  const where = 'docker-compose.yml';
  let doc;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true });
  } catch (e) {
    fail(where, `does not parse: ${e.message}`);
    return;
  }
  const services = doc.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    for (const d of deps) if (!services[d]) fail(`${where} ${name}`, `depends_on unknown service ${d}`);
    for (const v of s.volumes ?? []) {
      const src = String(v).split(':')[0];
      if (!src.startsWith('.') && !src.startsWith('/') && !(doc.volumes && src in doc.volumes)) {
        fail(`${where} ${name}`, `volume ${src} is not declared under volumes:`);
      }
    }
  }
  for (const svc of SERVICES) {
    const s = services[svc];
    const w = `${where} ${svc}`;
    if (!s) {
      fail(w, 'missing');
      continue;
    }
    if (s.build?.args?.SERVICE !== svc) fail(w, 'build.args.SERVICE must be the service name');
    const env = Object.fromEntries(
      Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
    );
    for (const k of Object.keys(env)) if (!ENV[svc].has(k)) fail(w, `environment ${k} is not read by ${svc}`);
    for (const k of Object.keys(env)) {
      if (SECRETISH.test(k)) fail(w, `${k} is secret: put it in .outpost/compose.env or a key file`);
    }
    if (Number(env.PORT) !== DEFAULT_PORTS[svc]) fail(w, `PORT ${env.PORT} (expected ${DEFAULT_PORTS[svc]})`);
    if (env.HOST !== '0.0.0.0') fail(w, 'HOST must be 0.0.0.0 inside a container');
    const dbUser = env.DATABASE_URL && new URL(env.DATABASE_URL).username;
    if (dbUser !== `outpost_${svc}`) fail(w, `DATABASE_URL must connect as outpost_${svc}`);
    for (const k of ['REDIS_URL', 'KAFKA_BROKERS', 'DATABASE_ADMIN_URL']) if (!env[k]) fail(w, `${k} missing`);
    const host = (u) =>
      u
        .replace(/^\w+:\/\//, '')
        .split(/[/:@]/)
        .filter(Boolean);
    if (env.KAFKA_BROKERS)
      for (const b of env.KAFKA_BROKERS.split(',')) if (!services[b.split(':')[0]]) fail(w, `broker ${b}?`);
    if (env.REDIS_URL && !services[host(env.REDIS_URL)[0]]) fail(w, `REDIS_URL host not a compose service`);
    if (!/\$\{DEMO_DATA:-false\}/.test(fs.readFileSync(file, 'utf8'))) fail(where, 'DEMO_DATA must default to false');
    if (!(s.volumes ?? []).some((v) => String(v).startsWith('./.outpost/keys:') && String(v).endsWith(':ro'))) {
      fail(w, 'must mount ./.outpost/keys read-only');
    }
    for (const [k, v] of Object.entries(env)) if (CREDENTIAL_URL.test(v)) fail(w, `${k} holds credentials`);
    for (const p of s.ports ?? []) if (!String(p).startsWith('127.0.0.1:')) fail(w, `port ${p} must bind 127.0.0.1`);
  }
  const gw = services.gateway?.environment ?? {};
  for (const svc of SERVICES.filter((s) => s !== 'gateway')) {
    const key = `${svc.toUpperCase()}_URL`;
    const u = gw[key] ? new URL(gw[key]) : null;
    if (!u || u.hostname !== svc || Number(u.port) !== DEFAULT_PORTS[svc]) {
      fail(`${where} gateway`, `${key} must be http://${svc}:${DEFAULT_PORTS[svc]}`);
    }
  }
  const notif = services.notification?.environment ?? {};
  for (const k of ['SMTP_URL', 'SMS_GATEWAY_URL', 'MAIL_FROM'])
    if (!notif[k]) fail(`${where} notification`, `${k} missing`);
  if (!services['kafka-topics']?.command?.join(' ').includes('apply-topics.js')) {
    fail(where, 'kafka-topics must run deploy/kafka/apply-topics.js');
  }
}

// ── Dockerfile ─────────────────────────────────────────────────────────────────────────────────────────────────────

function checkDockerfile() {
  const where = 'deploy/docker/Dockerfile';
  const text = fs.readFileSync(path.join(ROOT, where), 'utf8');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM\s/i.test(l));
  if (!froms.length) fail(where, 'no FROM');
  const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(text)?.[1];
  if (nodeOptions !== NODE_OPTIONS) fail(where, `NODE_OPTIONS must be deploy/service-node-flags: "${NODE_OPTIONS}"`);
  for (const f of froms) {
    const image = f.split(/\s+/)[1];
    if (!/^[\w./-]+(:[\w.-]+)(@sha256:[0-9a-f]{64})?$/.test(image) || /:latest\b/.test(image)) {
      fail(where, `base ${image} must be pinned to a version tag (or digest), not latest or a variable`);
    }
  }
  if (!/^node:\d+\.\d+-bookworm-slim/.test(froms.at(-1)?.split(/\s+/)[1] ?? '')) {
    fail(where, 'runtime stage must be node:<major.minor>-bookworm-slim');
  }
  for (const l of lines) if (/^ADD\s.*\bhttps?:\/\//i.test(l)) fail(where, `ADD of a URL: ${l}`);
  const runtime = lines.slice(lines.lastIndexOf(froms.at(-1)));
  const users = runtime.filter((l) => /^USER\s/i.test(l));
  const lastUser = users.at(-1)?.split(/\s+/)[1] ?? 'root';
  if (/^(root|0)(:|$)/.test(lastUser)) fail(where, 'the runtime stage must end as a non-root USER');
  if (!runtime.some((l) => /^HEALTHCHECK\s/i.test(l) && !/\sNONE$/i.test(l)))
    fail(where, 'runtime stage has no HEALTHCHECK');
  const cmd = runtime.filter((l) => /^(CMD|ENTRYPOINT)\s/i.test(l)).at(-1);
  if (!cmd || !/^(CMD|ENTRYPOINT)\s+\[/.test(cmd))
    fail(where, 'CMD/ENTRYPOINT must use the exec form (signals reach node)');
  const nm = runtime.find((l) => /^COPY\s.*node_modules/.test(l));
  if (!nm || !/--from=deps\b/.test(nm))
    fail(where, 'runtime node_modules must come from the production-only deps stage');
  if (!lines.some((l) => /npm ci\b.*--omit=dev/.test(l))) fail(where, 'no production-only npm ci --omit=dev');
  if (/\b(ENV|ARG)\s+[^\n]*(SECRET|PASSWORD|TOKEN|PEPPER|PRIVATE_KEY)\w*=/i.test(text))
    fail(where, 'secret in ENV/ARG');

  const ignore = fs.existsSync(path.join(ROOT, '.dockerignore'))
    ? fs
        .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
    : null;
  if (!ignore) fail('.dockerignore', 'missing');
  else
    for (const must of ['.git', '.outpost', 'node_modules', 'dist'])
      if (!ignore.includes(must)) fail('.dockerignore', `must exclude ${must}`);
}

// ── no real secrets in the deployment files ──────────────────────────────────────────────────────────────────────

function checkNoSecretMaterial() {
  const files = [
    'docker-compose.yml',
    ...fs.readdirSync(K8S, { recursive: true }).map((f) => path.join('deploy/k8s', f)),
  ].filter((f) => /\.ya?ml$/.test(f));
  for (const f of files) {
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n\s*[A-Za-z0-9+/]{40,}/.test(text)) fail(f, 'contains a private key');
    if (/^\s*[\w.-]+:\s*[A-Za-z0-9+/]{43}=\s*$/m.test(text)) fail(f, 'contains what looks like a 32-byte base64 key');
  }
  const kust = fs.readdirSync(K8S, { recursive: true }).filter((f) => f.endsWith('kustomization.yaml'));
  for (const k of kust) {
    const resources = YAML.parse(fs.readFileSync(path.join(K8S, k), 'utf8')).resources ?? [];
    if (resources.some((r) => String(r).includes('secrets.example'))) {
      fail(`deploy/k8s/${k}`, 'must not include secrets.example.yaml');
    }
  }
}

const started = Date.now();
const secrets = exampleSecrets();
for (const o of OVERLAYS) await checkOverlay(o, secrets);
checkCompose();
checkDockerfile();
checkNoSecretMaterial();

if (problems.length) {
  console.error(`deploy check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(
  `deploy check: overlays ${OVERLAYS.join(', ')} render and validate, compose and Dockerfile consistent (${Date.now() - started} ms)`,
);
