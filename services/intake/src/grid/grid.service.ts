import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Placement } from '@outpost/contracts';
import { GridResolver, type GridReferenceData, type GridRef, type LocationInput } from './grid-resolver';

/** Loads the grid reference tables once at start and resolves locations in memory (no query per lead). */
@Injectable()
export class GridService implements OnModuleInit {
  private resolver: GridResolver | null = null;

  constructor(private readonly db: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /** Re-reads the reference tables (after a reference-data migration). */
  async reload(): Promise<void> {
    const [streets, communities, grids, links, addresses] = await Promise.all([
      this.db.query(`SELECT code, name, short_name AS "shortName" FROM street ORDER BY code`),
      this.db.query(`SELECT code, street_code AS "streetCode", name FROM community ORDER BY code`),
      this.db.query(
        `SELECT id, type, street_code AS "streetCode", community_code AS "communityCode", name, boundary FROM grid
          WHERE valid_to IS NULL OR valid_to > now() ORDER BY id`,
      ),
      this.db.query(`SELECT police_grid_id, community_grid_id FROM police_community`),
      this.db.query(
        `SELECT code, building_code AS "buildingCode", street_code AS "streetCode", community_code AS "communityCode",
                address_text AS "addressText", building_name AS "buildingName", lng, lat, grid_ids AS "gridIds"
           FROM standard_address ORDER BY code`,
      ),
    ]);
    const data: GridReferenceData = {
      streets,
      communities,
      grids: grids as GridRef[],
      policeCommunityLinks: (links as Array<{ police_grid_id: string; community_grid_id: string }>).map((l) => [
        l.police_grid_id,
        l.community_grid_id,
      ]),
      standardAddresses: addresses,
    };
    this.resolver = new GridResolver(data);
  }

  resolve(location: LocationInput | null | undefined): Placement {
    if (!this.resolver) throw new Error('grid reference data not loaded');
    return this.resolver.resolve(location);
  }
}
