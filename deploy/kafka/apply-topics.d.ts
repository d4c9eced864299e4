// Types of apply-topics.js (plain CommonJS so it runs in the image without a build step).
import type { Admin } from 'kafkajs';

export interface TopicsFile {
  defaults: { partitions: number; replicationFactor: number; config?: Record<string, string> };
  deadLetter?: { partitions?: number; config?: Record<string, string> };
  topics: Array<{ name: string; partitions?: number; config?: Record<string, string> }>;
}

export interface PlannedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface ApplyReport {
  created: string[];
  partitionsRaised: Array<{ topic: string; from: number; to: number }>;
  configsUpdated: Array<{ topic: string; changed: string[] }>;
  unchanged: string[];
  warnings: string[];
}

export const DEFAULT_FILE: string;
export function loadTopicsFile(file?: string): TopicsFile;
export function planTopics(doc: TopicsFile, env?: Record<string, string | undefined>): PlannedTopic[];
export function applyTopics(
  admin: Admin,
  plan: PlannedTopic[],
  options?: { dryRun?: boolean; log?: (line: string) => void },
): Promise<ApplyReport>;
export function main(argv?: string[], env?: Record<string, string | undefined>): Promise<ApplyReport>;
