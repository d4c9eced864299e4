import { feedbackMessage } from './reporter-feedback-message';
import { emailOf, reachOf, scrubContact, smsNumberOf, type ReporterIdentity } from './reporter-contact';

const who = (o: Partial<ReporterIdentity>): ReporterIdentity => ({ name: null, phone: null, contact: null, ...o });

describe('reachOf', () => {
  it('an anonymous reporter cannot be reached', () => {
    expect(reachOf(null)).toEqual({ reachable: false, why: 'ANONYMOUS' });
  });

  it('a mobile number in the phone field → SMS, normalised to 11 digits', () => {
    expect(reachOf(who({ phone: '+86 138-0000-1234' }))).toEqual({
      reachable: true,
      address: { channel: 'SMS', to: '13800001234' },
    });
  });

  it('prefers SMS over e-mail when both are given', () => {
    expect(reachOf(who({ phone: '13800001234', contact: 'a@example.cn' })).reachable).toBe(true);
    expect(reachOf(who({ phone: '13800001234', contact: 'a@example.cn' }))).toMatchObject({
      address: { channel: 'SMS' },
    });
  });

  it('an e-mail-like contact → e-mail; a phone-like contact → SMS', () => {
    expect(reachOf(who({ contact: ' zhang.san@example.com.cn ' }))).toEqual({
      reachable: true,
      address: { channel: 'EMAIL', to: 'zhang.san@example.com.cn' },
    });
    expect(reachOf(who({ contact: '0086 139 0000 5678' }))).toEqual({
      reachable: true,
      address: { channel: 'SMS', to: '13900005678' },
    });
  });

  it('a landline with an e-mail contact goes by e-mail', () => {
    expect(reachOf(who({ phone: '020-87654321', contact: 'li@example.org' }))).toMatchObject({
      address: { channel: 'EMAIL', to: 'li@example.org' },
    });
  });

  it('a landline, a WeChat id or an address is not a channel we send on', () => {
    expect(reachOf(who({ name: '张三', phone: '020-87654321', contact: '微信 zhangsan_88' }))).toEqual({
      reachable: false,
      why: 'NO_USABLE_CONTACT',
    });
  });
});

describe('smsNumberOf / emailOf', () => {
  it('accepts international numbers in + form only', () => {
    expect(smsNumberOf('+852 9123 4567')).toBe('+85291234567');
    expect(smsNumberOf('12345')).toBeNull();
    expect(smsNumberOf('+86 20 8765 4321')).toBeNull();
  });

  it('rejects text that only contains an @', () => {
    expect(emailOf('见面再说 @我')).toBeNull();
    expect(emailOf('a@b')).toBeNull();
  });
});

describe('scrubContact', () => {
  it('removes the contact as given and as the provider may echo it', () => {
    const id = who({ phone: '138 0000 1234', contact: 'wang@example.cn' });
    const out = scrubContact('550 <wang@example.cn> rejected; to=8613800001234; raw 138 0000 1234', id);
    expect(out).not.toMatch(/wang@example|13800001234|138 0000 1234/);
  });
});

describe('feedbackMessage', () => {
  it('carries the reference and the feedback only', () => {
    const m = feedbackMessage('TH-20261127-000123', ' 经核查，已移送公安机关。\n感谢您的支持。 ');
    expect(m.text).toBe(
      '【天河防非】您反映的线索（编号 TH-20261127-000123）已办结：经核查，已移送公安机关。 感谢您的支持。',
    );
    expect(m.subject).toContain('TH-20261127-000123');
  });
});
