import fc from 'fast-check';

/**
 * Property-based fuzzer driven by an OpenAPI document: for every operation it derives requests that are malformed BY
 * CONSTRUCTION (one schema rule broken on an otherwise valid body, broken JSON, wrong media type, bad path parameter),
 * sends them, and checks the properties: no 5xx, no 2xx, every error application/problem+json, and a field path in
 * `errors[]` when a body field was broken.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  maxLength?: number;
  minLength?: number;
  maximum?: number;
  minimum?: number;
  maxItems?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
  example?: unknown;
  examples?: unknown;
};

export interface FuzzTarget {
  method: string;
  path: string;
  /** Sample value for path parameters that makes a valid URL (for body fuzzing of /{id} routes). */
  pathParams: string[];
  /** Query parameters the operation declares, with their schemas (each gets junk values, and breaks of its rules). */
  queryParams: Array<{ name: string; schema: Schema }>;
  bodySchema: Schema | null;
  example: unknown;
  multipart: boolean;
  headers: Record<string, string>;
}

export interface FuzzCase {
  target: FuzzTarget;
  url: string;
  body: string | undefined;
  contentType: string | undefined;
  /** The mutation broke one body field: the answer must name a path. */
  fieldPath: string | null;
  kind: string;
}

export interface FuzzReport {
  requests: number;
  perEndpoint: Record<string, number>;
  statuses: Record<string, number>;
  fiveXx: number;
  accepted2xx: number;
  notProblemJson: number;
  missingFieldPath: number;
  samples: string[];
}

function resolve(doc: Record<string, unknown>, s: Schema | undefined): Schema | undefined {
  if (!s?.$ref) return s;
  const parts = s.$ref.replace(/^#\//, '').split('/');
  let cur: unknown = doc;
  for (const p of parts) cur = (cur as Record<string, unknown>)[p];
  return cur as Schema;
}

/** The operations of an OpenAPI document worth fuzzing (everything under /v1 or /api/v1 that is not a health probe). */
export function targetsOf(
  doc: Record<string, unknown>,
  only: (method: string, path: string) => boolean,
  headers: Record<string, string>,
): FuzzTarget[] {
  const out: FuzzTarget[] = [];
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method) || !only(method, path)) continue;
      const content = ((op.requestBody as Record<string, unknown> | undefined)?.content ?? {}) as Record<
        string,
        { schema?: Schema; examples?: Record<string, { value: unknown }>; example?: unknown }
      >;
      const json = content['application/json'];
      const exampleMap = json?.examples;
      const example = json?.example ?? (exampleMap ? Object.values(exampleMap)[0]?.value : undefined);
      out.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        queryParams: ((op.parameters ?? []) as Array<{ in?: string; name?: string; schema?: Schema }>)
          .filter((x) => x.in === 'query' && x.name)
          .map((x) => ({ name: x.name!, schema: resolve(doc, x.schema) ?? {} })),
        bodySchema: json ? (resolve(doc, json.schema) ?? null) : null,
        example: example ?? {},
        multipart: Boolean(content['multipart/form-data']),
        headers,
      });
    }
  }
  return out;
}

const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

/** A value that is certainly NOT of the schema's type (for a type-mismatch mutation). */
function wrongType(s: Schema): unknown {
  switch (typeOf(s)) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return 'not an object';
    default:
      return undefined;
  }
}

interface Mutation {
  path: string[];
  apply: (container: Record<string, unknown>, key: string) => void;
  kind: string;
}

/** Mutations that break exactly one rule of `schema` at `path`; each is certainly invalid. */
function mutationsOf(doc: Record<string, unknown>, schema: Schema | undefined, path: string[], depth = 0): Mutation[] {
  const s = resolve(doc, schema);
  if (!s || depth > 3) return [];
  const out: Mutation[] = [];
  const set = (kind: string, v: () => unknown): Mutation => ({ path, kind, apply: (c, k) => void (c[k] = v()) });
  if (path.length) {
    const wt = wrongType(s);
    if (wt !== undefined && !s.anyOf && !s.oneOf) out.push(set('wrong-type', () => wt));
    if (s.enum) out.push(set('not-in-enum', () => 'NOT_AN_ALLOWED_VALUE_前哨'));
    if (typeof s.maxLength === 'number' && s.maxLength < 100_000)
      out.push(set('too-long', () => 'x'.repeat(s.maxLength! + 1)));
    if (typeof s.minLength === 'number' && s.minLength > 0) out.push(set('too-short', () => ''));
    if (typeof s.maximum === 'number') out.push(set('above-maximum', () => s.maximum! + 1e6));
    if (typeof s.minimum === 'number') out.push(set('below-minimum', () => s.minimum! - 1e6));
    if (typeof s.maxItems === 'number' && s.maxItems <= 1000 && s.items)
      out.push(set('too-many-items', () => Array.from({ length: s.maxItems! + 1 }, () => ({}))));
  }
  if (typeOf(s) === 'object' && s.properties) {
    if (s.additionalProperties === false)
      out.push({
        path: [...path, 'unexpectedField前哨'],
        kind: 'unknown-property',
        apply: (c, k) => void (c[k] = 'x'),
      });
    for (const r of s.required ?? [])
      out.push({ path: [...path, r], kind: 'missing-required', apply: (c, k) => void delete c[k] });
    for (const [k, sub] of Object.entries(s.properties)) out.push(...mutationsOf(doc, sub, [...path, k], depth + 1));
  }
  if (typeOf(s) === 'array' && s.items && path.length) {
    const item = resolve(doc, s.items);
    // Only inside arrays of objects: break the first element (which the valid base must then contain).
    if (item && typeOf(item) === 'object')
      for (const m of mutationsOf(doc, item, [...path, '0'], depth + 1)) out.push(m);
  }
  return out;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Values that break one rule of a query parameter's schema, each certainly invalid as a query string: a value outside
 * its enum, one character too many, a number out of range, text where an integer belongs.
 */
function queryBreaks(s: Schema): Array<{ kind: string; value: string }> {
  const out: Array<{ kind: string; value: string }> = [];
  if (s.enum) out.push({ kind: 'not-in-enum', value: 'NOT_AN_ALLOWED_VALUE_前哨' });
  if (typeof s.maxLength === 'number' && s.maxLength < 10_000)
    out.push({ kind: 'too-long', value: 'x'.repeat(s.maxLength + 1) });
  if (typeOf(s) === 'integer' || typeOf(s) === 'number') out.push({ kind: 'not-a-number', value: 'not-a-number' });
  if (typeof s.maximum === 'number') out.push({ kind: 'above-maximum', value: String(s.maximum + 1e6) });
  if (typeof s.minimum === 'number') out.push({ kind: 'below-minimum', value: String(s.minimum - 1e6) });
  return out;
}

/** Applies a mutation to a copy of the example, creating intermediate containers as needed. Null when not applicable. */
function applyMutation(example: unknown, m: Mutation): Record<string, unknown> | null {
  const root = clone(example ?? {}) as Record<string, unknown>;
  let cur: Record<string, unknown> = root;
  for (let i = 0; i < m.path.length - 1; i++) {
    const k = m.path[i];
    const next = cur[k];
    if (next === undefined || next === null || typeof next !== 'object') return null;
    cur = next as Record<string, unknown>;
  }
  const last = m.path[m.path.length - 1];
  if (m.kind === 'missing-required' && !(last in cur)) return null;
  m.apply(cur, last);
  return root;
}

const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '../../etc/passwd',
    '%00',
    "' OR 1=1 --",
    '${jndi:x}',
    '\u0000\u202e',
    '前哨'.repeat(300),
    '-1',
    '1e309',
    'null',
    '{}',
    ' ',
  ),
);

/** fast-check arbitrary of malformed requests for the given targets. */
export function caseArbitrary(
  doc: Record<string, unknown>,
  base: string,
  targets: FuzzTarget[],
): fc.Arbitrary<FuzzCase> {
  const perTarget = targets.map((t) => {
    const validUrl = `${base}${t.path.replace(/\{\w+\}/g, '00000000-0000-7000-8000-000000000000')}`;
    const muts = t.bodySchema ? mutationsOf(doc, t.bodySchema, []) : [];
    const arbs: fc.Arbitrary<FuzzCase>[] = [];
    if (muts.length) {
      arbs.push(
        fc.constantFrom(...muts).map((m): FuzzCase => {
          const body = applyMutation(t.example, m);
          if (!body)
            return {
              target: t,
              url: validUrl,
              body: '{"broken": ',
              contentType: 'application/json',
              fieldPath: null,
              kind: 'broken-json',
            };
          return {
            target: t,
            url: validUrl,
            body: JSON.stringify(body),
            contentType: 'application/json',
            fieldPath: m.path.join('/'),
            kind: m.kind,
          };
        }),
      );
    }
    if (t.bodySchema || t.multipart) {
      arbs.push(
        fc
          .oneof(
            fc
              .string({ maxLength: 200 })
              .map((s) => ({ body: `{${s}`, contentType: 'application/json', kind: 'broken-json' })),
            fc
              .oneof(
                fc.constant('null'),
                fc.constant('[]'),
                fc.constant('"text"'),
                fc.constant('42'),
                fc.constant('true'),
              )
              .map((b) => ({ body: b, contentType: 'application/json', kind: 'not-an-object' })),
            fc
              .string({ maxLength: 200 })
              .map((s) => ({ body: s, contentType: 'text/plain', kind: 'wrong-media-type' })),
            fc.constant({
              body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n',
              contentType: 'multipart/form-data; boundary=y',
              kind: 'broken-multipart',
            }),
          )
          .map((r): FuzzCase => ({
            target: t,
            url: validUrl,
            body: r.body,
            contentType: r.contentType,
            fieldPath: null,
            kind: r.kind,
          })),
      );
    }
    if (t.pathParams.length) {
      arbs.push(
        junk.map((j): FuzzCase => ({
          target: t,
          url: `${base}${t.path.replace(/\{\w+\}/g, encodeURIComponent(j) || '%20')}`,
          body: t.bodySchema ? JSON.stringify(t.example) : undefined,
          contentType: t.bodySchema ? 'application/json' : undefined,
          fieldPath: null,
          kind: 'bad-path-param',
        })),
      );
    }
    const breaks = t.queryParams.flatMap((q) => queryBreaks(q.schema).map((b) => ({ ...b, name: q.name })));
    if (breaks.length) {
      // One query parameter breaking one rule of its schema: a 400 naming it.
      arbs.push(
        fc.constantFrom(...breaks).map((b): FuzzCase => ({
          target: t,
          url: `${validUrl}?${new URLSearchParams({ [b.name]: b.value }).toString()}`,
          body: undefined,
          contentType: undefined,
          fieldPath: b.name,
          kind: `query-${b.kind}`,
        })),
      );
    }
    if (t.queryParams.length) {
      // One declared query parameter with a junk value (a search text may legitimately take it: 2xx allowed).
      arbs.push(
        fc.tuple(fc.constantFrom(...t.queryParams.map((q) => q.name)), junk).map(([name, value]): FuzzCase => ({
          target: t,
          url: `${validUrl}?${new URLSearchParams({ [name]: value }).toString()}`,
          body: undefined,
          contentType: undefined,
          fieldPath: null,
          kind: 'bad-query',
        })),
      );
    }
    if (!arbs.length) {
      // No body, no path parameter: junk query strings.
      arbs.push(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), junk, { maxKeys: 4 }).map((q): FuzzCase => ({
          target: t,
          url: `${validUrl}?${new URLSearchParams(q).toString()}&limit=-5&cursor=%ZZ`,
          body: undefined,
          contentType: undefined,
          fieldPath: null,
          kind: 'junk-query',
        })),
      );
    }
    return fc.oneof(...arbs);
  });
  return fc.oneof(...perTarget);
}

/** Sends `count` cases per target group with `parallel` in flight, and tallies the properties. */
export async function runFuzz(
  cases: FuzzCase[],
  parallel = 8,
  expect2xxOk: (c: FuzzCase, status: number, text: string) => boolean = () => false,
): Promise<FuzzReport> {
  const rep: FuzzReport = {
    requests: 0,
    perEndpoint: {},
    statuses: {},
    fiveXx: 0,
    accepted2xx: 0,
    notProblemJson: 0,
    missingFieldPath: 0,
    samples: [],
  };
  const note = (c: FuzzCase, why: string) => {
    const path = c.url.replace(/^https?:\/\/[^/]+/, '');
    if (rep.samples.length < 10)
      rep.samples.push(
        `${c.target.method} ${path.length > 100 ? `${path.slice(0, 100)}…(${path.length} chars)` : path} [${c.kind}${c.fieldPath ? ` ${c.fieldPath}` : ''}]: ${why}`,
      );
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const headers: Record<string, string> = { ...c.target.headers };
        if (c.contentType) headers['content-type'] = c.contentType;
        let status = 0;
        let ctype = '';
        let text = '';
        try {
          const r = await fetch(c.url, {
            method: c.target.method,
            headers,
            body: c.body,
            signal: AbortSignal.timeout(15_000),
          });
          status = r.status;
          ctype = r.headers.get('content-type') ?? '';
          text = await r.text();
        } catch (e) {
          status = 599;
          text = String(e);
        }
        rep.requests++;
        const ep = `${c.target.method} ${c.target.path}`;
        rep.perEndpoint[ep] = (rep.perEndpoint[ep] ?? 0) + 1;
        rep.statuses[String(status)] = (rep.statuses[String(status)] ?? 0) + 1;
        if (status >= 500) {
          rep.fiveXx++;
          note(c, `${status} ${text.slice(0, 160)}`);
          continue;
        }
        if (status < 400) {
          if (!expect2xxOk(c, status, text)) {
            rep.accepted2xx++;
            note(c, `accepted with ${status}`);
          }
          continue;
        }
        if (!ctype.includes('application/problem+json')) {
          rep.notProblemJson++;
          note(c, `${status} with content-type ${ctype}`);
          continue;
        }
        if (c.fieldPath && status === 400) {
          let errors: Array<{ path?: unknown }> = [];
          try {
            errors = (JSON.parse(text) as { errors?: Array<{ path?: unknown }> }).errors ?? [];
          } catch {
            /* counted below */
          }
          if (!errors.length || !errors.every((e) => typeof e.path === 'string' && e.path.length > 0)) {
            rep.missingFieldPath++;
            note(c, `400 without a field path: ${text.slice(0, 160)}`);
          }
        }
      }
    }),
  );
  return rep;
}
