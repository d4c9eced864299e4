import type { Band, Estimates, ScreeningHit } from '@outpost/contracts';
import type { LeadFacts, ScoreResult, ScreeningEngine } from '@outpost/screening';

/** Scoring glue: turns what intake published (text hits + estimates) into the catalogue's inputs. */

export const BAND_RANK: Record<Band, number> = { none: 0, yellow: 1, orange: 2, red: 3 };

/** Lead facts for D1–D3 (amount, participants, loss), B5 (elderly) and E1 (reports about the same subject). */
export function factsOf(estimates: Estimates, reportCount = 1): LeadFacts {
  return {
    amountYuan: estimates.amountYuan,
    participants: estimates.participants,
    lossYuan: estimates.lossYuan,
    elderlyInvolved: estimates.elderlyInvolved,
    // Only further reports count as complaints: the first report is the lead itself.
    complaintCount: reportCount > 1 ? reportCount : 0,
  };
}

/** Union of hits, one per (indicator, term, field): a redelivered or repeated hit never counts twice. */
export function mergeHits(a: readonly ScreeningHit[], b: readonly ScreeningHit[]): ScreeningHit[] {
  const seen = new Map<string, ScreeningHit>();
  for (const h of [...a, ...b]) seen.set(`${h.indicator}\u0000${h.term}\u0000${h.field}`, h);
  return [...seen.values()];
}

const maxOf = (x: number | null, y: number | null): number | null => (x === null ? y : y === null ? x : Math.max(x, y));

/** The larger estimate wins: a linked report can only add to what is known. */
export function mergeEstimates(a: Estimates, b: Estimates): Estimates {
  return {
    promisedYieldPct: maxOf(a.promisedYieldPct, b.promisedYieldPct),
    amountYuan: maxOf(a.amountYuan, b.amountYuan),
    participants: maxOf(a.participants, b.participants),
    lossYuan: maxOf(a.lossYuan, b.lossYuan),
    elderlyInvolved:
      a.elderlyInvolved === true || b.elderlyInvolved === true ? true : (a.elderlyInvolved ?? b.elderlyInvolved),
  };
}

/** Severity may rise automatically; it never falls without a person deciding so. */
export function raiseOnly(previous: Band, computed: Band): Band {
  return BAND_RANK[computed] > BAND_RANK[previous] ? computed : previous;
}

export function scoreLead(
  engine: ScreeningEngine,
  hits: readonly ScreeningHit[],
  estimates: Estimates,
  reportCount = 1,
): ScoreResult {
  return engine.score(hits, factsOf(estimates, reportCount));
}
