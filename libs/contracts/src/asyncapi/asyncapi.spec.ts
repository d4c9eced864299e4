import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { ALL_TOPICS } from '../topics';
import { renderAsyncApi } from './write-asyncapi';

const FILE = join(__dirname, '../../../../docs/asyncapi.yaml');

describe('AsyncAPI document', () => {
  const committed = readFileSync(FILE, 'utf8');

  it('is valid AsyncAPI 3', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    const errors = diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  });

  it('describes every topic in the code', async () => {
    const { document } = await new Parser().parse(committed);
    const addresses = document!
      .channels()
      .all()
      .map((c) => c.address());
    expect([...addresses].sort()).toEqual([...ALL_TOPICS].sort());
  });

  it('matches what the contracts generate (regenerate with npm run asyncapi)', () => {
    expect(committed).toBe(renderAsyncApi());
  });
});
