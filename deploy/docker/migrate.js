// Runs one service's database preparation and migrations, then exits: the Kubernetes migration Job
// (`node deploy/docker/migrate.js`, SERVICE from the image) and `docker compose run`. The Deployments then start with
// RUN_MIGRATIONS=false and never hold the admin credentials. Same code path as RUN_MIGRATIONS=true at start
// (prepareDatabase: creates the schema and the least-privilege role, runs the migrations under an advisory lock).
'use strict';
const path = require('node:path');

const SERVICES = ['intake', 'assessment', 'escalation', 'notification', 'gateway'];

async function main() {
  const service = process.argv[2] || process.env.SERVICE;
  if (!SERVICES.includes(service)) throw new Error(`usage: migrate.js <${SERVICES.join('|')}> (or SERVICE=...)`);
  const dist = path.resolve(__dirname, '../../dist');
  const platform = require(path.join(dist, 'libs/platform/src/index.js'));
  const migrations = require(path.join(dist, `services/${service}/src/database/migrations/index.js`))[
    `${service}Migrations`
  ];
  if (!Array.isArray(migrations)) throw new Error(`${service}: no ${service}Migrations export`);
  const config = platform.readConfig(platform.baseConfigSchema(service), process.env);
  await platform.prepareDatabase(config, migrations);
  console.log(`[migrate] ${service}: schema ${config.DATABASE_SCHEMA} is up to date (${migrations.length} migrations)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[migrate] failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
