/**
 * The committed search test data: the catalog snapshot (bench/snapshot-catalog.ts writes it) as
 * tool documents, and the labelled retrieval set (retrieval-set.json).
 */
import { readFileSync } from 'node:fs';
import type { ToolDocument } from '../../src/search/tool-document.ts';

export interface SnapshotServer {
  name: string;
  package: string;
  version: string;
  tools: { name: string; title?: string; description?: string; inputSchema?: unknown }[];
}

export interface RetrievalSetEntry {
  query: string;
  expect: string[];
  style: string;
  held_out: boolean;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as T;
}

export function snapshotServers(): SnapshotServer[] {
  return readJson<{ servers: SnapshotServer[] }>('./catalog-snapshot.json').servers;
}

export function snapshotDocuments(): ToolDocument[] {
  return snapshotServers().flatMap((server) =>
    server.tools.map((tool) => ({ server: server.name, ...tool })),
  );
}

export function retrievalSet(): RetrievalSetEntry[] {
  return readJson<{ queries: RetrievalSetEntry[] }>('./retrieval-set.json').queries;
}
