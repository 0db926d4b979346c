/**
 * People as the structure sheet (一乡一表) and the reserve pool see them: teams, education levels,
 * ethnic groups, and the sources of reserve candidates (五个一批, S0). The vocabularies below are
 * what spreadsheets carry (Chinese labels) and what the database stores (codes).
 */

/** Leadership teams: 乡镇领导班子 (at a township code) and 村“两委”班子 (at a village code). */
export const TEAM_KINDS = ['township_leadership', 'village_committee'] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];
export const TEAM_KIND_LABELS: Record<TeamKind, string> = {
  township_leadership: '乡镇领导班子',
  village_committee: '村“两委”班子',
};
/** The division level a team belongs to. */
export const TEAM_KIND_LEVEL: Record<TeamKind, 'township' | 'village'> = {
  township_leadership: 'township',
  village_committee: 'village',
};

/**
 * Whether a 村“两委”班子 post (free text, e.g. 村党支部书记、村委会主任) is the village party
 * secretary: it names a 书记 that is not a 副书记 (deputy) nor a 第一书记 (the first secretary sent
 * down to the village, not the organization's own secretary).
 */
export function isVillageSecretaryPost(teamKind: TeamKind, post: string): boolean {
  if (TEAM_KIND_LEVEL[teamKind] !== 'village') return false;
  // A party secretary (党支部书记, 党总支书记, 党委书记), or a bare 书记; not 团支部书记 (the youth league).
  return post.split(/[、，,；;/\s]+/).some((part) => part === '书记' || (/(?<!副|第一)书记/.test(part) && part.includes('党')));
}

export const GENDERS = ['male', 'female'] as const;
export type Gender = (typeof GENDERS)[number];
export const GENDER_LABELS: Record<Gender, string> = { male: '男', female: '女' };

/** Highest education (全日制或在职最高学历), highest first. */
export const EDUCATION_LEVELS = ['postgraduate', 'bachelor', 'associate', 'secondary_vocational', 'high_school', 'junior_or_below'] as const;
export type EducationLevel = (typeof EDUCATION_LEVELS)[number];
export const EDUCATION_LABELS: Record<EducationLevel, string> = {
  postgraduate: '研究生',
  bachelor: '大学本科',
  associate: '大学专科',
  secondary_vocational: '中专',
  high_school: '高中',
  junior_or_below: '初中及以下',
};
/** 大专及以上 ("college+"): associate degree or higher. */
export const COLLEGE_LEVELS: readonly EducationLevel[] = ['postgraduate', 'bachelor', 'associate'];
/** Other ways offices write the same levels. */
export const EDUCATION_ALIASES: Record<string, EducationLevel> = {
  研究生: 'postgraduate',
  博士: 'postgraduate',
  博士研究生: 'postgraduate',
  硕士: 'postgraduate',
  硕士研究生: 'postgraduate',
  大学本科: 'bachelor',
  本科: 'bachelor',
  大学专科: 'associate',
  大专: 'associate',
  专科: 'associate',
  中专: 'secondary_vocational',
  中技: 'secondary_vocational',
  中专中技: 'secondary_vocational',
  职高: 'secondary_vocational',
  高中: 'high_school',
  初中及以下: 'junior_or_below',
  初中: 'junior_or_below',
  小学: 'junior_or_below',
};

/** The 56 ethnic groups; everything except 汉族 is a minority. */
export const ETHNIC_GROUPS = [
  '汉族',
  '蒙古族',
  '回族',
  '藏族',
  '维吾尔族',
  '苗族',
  '彝族',
  '壮族',
  '布依族',
  '朝鲜族',
  '满族',
  '侗族',
  '瑶族',
  '白族',
  '土家族',
  '哈尼族',
  '哈萨克族',
  '傣族',
  '黎族',
  '傈僳族',
  '佤族',
  '畲族',
  '高山族',
  '拉祜族',
  '水族',
  '东乡族',
  '纳西族',
  '景颇族',
  '柯尔克孜族',
  '土族',
  '达斡尔族',
  '仫佬族',
  '羌族',
  '布朗族',
  '撒拉族',
  '毛南族',
  '仡佬族',
  '锡伯族',
  '阿昌族',
  '普米族',
  '塔吉克族',
  '怒族',
  '乌孜别克族',
  '俄罗斯族',
  '鄂温克族',
  '德昂族',
  '保安族',
  '裕固族',
  '京族',
  '塔塔尔族',
  '独龙族',
  '鄂伦春族',
  '赫哲族',
  '门巴族',
  '珞巴族',
  '基诺族',
] as const;
export const MAJORITY_ETHNIC_GROUP = '汉族';

/** 五个一批 (S0): where a reserve candidate for village party secretary comes from. */
export const RESERVE_SOURCES = ['current_committee', 'local_talent', 'local_graduate', 'returnee', 'sent_down_cadre'] as const;
export type ReserveSource = (typeof RESERVE_SOURCES)[number];
export const RESERVE_SOURCE_LABELS: Record<ReserveSource, string> = {
  current_committee: '现任村“两委”成员',
  local_talent: '村内致富带头人和能人',
  local_graduate: '本乡本土大中专毕业生',
  returnee: '在外优秀人才回引',
  sent_down_cadre: '机关企事业单位下派干部',
};

/**
 * Where a nomination stands. Only these two until Process C (qualification review → inspection →
 * publicity → pool → training) lands: `nominated` (提名) and `in_pool` (在库: a reserve already in
 * the office's existing pool, brought in by an import).
 */
export const RESERVE_NOMINATION_STATUSES = ['nominated', 'in_pool'] as const;
export type ReserveNominationStatus = (typeof RESERVE_NOMINATION_STATUSES)[number];
export const RESERVE_NOMINATION_STATUS_LABELS: Record<ReserveNominationStatus, string> = {
  nominated: '提名',
  in_pool: '在库',
};

/** Looks a label up in a code → label table (exact match after trimming). */
export function codeForLabel<T extends string>(labels: Record<T, string>, label: string): T | undefined {
  const wanted = label.trim();
  return (Object.keys(labels) as T[]).find((code) => labels[code] === wanted);
}
