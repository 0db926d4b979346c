import { describe, expect, it } from 'vitest';
import { DIVISION_CODE_PATTERN, countyOf, isWithin, jurisdictionPrefix, levelOfCode, toFullCode, townshipOf } from '../../domain/divisions.js';

describe('toFullCode', () => {
  it('pads short codes to 12 digits and keeps full ones', () => {
    expect(toFullCode('52')).toBe('520000000000');
    expect(toFullCode('5227')).toBe('522700000000');
    expect(toFullCode('522731')).toBe('522731000000');
    expect(toFullCode('522731001')).toBe('522731001000');
    expect(toFullCode('522731001001')).toBe('522731001001');
    expect(DIVISION_CODE_PATTERN.test(toFullCode('522731'))).toBe(true);
  });
});

describe('levelOfCode', () => {
  it.each([
    ['520000000000', 'province'],
    ['52', 'province'],
    ['522700000000', 'prefecture'],
    ['5227', 'prefecture'],
    ['522731000000', 'county'],
    ['522731', 'county'],
    ['522731001000', 'township'],
    ['522731001', 'township'],
    ['522731001001', 'village'],
    // 东莞市 has towns directly under the prefecture: 441900003 is a township.
    ['441900003000', 'township'],
  ] as const)('%s is a %s', (code, level) => {
    expect(levelOfCode(code)).toBe(level);
  });
});

describe('jurisdictionPrefix', () => {
  it('keeps the significant digits of each level', () => {
    expect(jurisdictionPrefix('520000000000')).toBe('52');
    expect(jurisdictionPrefix('522700000000')).toBe('5227');
    expect(jurisdictionPrefix('522731000000')).toBe('522731');
    expect(jurisdictionPrefix('522731')).toBe('522731');
    expect(jurisdictionPrefix('522731001000')).toBe('522731001');
    expect(jurisdictionPrefix('522731001001')).toBe('522731001001');
  });
});

describe('isWithin', () => {
  it('holds for the division itself and everything under it', () => {
    expect(isWithin('522731001001', '522731000000')).toBe(true);
    expect(isWithin('522731001001', '5227')).toBe(true);
    expect(isWithin('522731001001', '522731001001')).toBe(true);
    expect(isWithin('522731000000', '522731000000')).toBe(true);
  });

  it('fails for siblings and ancestors', () => {
    expect(isWithin('522730001001', '522731000000')).toBe(false); // 龙里县 village vs 惠水县
    expect(isWithin('522700000000', '522731000000')).toBe(false);
    expect(isWithin('522731002001', '522731001000')).toBe(false);
  });
});

describe('townshipOf / countyOf', () => {
  it('reads the enclosing township and county from a village code', () => {
    expect(townshipOf('522731001001')).toBe('522731001000');
    expect(countyOf('522731001001')).toBe('522731000000');
    expect(countyOf('522731001000')).toBe('522731000000');
  });
});
