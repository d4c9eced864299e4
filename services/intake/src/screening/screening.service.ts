import { Inject, Injectable } from '@nestjs/common';
import type { ScreeningHit, ScreeningResult } from '@outpost/contracts';
import { loadCatalog, ScreeningEngine, type IndicatorCatalog } from '@outpost/screening';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import type { LeadInput } from '../leads/dto/lead-input.schema';

/** The one screening engine of the process: catalogue loaded and automaton compiled once, at start. */
@Injectable()
export class ScreeningService {
  readonly engine: ScreeningEngine;
  readonly catalog: IndicatorCatalog;

  constructor(@Inject(SERVICE_CONFIG) config: IntakeConfig) {
    const base = loadCatalog();
    this.catalog = config.FUND_FLOW_WINDOW_DAYS
      ? loadCatalog({ fundFlow: { ...base.fundFlow, windowDays: config.FUND_FLOW_WINDOW_DAYS } })
      : base;
    this.engine = new ScreeningEngine(this.catalog);
  }

  /** Name normaliser shared with deduplication, so obfuscated spellings of one name match. */
  normalize(text: string): string {
    return this.engine.normalize(text);
  }

  /** Screens every text of a lead (subject names and scopes as name fields) and scores it with the lead's estimates. */
  screenLead(lead: LeadInput, title: string): ScreeningResult {
    const hits: ScreeningHit[] = [];
    const seen = new Set<string>();
    const push = (list: ScreeningHit[]) => {
      for (const h of list) {
        const k = `${h.indicator}\u0000${h.term}\u0000${h.field}`;
        if (!seen.has(k)) {
          seen.add(k);
          hits.push(h);
        }
      }
    };
    push(this.engine.screenText({ title, description: lead.description }));
    for (const s of lead.subjects) {
      push(this.engine.screenText({ name: s.name, businessScope: s.businessScope }));
    }
    const e = lead.estimates;
    const scored = this.engine.score(hits, {
      amountYuan: e?.amountYuan ?? null,
      participants: e?.participants ?? null,
      lossYuan: e?.lossYuan ?? null,
      elderlyInvolved: e?.elderlyInvolved ?? null,
    });
    return { catalogVersion: this.catalog.version, score: scored.score, band: scored.band, hits };
  }
}
