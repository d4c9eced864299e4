import { transformFileSync } from '@swc/core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CommonJS file whose inline source map says it was compiled from `<name>.ts`, where `fail()` throws on line 2. */
function mappedFile(name: string): string {
  const map = {
    version: 3,
    sources: [`${name}.ts`],
    names: [],
    // Generated line 1 → source line 1, generated line 2 → source line 2 (column 0 each).
    mappings: 'AAAA;AACA',
  };
  const url = `data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
  return `exports.fail = () => {\n  throw new Error('${name}'); };\n//# sourceMappingURL=${url}\n`;
}

describe('own-source-maps preload', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'own-maps-'));
    writeFileSync(
      join(dir, 'hook.js'),
      transformFileSync(join(__dirname, 'own-source-maps.ts'), {
        swcrc: false,
        module: { type: 'commonjs' },
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      }).code,
    );
    mkdirSync(join(dir, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'dep', 'index.js'), mappedFile('dep'));
    writeFileSync(join(dir, 'own.js'), mappedFile('own'));
    writeFileSync(
      join(dir, 'main.js'),
      `const { findSourceMap } = require('node:module');
       const dep = require('dep');
       const own = require('./own');
       const frame = (f) => { try { f(); } catch (e) { return e.stack.split('\\n')[1].trim(); } };
       process.stdout.write(JSON.stringify({
         enabled: process.sourceMapsEnabled,
         depMap: findSourceMap(require.resolve('dep')) !== undefined,
         ownMap: findSourceMap(require.resolve('./own')) !== undefined,
         depFrame: frame(dep.fail),
         ownFrame: frame(own.fail),
       }));`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the source maps of our files and skips those of node_modules', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--require', join(dir, 'hook.js'), join(dir, 'main.js')], {
        cwd: dir,
        encoding: 'utf8',
      }),
    ) as { enabled: boolean; depMap: boolean; ownMap: boolean; depFrame: string; ownFrame: string };
    expect(out).toMatchObject({ enabled: true, depMap: false, ownMap: true });
    // Our frame points at the TypeScript source; the dependency's at its JavaScript.
    expect(out.ownFrame).toContain(`${join(dir, 'own.ts')}:2:`);
    expect(out.depFrame).toContain(`${join(dir, 'node_modules', 'dep', 'index.js')}:2:`);
  });
});
