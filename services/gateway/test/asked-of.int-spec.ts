import { randomUUID } from 'node:crypto';
import { GatewayHarness } from './support/gateway-harness';

jest.setTimeout(120_000);

/** A sentinel's 我的任务: the on-site checks asked of them and not answered yet (`askedOf=me`). */
describe('gateway: leads waiting for a sentinel’s on-site check', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await GatewayHarness.start();
  });
  afterAll(async () => h?.stop());

  it('lists a lead while a verification asked of the sentinel is open, and no longer once answered', async () => {
    const [leadId, other] = [await h.assignNewLead(null), await h.assignNewLead(null)];
    const request = (lead: string, askedOf: string) => ({
      leadId: lead,
      requestId: `vr-${randomUUID()}`,
      status: 'VERIFYING' as const,
      askedOf,
      question: '请实地确认推介会是否仍在举办',
      dueAt: new Date(Date.now() + 86400_000).toISOString(),
    });
    const mine = request(leadId, 'p-sentinel-1');
    await h.applied([
      await h.produce('assessment.verification-requested.v1', mine),
      await h.produce('assessment.verification-requested.v1', request(other, 'p-sentinel-9')),
    ]);
    const token = await h.token('sentinel1');
    const asked = async (query: string) =>
      (
        (
          await h.app.inject({
            method: 'GET',
            url: `/api/v1/leads?${query}`,
            headers: { authorization: `Bearer ${token}` },
          })
        ).json() as { items: Array<{ id: string }> }
      ).items.map((i) => i.id);
    expect(await asked('askedOf=me')).toEqual([leadId]);
    expect(await asked('askedOf=p-sentinel-9')).toEqual([other]);

    await h.applied([
      await h.produce('assessment.verification-answered.v1', {
        leadId,
        requestId: mine.requestId,
        status: 'IN_REVIEW',
        answeredBy: 'p-sentinel-1',
        answer: '推介会仍在每周三举办',
        evidenceIds: [],
      }),
    ]);
    expect(await asked('askedOf=me')).toEqual([]);
  });
});
