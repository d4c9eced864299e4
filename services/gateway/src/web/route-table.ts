import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

const tables = new WeakMap<object, RouteEntry[]>();

/**
 * Records every route Fastify registers from now on (Nest controllers, bull-board, static files). The authorisation
 * matrix test reads it, so a new route cannot be left out of the test.
 */
export function recordRoutes(fastify: FastifyInstance): void {
  const list: RouteEntry[] = [];
  tables.set(fastify, list);
  fastify.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) list.push({ method, url: r.url });
  });
}

export function registeredRoutes(fastify: object): RouteEntry[] {
  return [...(tables.get(fastify) ?? [])];
}
