// Creates the local (development) key material once: the gateway's ES256 internal-token key pair and the 32-byte
// secrets used for encryption at rest and HMAC signing. Production supplies these as secrets instead.
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(process.argv[2] || '.outpost/keys');
fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
const pub = path.join(dir, 'internal-jwt-public.pem');
const priv = path.join(dir, 'internal-jwt-private.pem');
if (!fs.existsSync(pub) || !fs.existsSync(priv)) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fs.writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  console.log(`[keys] created internal token key pair in ${dir}`);
}
for (const name of ['encryption-key', 'hmac-key', 'api-key-pepper']) {
  const f = path.join(dir, name);
  if (!fs.existsSync(f)) fs.writeFileSync(f, randomBytes(32).toString('base64'), { mode: 0o600 });
}
