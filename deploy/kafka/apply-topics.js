#!/usr/bin/env node
// Applies deploy/kafka/topics.yaml to a Kafka cluster, idempotently: creates missing topics, raises partition counts,
// brings topic configs to the declared values. It never lowers partitions (Kafka cannot, and keys would move to other
// partitions, breaking per-lead order) and never deletes anything. Plain CommonJS so it runs in the service image
// (`node deploy/kafka/apply-topics.js`) without a build step; only kafkajs and yaml (production dependencies).
//
// Usage: node deploy/kafka/apply-topics.js [--file path/to/topics.yaml] [--dry-run]
// Env:   KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX, TOPICS_REPLICATION_FACTOR, TOPICS_PARTITIONS,
//        KAFKA_CLIENT_ID (default outpost-apply-topics)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { Kafka, ConfigResourceTypes, logLevel } = require('kafkajs');

const DEFAULT_FILE = path.join(__dirname, 'topics.yaml');

function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

function stringConfig(config, where) {
  const out = {};
  for (const [k, v] of Object.entries(config || {})) {
    if (typeof v !== 'string') throw new Error(`${where}: config ${k} must be a quoted string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

/** Reads and checks topics.yaml (no environment applied). */
function loadTopicsFile(file = DEFAULT_FILE) {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  if (!doc || !Array.isArray(doc.topics) || !doc.defaults) throw new Error(`${file}: needs defaults and topics`);
  const seen = new Set();
  for (const t of doc.topics) {
    if (!t || typeof t.name !== 'string' || !/^[a-z0-9.-]+\.v\d+$/.test(t.name)) {
      throw new Error(`${file}: bad topic entry ${JSON.stringify(t)}`);
    }
    if (seen.has(t.name)) throw new Error(`${file}: topic ${t.name} listed twice`);
    seen.add(t.name);
  }
  return doc;
}

/**
 * The desired state: one entry per topic and per dead-letter topic, with prefix and environment overrides applied.
 * min.insync.replicas is clamped to the replication factor (a single-broker cluster could not accept writes otherwise).
 */
function planTopics(doc, env = process.env) {
  const prefix = env.KAFKA_TOPIC_PREFIX || '';
  const rf = env.TOPICS_REPLICATION_FACTOR
    ? positiveInt(env.TOPICS_REPLICATION_FACTOR, 'TOPICS_REPLICATION_FACTOR')
    : positiveInt(doc.defaults.replicationFactor, 'defaults.replicationFactor');
  const partitionsOverride = env.TOPICS_PARTITIONS ? positiveInt(env.TOPICS_PARTITIONS, 'TOPICS_PARTITIONS') : null;
  const baseConfig = stringConfig(doc.defaults.config, 'defaults');
  const dlq = doc.deadLetter || {};

  const entry = (name, partitions, config) => {
    const c = { ...config };
    if (c['min.insync.replicas'] && Number(c['min.insync.replicas']) > rf) c['min.insync.replicas'] = String(rf);
    return { name: prefix + name, partitions, replicationFactor: rf, config: c };
  };
  const plan = [];
  for (const t of doc.topics) {
    const partitions =
      partitionsOverride ?? positiveInt(t.partitions ?? doc.defaults.partitions, `${t.name}.partitions`);
    plan.push(entry(t.name, partitions, { ...baseConfig, ...stringConfig(t.config, t.name) }));
    const dlqPartitions = positiveInt(dlq.partitions ?? doc.defaults.partitions, 'deadLetter.partitions');
    plan.push(entry(`${t.name}.dlq`, dlqPartitions, { ...baseConfig, ...stringConfig(dlq.config, 'deadLetter') }));
  }
  return plan;
}

/**
 * Brings the cluster to the plan. Returns what it did; `warnings` lists differences it must not fix by itself
 * (more partitions than declared, a different replication factor: both need an operator's decision).
 */
async function applyTopics(admin, plan, { dryRun = false, log = () => {} } = {}) {
  const report = { created: [], partitionsRaised: [], configsUpdated: [], unchanged: [], warnings: [] };
  const existing = new Set(await admin.listTopics());

  const missing = plan.filter((t) => !existing.has(t.name));
  if (missing.length && !dryRun) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  for (const t of missing) {
    report.created.push(t.name);
    log(`create ${t.name} (${t.partitions} partitions, rf ${t.replicationFactor})`);
  }

  const present = plan.filter((t) => existing.has(t.name));
  if (present.length === 0) return report;

  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const byName = new Map(metadata.map((m) => [m.name, m]));
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.name,
      configNames: Object.keys(t.config),
    })),
  });
  const configsByName = new Map(
    resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]),
  );

  const raise = [];
  const alter = [];
  for (const t of present) {
    const meta = byName.get(t.name);
    const have = meta ? meta.partitions.length : 0;
    let changed = false;
    if (have < t.partitions) {
      raise.push({ topic: t.name, count: t.partitions });
      report.partitionsRaised.push({ topic: t.name, from: have, to: t.partitions });
      log(`raise ${t.name} partitions ${have} -> ${t.partitions}`);
      changed = true;
    } else if (have > t.partitions) {
      report.warnings.push(`${t.name} has ${have} partitions, more than the declared ${t.partitions}: left as is`);
    }
    const rf = meta && meta.partitions[0] ? meta.partitions[0].replicas.length : t.replicationFactor;
    if (rf !== t.replicationFactor) {
      report.warnings.push(
        `${t.name} has replication factor ${rf}, declared ${t.replicationFactor}: needs a partition reassignment`,
      );
    }
    const current = configsByName.get(t.name) || new Map();
    const diff = Object.entries(t.config).filter(([k, v]) => current.get(k) !== v);
    if (diff.length) {
      // alterConfigs (non-incremental) replaces the topic's dynamic configs with this full declared set.
      alter.push({
        type: ConfigResourceTypes.TOPIC,
        name: t.name,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      });
      report.configsUpdated.push({ topic: t.name, changed: diff.map(([k, v]) => `${k}=${v}`) });
      log(`config ${t.name}: ${diff.map(([k, v]) => `${k}=${v}`).join(', ')}`);
      changed = true;
    }
    if (!changed) report.unchanged.push(t.name);
  }
  if (!dryRun && raise.length) await admin.createPartitions({ topicPartitions: raise });
  if (!dryRun && alter.length) await admin.alterConfigs({ validateOnly: false, resources: alter });
  return report;
}

async function main(argv = process.argv.slice(2), env = process.env) {
  const fileIdx = argv.indexOf('--file');
  const file = fileIdx >= 0 ? argv[fileIdx + 1] : DEFAULT_FILE;
  const dryRun = argv.includes('--dry-run');
  const brokers = (env.KAFKA_BROKERS || '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const plan = planTopics(loadTopicsFile(file), env);
  const kafka = new Kafka({
    clientId: env.KAFKA_CLIENT_ID || 'outpost-apply-topics',
    brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 10 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const report = await applyTopics(admin, plan, { dryRun, log: (line) => console.log(`[topics] ${line}`) });
    for (const w of report.warnings) console.warn(`[topics] warning: ${w}`);
    console.log(
      `[topics] ${dryRun ? 'dry run: would have ' : ''}created ${report.created.length}, raised ${report.partitionsRaised.length}, ` +
        `updated configs of ${report.configsUpdated.length}, unchanged ${report.unchanged.length} (of ${plan.length})`,
    );
    return report;
  } finally {
    await admin.disconnect();
  }
}

module.exports = { DEFAULT_FILE, loadTopicsFile, planTopics, applyTopics, main };

if (require.main === module) {
  main().catch((err) => {
    console.error(`[topics] failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  });
}
