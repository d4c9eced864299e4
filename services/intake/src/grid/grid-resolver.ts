import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { point } from '@turf/helpers';
import type { Placement } from '@outpost/contracts';

export type GridType = 'COMMUNITY_COMPREHENSIVE' | 'COMMERCIAL_BUILDING' | 'POLICE';

export interface GridRef {
  id: string;
  type: GridType;
  streetCode: string;
  communityCode: string | null;
  name: string;
  boundary: { type: 'Polygon'; coordinates: number[][][] };
}

export interface StandardAddressRef {
  code: string;
  buildingCode: string;
  streetCode: string;
  communityCode: string | null;
  addressText: string;
  buildingName: string | null;
  lng: number;
  lat: number;
  gridIds: string[];
}

export interface GridReferenceData {
  streets: Array<{ code: string; name: string; shortName: string }>;
  communities: Array<{ code: string; streetCode: string; name: string }>;
  grids: GridRef[];
  /** [police grid id, community grid id] pairs (N:M). */
  policeCommunityLinks: Array<[string, string]>;
  standardAddresses: StandardAddressRef[];
}

export interface LocationInput {
  addressText?: string | null;
  standardAddressCode?: string | null;
  buildingCode?: string | null;
  lat?: number | null;
  lng?: number | null;
}

interface TextEntry {
  needle: string;
  kind: 'address' | 'building' | 'community' | 'street';
  ref: string;
}

const compact = (s: string): string => s.replace(/[\s\u3000]+/g, '');

/**
 * Places a lead on the grid (DOMAIN.md §3.5): by standard address or building code, else by point-in-polygon over every
 * grid layer, else by street/community/building names in the address text. Built once from the reference data; pure.
 */
export class GridResolver {
  private readonly byCode = new Map<string, StandardAddressRef>();
  private readonly streets = new Map<string, { code: string; name: string }>();
  private readonly communityGrids = new Map<string, GridRef[]>();
  private readonly streetCommunityGrids = new Map<string, GridRef[]>();
  private readonly policeOf = new Map<string, string[]>();
  private readonly grids: GridRef[];
  /** Longest needles first, so 天河南街 wins over shorter names it contains. */
  private readonly text: TextEntry[] = [];

  constructor(data: GridReferenceData) {
    this.grids = data.grids;
    for (const s of data.streets) this.streets.set(s.code, s);
    for (const a of data.standardAddresses) {
      this.byCode.set(a.code, a);
      this.byCode.set(a.buildingCode, a);
      this.text.push({ needle: compact(a.addressText), kind: 'address', ref: a.code });
      this.text.push({ needle: compact(a.addressText.replace(/^广州市天河区/, '')), kind: 'address', ref: a.code });
      if (a.buildingName) this.text.push({ needle: compact(a.buildingName), kind: 'building', ref: a.code });
    }
    for (const g of data.grids) {
      if (g.type !== 'COMMUNITY_COMPREHENSIVE') continue;
      if (g.communityCode)
        this.communityGrids.set(g.communityCode, [...(this.communityGrids.get(g.communityCode) ?? []), g]);
      this.streetCommunityGrids.set(g.streetCode, [...(this.streetCommunityGrids.get(g.streetCode) ?? []), g]);
    }
    for (const [police, community] of data.policeCommunityLinks)
      this.policeOf.set(community, [...(this.policeOf.get(community) ?? []), police]);
    for (const c of data.communities) this.text.push({ needle: compact(c.name), kind: 'community', ref: c.code });
    for (const s of data.streets) {
      this.text.push({ needle: compact(s.name), kind: 'street', ref: s.code });
      this.text.push({ needle: `${compact(s.shortName)}街道`, kind: 'street', ref: s.code });
    }
    const rank = { address: 0, building: 1, community: 2, street: 3 } as const;
    this.text.sort((a, b) => rank[a.kind] - rank[b.kind] || b.needle.length - a.needle.length);
  }

  resolve(loc: LocationInput | null | undefined): Placement {
    const base = {
      addressText: loc?.addressText ?? null,
      standardAddressCode: null as string | null,
      lat: loc?.lat ?? null,
      lng: loc?.lng ?? null,
    };
    const code = loc?.standardAddressCode ?? loc?.buildingCode;
    const address = code ? this.byCode.get(code) : undefined;
    if (address) {
      return {
        ...base,
        standardAddressCode: address.code,
        lat: base.lat ?? address.lat,
        lng: base.lng ?? address.lng,
        ...this.streetOf(address.streetCode),
        communityCode: address.communityCode,
        gridIds: [...address.gridIds],
        resolvedBy: 'STANDARD_ADDRESS',
        unresolved: false,
      };
    }
    if (typeof loc?.lat === 'number' && typeof loc?.lng === 'number') {
      const p = point([loc.lng, loc.lat]);
      const hits = this.grids.filter((g) => booleanPointInPolygon(p, g.boundary));
      if (hits.length > 0) {
        const community = hits.find((g) => g.type === 'COMMUNITY_COMPREHENSIVE') ?? hits[0]!;
        return {
          ...base,
          ...this.streetOf(community.streetCode),
          communityCode: community.communityCode,
          gridIds: sortGrids(hits.map((g) => g.id)),
          resolvedBy: 'POINT_IN_POLYGON',
          unresolved: false,
        };
      }
    }
    if (loc?.addressText) {
      const placed = this.fromText(compact(loc.addressText));
      if (placed) return { ...base, ...placed };
    }
    return {
      ...base,
      streetCode: null,
      streetName: null,
      communityCode: null,
      gridIds: [],
      resolvedBy: 'UNRESOLVED',
      unresolved: true,
    };
  }

  private fromText(text: string): Omit<Placement, 'addressText' | 'lat' | 'lng'> | null {
    const entry = this.text.find((e) => e.needle.length >= 2 && text.includes(e.needle));
    if (!entry) return null;
    if (entry.kind === 'address' || entry.kind === 'building') {
      const a = this.byCode.get(entry.ref)!;
      return {
        standardAddressCode: a.code,
        ...this.streetOf(a.streetCode),
        communityCode: a.communityCode,
        gridIds: [...a.gridIds],
        resolvedBy: 'ADDRESS_TEXT',
        unresolved: false,
      };
    }
    if (entry.kind === 'community') {
      const grids = this.communityGrids.get(entry.ref) ?? [];
      const ids = grids.map((g) => g.id);
      // A police grid is added only when the community grid has exactly one (the layers are N:M).
      for (const g of grids) {
        const police = this.policeOf.get(g.id) ?? [];
        if (police.length === 1) ids.push(police[0]!);
      }
      const streetCode = grids[0]?.streetCode ?? entry.ref.slice(0, 9);
      return {
        standardAddressCode: null,
        ...this.streetOf(streetCode),
        communityCode: entry.ref,
        gridIds: sortGrids(ids),
        resolvedBy: 'ADDRESS_TEXT',
        unresolved: ids.length === 0,
      };
    }
    // Street only: a grid when the street has just one community grid, otherwise the street is known but not the grid.
    const grids = this.streetCommunityGrids.get(entry.ref) ?? [];
    const single = grids.length === 1 ? grids[0]! : null;
    return {
      standardAddressCode: null,
      ...this.streetOf(entry.ref),
      communityCode: single?.communityCode ?? null,
      gridIds: single ? [single.id] : [],
      resolvedBy: 'ADDRESS_TEXT',
      unresolved: !single,
    };
  }

  private streetOf(code: string): { streetCode: string; streetName: string | null } {
    return { streetCode: code, streetName: this.streets.get(code)?.name ?? null };
  }
}

/** Community grid first, then building, then police: a stable order for snapshots and tests. */
function sortGrids(ids: string[]): string[] {
  const rank = (id: string) => (id.includes('-C') ? 0 : id.includes('-B') ? 1 : 2);
  return [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
