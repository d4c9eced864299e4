/**
 * Preloaded with `node --require <dist>/libs/platform/src/own-source-maps.js` wherever a service is launched
 * (deploy/local/lib.sh, bench/lib/proc.ts, deploy/docker/Dockerfile, deploy/k8s NODE_OPTIONS) instead of
 * `--enable-source-maps`: stack traces are mapped back to the TypeScript of OUR code only.
 *
 * Why: with --enable-source-maps Node reads and keeps the source map of every loaded file that has one, and
 * node_modules ship many (typeorm, rxjs, bullmq: ~14 MB of .map files against our ~2 MB); measured, it cost every
 * service 10-15 MB of resident memory at idle, and more under load. Node decides per file, at compile time, whether to
 * cache its map (maps of files compiled while source maps are disabled are never read), so switching them off while
 * a node_modules file compiles keeps our maps and drops theirs; stack frames in node_modules show their JS lines.
 */
import Module from 'node:module';
import { sep } from 'node:path';

type Compile = (this: Module, content: string, filename: string, ...rest: unknown[]) => unknown;
const proto = Module.prototype as unknown as { _compile: Compile };
const compile = proto._compile;
const dependency = `${sep}node_modules${sep}`;

proto._compile = function compileWithOwnSourceMap(this: Module, content, filename, ...rest) {
  if (!filename.includes(dependency)) return compile.call(this, content, filename, ...rest);
  process.setSourceMapsEnabled(false);
  try {
    return compile.call(this, content, filename, ...rest);
  } finally {
    process.setSourceMapsEnabled(true);
  }
};
process.setSourceMapsEnabled(true);
