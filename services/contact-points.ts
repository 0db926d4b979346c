/**
 * A person's SMS numbers and e-mail addresses (issue 12). The address is write-only: sealed at rest
 * with a keyed digest for duplicates and a hint (138****0000) to show. A new contact point gets a
 * 6-digit code on its own channel and receives nothing until the code comes back; only the code's
 * digest is kept, for 10 minutes and 5 wrong tries, and a code goes out at most once a minute per
 * person and kind (removing and adding again included).
 *
 * Everyone manages their own (`/me`); the org dept manages those of the accounts it manages
 * (services/accounts.ts `manages`: others are not found). Every change is an audit row naming the
 * hint, never the address or the code.
 */
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client.js';
import {
  countLiveContactPoints,
  getContactPoint,
  hasLiveContactPoint,
  insertContactPoint,
  lastCodeSentAt,
  listContactPoints,
  markContactPointVerified,
  recordDeliveryAudit,
  recordWrongCode,
  removeContactPoint,
  sealedAddressOf,
  setVerificationCode,
  type ContactPoint,
} from '../db/queries/delivery-settings.js';
import { isUniqueViolation } from '../db/queries/pg-errors.js';
import { getUser, type User } from '../db/queries/users.js';
import { maskEmail, maskPhone, MOBILE_PATTERN, normalizePhone, VERIFICATION_MESSAGE_KIND, type ContactKind } from '../domain/delivery.js';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Notifiers, Target } from '../notifiers/types.js';
import { manages } from './accounts.js';
import { TooManyRequestsError } from './auth.js';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
export const RESEND_INTERVAL_MS = 60_000;
/** Live contact points per person and kind: enough for a work and a private number, not a list to spam. */
export const MAX_CONTACT_POINTS_PER_KIND = 5;

const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

const DUPLICATE = () => new ConflictError('该联系方式已添加 (this contact point is already there)', { field: 'address' });
export const NOT_FOUND = '未找到该联系方式 (no such contact point)';
const ACCOUNT_NOT_FOUND = '未找到该账号 (no such account)';

/** A channel without a notifier in this process: nothing is written. */
export class ChannelNotConfiguredError extends DomainError {
  constructor(kind: string, field: string) {
    super(400, 'Bad Request', `该渠道未配置，暂不能使用 (channel_not_configured: ${kind})`, { field, reason: 'channel_not_configured' });
  }
}

/** The address in its stored form, or a ValidationError naming `address`. */
export function normalizeAddress(kind: ContactKind, raw: string): string {
  const value = raw.trim();
  if (kind === 'sms') {
    const phone = normalizePhone(value);
    if (!MOBILE_PATTERN.test(value.replace(/[\s-]/g, '')) || !/^1[3-9]\d{9}$/.test(phone))
      throw new ValidationError('须为中国大陆手机号码，如 13800000000 (a mainland mobile number)', 'address');
    return phone;
  }
  if (value.length > 254 || !EMAIL_PATTERN.test(value)) throw new ValidationError('须为有效的电子邮件地址 (a valid e-mail address)', 'address');
  return value.toLowerCase();
}

const publicOf = (p: ContactPoint): ContactPoint => ({
  id: p.id,
  userId: p.userId,
  kind: p.kind,
  hint: p.hint,
  verifiedAt: p.verifiedAt,
  createdAt: p.createdAt,
});

export interface ContactPointAnswer {
  contactPoint: ContactPoint;
  /** Whether the verification code went out (false: the provider refused or did not answer). */
  codeSent: boolean;
  /** The provider's code when it did not go out (never an address). */
  codeError: string | null;
  codeExpiresAt: Date | null;
}

export function createContactPointService(deps: { db: Db; secretBox: SecretBox; notifiers: Notifiers; now?: () => Date }) {
  const { db, secretBox, notifiers } = deps;
  const now = deps.now ?? (() => new Date());

  const actorOf = (user: AuthUser) => ({ actorUserId: user.id, actorLabel: user.name });
  const codeDigest = (contactPointId: string, code: string) => secretBox.digest(`verification:${contactPointId}:${code}`);
  const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

  const notifierFor = (kind: ContactKind) => {
    const notifier = notifiers[kind];
    if (!notifier) throw new ChannelNotConfiguredError(kind, 'kind');
    return notifier;
  };

  /** Sends the code; a refusal or a failure is an answer (`codeSent: false`), never a 5xx. */
  const sendCode = async (kind: ContactKind, address: string, code: string): Promise<{ sent: boolean; error: string | null }> => {
    const target: Target = kind === 'sms' ? { channel: 'sms', phone: address } : { channel: 'email', address };
    try {
      const outcome = await notifierFor(kind).send(target, {
        deliveryId: randomUUID(),
        kind: VERIFICATION_MESSAGE_KIND,
        title: `验证码 ${code}`,
        lines: [`您正在绑定接收督办提醒的${kind === 'sms' ? '手机号码' : '电子邮件地址'}，验证码 ${code}，10 分钟内有效。如非本人操作，请忽略。`],
        more: 0,
      });
      return outcome.ok ? { sent: true, error: null } : { sent: false, error: outcome.code };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { sent: false, error: typeof code === 'string' ? code : 'send_failed' };
    }
  };

  const throttle = async (userId: string, kind: ContactKind, at: Date) => {
    const last = await lastCodeSentAt(db, userId, kind);
    if (last && at.getTime() - last.getTime() < RESEND_INTERVAL_MS) {
      const wait = Math.ceil((RESEND_INTERVAL_MS - (at.getTime() - last.getTime())) / 1000);
      throw new TooManyRequestsError(`验证码发送过于频繁，请 ${wait} 秒后再试 (a code is sent at most once a minute)`, wait);
    }
  };

  /** The account, if the caller is the org dept managing it; 403 for other roles, 404 outside its jurisdiction. */
  const managedAccount = async (caller: AuthUser, userId: string): Promise<User> => {
    if (caller.role !== 'org_dept') throw new ForbiddenError('只有县委组织部可以管理他人的联系方式 (only the org dept manages others’ contact points)');
    const user = await getUser(db, userId);
    if (!user || !manages({ user: caller }, user)) throw new NotFoundError(ACCOUNT_NOT_FOUND);
    return user;
  };

  const create = async (
    caller: AuthUser,
    owner: { id: string },
    input: { kind: ContactKind; address: string; verified?: boolean },
  ): Promise<ContactPointAnswer> => {
    const address = normalizeAddress(input.kind, input.address);
    // Checked in person by the org dept: no code, so no notifier is needed (numbers can be set up before the provider is).
    const verifiedInPerson = input.verified === true;
    if (!verifiedInPerson) notifierFor(input.kind);
    const digest = secretBox.digest(`${input.kind}:${address}`);
    if (await hasLiveContactPoint(db, owner.id, input.kind, digest)) throw DUPLICATE();
    if ((await countLiveContactPoints(db, owner.id, input.kind)) >= MAX_CONTACT_POINTS_PER_KIND) {
      throw new ValidationError(`每种联系方式至多 ${MAX_CONTACT_POINTS_PER_KIND} 个 (at most ${MAX_CONTACT_POINTS_PER_KIND} per kind)`, 'kind');
    }
    const at = now();
    if (!verifiedInPerson) await throttle(owner.id, input.kind, at);
    const id = randomUUID();
    const code = verifiedInPerson ? null : newCode();
    const hint = input.kind === 'sms' ? maskPhone(address) : maskEmail(address);
    const expiresAt = new Date(at.getTime() + CODE_TTL_MS);
    const contactPoint = await db
      .transaction(async (tx) => {
        const created = await insertContactPoint(tx, {
          id,
          userId: owner.id,
          kind: input.kind,
          addressSealed: secretBox.seal(address),
          addressDigest: digest,
          addressHint: hint,
          createdBy: caller.id,
          verifiedAt: verifiedInPerson ? at : null,
          verification: code ? { digest: codeDigest(id, code), expiresAt, sentAt: at } : null,
        });
        await recordDeliveryAudit(tx, {
          entityType: 'contact_point',
          entityId: id,
          action: 'created',
          actor: actorOf(caller),
          at,
          after: { userId: owner.id, kind: input.kind, hint, verified: verifiedInPerson },
          ...(verifiedInPerson ? { details: { verifiedInPerson: true } } : {}),
        });
        return created;
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error, 'contact_points_live_uq')) throw DUPLICATE();
        throw error;
      });
    if (!code) return { contactPoint, codeSent: false, codeError: null, codeExpiresAt: null };
    // After the commit: no transaction waits on a provider.
    const sent = await sendCode(input.kind, address, code);
    return { contactPoint, codeSent: sent.sent, codeError: sent.error, codeExpiresAt: sent.sent ? expiresAt : null };
  };

  const remove = async (caller: AuthUser, ownerId: string, id: string): Promise<void> => {
    const point = await getContactPoint(db, ownerId, id);
    if (!point) throw new NotFoundError(NOT_FOUND);
    const at = now();
    await db.transaction(async (tx) => {
      if (!(await removeContactPoint(tx, id, caller.id, at))) throw new NotFoundError(NOT_FOUND);
      await recordDeliveryAudit(tx, {
        entityType: 'contact_point',
        entityId: id,
        action: 'removed',
        actor: actorOf(caller),
        at,
        before: { userId: ownerId, kind: point.kind, hint: point.hint, verified: point.verifiedAt !== null },
      });
    });
  };

  return {
    list: (caller: AuthUser) => listContactPoints(db, caller.id),
    create: (caller: AuthUser, input: { kind: ContactKind; address: string }) => create(caller, caller, input),
    remove: (caller: AuthUser, id: string) => remove(caller, caller.id, id),

    /** The code sent to it: right, it is verified; wrong, one try fewer; expired or tried out, a new code is needed. */
    async verify(caller: AuthUser, id: string, code: string): Promise<ContactPoint> {
      const at = now();
      const outcome = await db.transaction(async (tx) => {
        const point = await getContactPoint(tx, caller.id, id, { forUpdate: true });
        if (!point) throw new NotFoundError(NOT_FOUND);
        if (point.verifiedAt) return { point: publicOf(point), error: null };
        if (!point.verificationDigest || !point.verificationExpiresAt || point.verificationExpiresAt <= at) {
          return {
            point: null,
            error: new ValidationError('验证码已过期，请重新获取 (the code has expired: ask for a new one)', 'code', { reason: 'code_expired' }),
          };
        }
        if (point.verificationAttempts >= CODE_MAX_ATTEMPTS) {
          return {
            point: null,
            error: new ValidationError('错误次数过多，请重新获取验证码 (too many wrong codes: ask for a new one)', 'code', { reason: 'too_many_attempts' }),
          };
        }
        const expected = Buffer.from(point.verificationDigest);
        const given = Buffer.from(codeDigest(id, code));
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
          const attempts = await recordWrongCode(tx, id);
          const left = Math.max(0, CODE_MAX_ATTEMPTS - attempts);
          return {
            point: null,
            error: new ValidationError(
              left > 0 ? `验证码错误，还可再试 ${left} 次 (wrong code: ${left} tries left)` : '验证码错误，请重新获取验证码 (wrong code: ask for a new one)',
              'code',
              { reason: 'wrong_code', triesLeft: left },
            ),
          };
        }
        const verified = await markContactPointVerified(tx, id, at);
        await recordDeliveryAudit(tx, {
          entityType: 'contact_point',
          entityId: id,
          action: 'verified',
          actor: actorOf(caller),
          at,
          before: { verified: false },
          after: { verified: true },
          details: { kind: point.kind, hint: point.hint },
        });
        return { point: verified, error: null };
      });
      // A wrong try is committed before it is refused.
      if (outcome.error) throw outcome.error;
      return outcome.point!;
    },

    /** A new code (the old one stops working), at most once a minute. */
    async resend(caller: AuthUser, id: string): Promise<ContactPointAnswer> {
      const point = await getContactPoint(db, caller.id, id);
      if (!point) throw new NotFoundError(NOT_FOUND);
      if (point.verifiedAt) throw new ConflictError('该联系方式已验证 (already verified)', { field: 'id' });
      notifierFor(point.kind);
      const at = now();
      await throttle(caller.id, point.kind, at);
      const code = newCode();
      const expiresAt = new Date(at.getTime() + CODE_TTL_MS);
      const sealed = await db.transaction(async (tx) => {
        const set = await setVerificationCode(tx, id, {
          digest: codeDigest(id, code),
          expiresAt,
          sentAt: at,
          notSince: new Date(at.getTime() - RESEND_INTERVAL_MS),
        });
        if (!set) throw new TooManyRequestsError('验证码发送过于频繁，请稍后再试 (a code is sent at most once a minute)', 60);
        await recordDeliveryAudit(tx, {
          entityType: 'contact_point',
          entityId: id,
          action: 'code_resent',
          actor: actorOf(caller),
          at,
          details: { kind: point.kind, hint: point.hint },
        });
        return sealedAddressOf(tx, id);
      });
      const sent = await sendCode(point.kind, secretBox.open(sealed!), code);
      return { contactPoint: publicOf(point), codeSent: sent.sent, codeError: sent.error, codeExpiresAt: sent.sent ? expiresAt : null };
    },

    // --- The org dept, for the accounts it manages ---------------------------------------------

    async listFor(caller: AuthUser, userId: string): Promise<ContactPoint[]> {
      const user = await managedAccount(caller, userId);
      return listContactPoints(db, user.id);
    },

    /**
     * `verified: true`: the org dept has checked the number with its holder in person (the 组织部
     * keeps its cadres' numbers on file), so it is verified without a code; the audit row says so.
     */
    async createFor(caller: AuthUser, userId: string, input: { kind: ContactKind; address: string; verified?: boolean }): Promise<ContactPointAnswer> {
      const user = await managedAccount(caller, userId);
      return create(caller, user, input);
    },

    async removeFor(caller: AuthUser, userId: string, id: string): Promise<void> {
      const user = await managedAccount(caller, userId);
      await remove(caller, user.id, id);
    },
  };
}

export type ContactPointService = ReturnType<typeof createContactPointService>;
