/**
 * Official 12-digit statistical division codes (统计用区划代码):
 * 2 province + 2 prefecture + 2 county + 3 township + 3 village.
 * A jurisdiction is a code prefix whose length depends on the level.
 */
export const DIVISION_LEVELS = ['province', 'prefecture', 'county', 'township', 'village'] as const;
export type DivisionLevel = (typeof DIVISION_LEVELS)[number];

export const PREFIX_LENGTH: Record<DivisionLevel, number> = {
  province: 2,
  prefecture: 4,
  county: 6,
  township: 9,
  village: 12,
};

export const DIVISION_CODE_PATTERN = /^\d{12}$/;

/** Pads a short code ("5227", "522731001") to the 12-digit form. */
export function toFullCode(code: string): string {
  return code.padEnd(12, '0');
}

/** The level a full or short code designates, read from its significant digits. */
export function levelOfCode(code: string): DivisionLevel {
  const full = toFullCode(code);
  if (full.slice(9) !== '000') return 'village';
  if (full.slice(6, 9) !== '000') return 'township';
  if (full.slice(4, 6) !== '00') return 'county';
  if (full.slice(2, 4) !== '00') return 'prefecture';
  return 'province';
}

/** The prefix that every code inside this division starts with. */
export function jurisdictionPrefix(code: string): string {
  return toFullCode(code).slice(0, PREFIX_LENGTH[levelOfCode(code)]);
}

export function isWithin(code: string, jurisdictionCode: string): boolean {
  return toFullCode(code).startsWith(jurisdictionPrefix(jurisdictionCode));
}

export function townshipOf(villageCode: string): string {
  return toFullCode(villageCode.slice(0, 9));
}

export function countyOf(code: string): string {
  return toFullCode(code.slice(0, 6));
}
