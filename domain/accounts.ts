/**
 * Accounts and sign-in rules (issue 10; GB/T 22239-2019 level 3 asks for them): usernames, the
 * password policy, the login log's outcomes. Pure: hashing and storage live in lib/ and db/.
 */

/** What the login log records; `GET /auth/events` filters by these. */
export const LOGIN_OUTCOMES = [
  'login_ok',
  'login_failed',
  'locked',
  'logout',
  'idle_timeout',
  'expired',
  'password_changed',
  'password_reset',
  'session_revoked',
] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

export const LOGIN_OUTCOME_LABELS: Record<LoginOutcome, string> = {
  login_ok: '登录成功',
  login_failed: '登录失败',
  locked: '账号锁定',
  logout: '退出登录',
  idle_timeout: '空闲超时',
  expired: '会话到期',
  password_changed: '修改密码',
  password_reset: '重置密码',
  session_revoked: '会话被终止',
};

/** Why a session must change its password before it may do anything else. */
export const PASSWORD_CHANGE_REASONS = ['first_login', 'reset', 'expired'] as const;
export type PasswordChangeReason = (typeof PASSWORD_CHANGE_REASONS)[number];

/** Lower-case letters, digits and `._-`, 3–32 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{2,31}$/;
export const USERNAME_MESSAGE = '用户名须为3–32位小写字母、数字或 ._-，以字母或数字开头 (3–32 of a-z 0-9 . _ -)';

/** Usernames compare case-insensitively: `ZhangSan` signs in as `zhangsan`. */
export function normalizeUsername(typed: string): string {
  return typed.trim().toLowerCase();
}

export interface PasswordPolicy {
  minLength: number;
  /** How many of upper case, lower case, digit, symbol a password must contain. */
  minClasses: number;
  /** A new password may not equal any of the last N (the current one included). */
  historySize: number;
  /** Days after a change when the password expires (a forced change at the next login); 0: never. */
  maxAgeDays: number;
}

/** The longest password we hash: a 10 KB "password" is refused before it costs anything. */
export const MAX_PASSWORD_LENGTH = 128;

/** Chinese reasons a password breaks the policy (empty: it complies). History is checked apart, against hashes. */
export function passwordProblems(password: string, username: string, policy: PasswordPolicy): string[] {
  const problems: string[] = [];
  if ([...password].length < policy.minLength) problems.push(`至少 ${policy.minLength} 个字符 (at least ${policy.minLength} characters)`);
  if (password.length > MAX_PASSWORD_LENGTH) problems.push(`至多 ${MAX_PASSWORD_LENGTH} 个字符 (at most ${MAX_PASSWORD_LENGTH} characters)`);
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length;
  if (classes < policy.minClasses) {
    problems.push(`须包含大写字母、小写字母、数字、符号中的至少 ${policy.minClasses} 类 (${policy.minClasses} of upper, lower, digit, symbol)`);
  }
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (name !== '' && (lower === name || lower.includes(name))) problems.push('不能包含用户名 (must not contain the username)');
  return problems;
}

/** When a password changed at `changedAt` expires under the policy, or null when it never does. */
export function passwordExpiresAt(changedAt: Date | null, policy: PasswordPolicy): Date | null {
  if (!changedAt || policy.maxAgeDays <= 0) return null;
  return new Date(changedAt.getTime() + policy.maxAgeDays * 86_400_000);
}

/** What an org dept may do to another account. */
export const ACCOUNT_ACTIONS = ['create', 'view', 'disable', 'enable', 'resetPassword', 'unlock', 'revokeSessions', 'issueToken', 'revokeToken'] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];
