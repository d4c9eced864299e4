import { dollarQuoted } from './database';

describe(dollarQuoted.name, () => {
  it('quotes with a tag the text does not contain', () => {
    expect(dollarQuoted(`{"a":"it's"}`)).toBe(`$q0${'$'}{"a":"it's"}$q0$`);
    expect(dollarQuoted('x $q0$ y $q1$')).toBe('$q2$x $q0$ y $q1$$q2$');
  });
});
