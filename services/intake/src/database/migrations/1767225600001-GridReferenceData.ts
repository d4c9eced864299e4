import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleOf } from '@outpost/platform';
import data from '../../grid/data/tianhe-grid.v1.json';

const GRID_TABLES = ['street', 'community', 'grid', 'police_community', 'standard_address'];

/**
 * Tianhe reference geography (DOMAIN.md §3): 21 streets, sample communities, grids of the three types with GeoJSON
 * boundaries, police↔community links (N:M) and standard addresses with building codes, loaded from the data file.
 * The runtime role may only read these tables.
 */
export class GridReferenceData1767225600001 implements MigrationInterface {
  name = 'GridReferenceData1767225600001';

  async up(q: QueryRunner): Promise<void> {
    const role = runtimeRoleOf(q);
    await q.query(`CREATE TABLE street (code text PRIMARY KEY, name text NOT NULL UNIQUE, short_name text NOT NULL)`);
    await q.query(
      `CREATE TABLE community (code text PRIMARY KEY, street_code text NOT NULL REFERENCES street(code), name text NOT NULL)`,
    );
    await q.query(`CREATE TABLE grid (
      id             text PRIMARY KEY,
      type           text NOT NULL CHECK (type IN ('COMMUNITY_COMPREHENSIVE', 'COMMERCIAL_BUILDING', 'POLICE')),
      street_code    text NOT NULL REFERENCES street(code),
      community_code text REFERENCES community(code),
      name           text NOT NULL,
      boundary       jsonb NOT NULL,
      version        text NOT NULL,
      valid_from     date NOT NULL DEFAULT DATE '2026-01-01',
      valid_to       date
    )`);
    await q.query(
      `COMMENT ON COLUMN grid.boundary IS 'GeoJSON Polygon (WGS84 lng/lat); illustrative until the 四标四实 data owner supplies real ones'`,
    );
    await q.query(`CREATE TABLE police_community (
      police_grid_id    text NOT NULL REFERENCES grid(id),
      community_grid_id text NOT NULL REFERENCES grid(id),
      PRIMARY KEY (police_grid_id, community_grid_id)
    )`);
    await q.query(`CREATE TABLE standard_address (
      code           text PRIMARY KEY,
      building_code  text NOT NULL UNIQUE,
      street_code    text NOT NULL REFERENCES street(code),
      community_code text REFERENCES community(code),
      address_text   text NOT NULL,
      building_name  text,
      lng            double precision NOT NULL,
      lat            double precision NOT NULL,
      grid_ids       text[] NOT NULL
    )`);

    for (const s of data.streets)
      await q.query(`INSERT INTO street VALUES ($1, $2, $3)`, [s.code, s.name, s.shortName]);
    for (const c of data.communities)
      await q.query(`INSERT INTO community VALUES ($1, $2, $3)`, [c.code, c.streetCode, c.name]);
    for (const g of data.grids) {
      await q.query(
        `INSERT INTO grid (id, type, street_code, community_code, name, boundary, version) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [g.id, g.type, g.streetCode, g.communityCode, g.name, JSON.stringify(g.boundary), data.version],
      );
    }
    for (const [p, c] of data.policeCommunityLinks)
      await q.query(`INSERT INTO police_community VALUES ($1, $2)`, [p, c]);
    for (const a of data.standardAddresses) {
      await q.query(`INSERT INTO standard_address VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        a.code,
        a.buildingCode,
        a.streetCode,
        a.communityCode,
        a.addressText,
        a.buildingName,
        a.lng,
        a.lat,
        a.gridIds,
      ]);
    }
    for (const t of GRID_TABLES) await q.query(`REVOKE INSERT, UPDATE, DELETE ON ${t} FROM "${role}"`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [...GRID_TABLES].reverse()) await q.query(`DROP TABLE IF EXISTS ${t}`);
  }
}
