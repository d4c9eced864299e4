/**
 * Lead bodies for the load generators: realistic size and wording (like LEAD_EXAMPLE), each with its own subject so
 * no two leads link (linking takes advisory locks on subject keys and would serialise the load), placed on
 * G-440106001-C01 where the demo roster has pairings (so assessment routes and assigns them).
 */
export function leadBody(n: number, run: string): Record<string, unknown> {
  return {
    sourceChannel: 'BANK_MONITOR',
    sourceRef: `bench-${run}-${n}`,
    title: '某财富管理公司疑似非法吸收公众存款',
    description: `客户经理发现多名老年客户向同一账户小额转账，备注"返息""复投"；该公司在濂泉路举办推介会，宣传"保本保息、年化18%"。编号${n}`,
    subjects: [
      {
        kind: 'ENTERPRISE',
        name: `广州某某${run}${n}号财富管理有限公司`,
        registeredAddress: '广州市天河区沙河街濂泉路12号',
      },
    ],
    location: { addressText: '沙河街濂泉路12号濂泉大厦' },
    estimates: { promisedYieldPct: 18, amountYuan: 3000000, participants: 200, elderlyInvolved: true },
    channels: ['SEMINAR', 'WECHAT_GROUP'],
  };
}
