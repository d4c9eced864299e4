import { lockIdOf, phoneDigits, subjectKeys, urlKey } from './subject-keys';

const normalize = (s: string) => s.replace(/[\s\u3000]/g, '').replace('財富', '财富');

describe('subjectKeys', () => {
  it('normalises phones, URLs, WeChat ids and names into sorted, unique keys', () => {
    const keys = subjectKeys(
      [
        {
          kind: 'ENTERPRISE',
          name: '某某 財富管理 有限公司',
          uscc: '91440106ma5cxxxx0x',
          phones: ['+86 138-0013-8000', '13800138000'],
          urls: ['HTTPS://www.Example.com/invest/?a=1', 'example.com/invest/'],
          wechatIds: ['WealthKing88'],
        },
        { kind: 'PERSON', name: '张三', phones: ['020-8888 1234'] },
      ],
      normalize,
    );
    expect(keys.map((k) => k.key)).toEqual([
      'name:某某财富管理有限公司',
      'phone:02088881234',
      'phone:13800138000',
      'url:example.com/invest',
      'uscc:91440106MA5CXXXX0X',
      'wechat:wealthking88',
    ]);
  });

  it('ignores values that cannot identify anyone', () => {
    expect(phoneDigits('12345')).toBeNull();
    expect(phoneDigits('+86 20 3888 7777')).toBe('02038887777');
    expect(phoneDigits('0086-138-0013-8000')).toBe('13800138000');
    expect(phoneDigits('8613800138000')).toBe('13800138000');
    expect(urlKey('not a url')).toBeNull();
    expect(subjectKeys([{ kind: 'ENTERPRISE', name: '某某' }], normalize)).toEqual([]);
  });

  it('derives stable 64-bit lock ids', () => {
    expect(lockIdOf('uscc:1')).toBe(lockIdOf('uscc:1'));
    expect(lockIdOf('uscc:1')).not.toBe(lockIdOf('uscc:2'));
    expect(BigInt(lockIdOf('x'))).toBeLessThan(2n ** 63n);
  });
});
