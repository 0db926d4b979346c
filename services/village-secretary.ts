/**
 * The village party secretary post: the township office (its villages) and the org dept (its
 * county) record who holds it or since when it is vacant. The screening campaign's hard trigger
 * "post vacant for more than 3 months" is pre-filled from it; the people import keeps the holder.
 */
import type { Db } from '../db/client.js';
import { getSecretaryPost, personDivision, setSecretaryPost } from '../db/queries/village-secretary.js';
import { countyOf, isWithin } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';

export interface SecretaryPostView {
  villageCode: string;
  villageName: string;
  organizationName: string | null;
  holder: { personId: string; name: string } | null;
  /** null: filled, or never recorded. */
  vacantSince: string | null;
  /** Whole months vacant as of today (Asia/Shanghai); null when not vacant. */
  monthsVacant: number | null;
}

export interface SecretaryPostInput {
  personId: string | null;
  since: string;
  reason: string;
}

/** Today's date in Asia/Shanghai (the calendar the offices keep). */
export function shanghaiDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** Whole calendar months from `from` to `to` (both YYYY-MM-DD), never negative. */
export function wholeMonthsBetween(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const months = (ty - fy) * 12 + (tm - fm) - (td < fd ? 1 : 0);
  return Math.max(0, months);
}

export function createVillageSecretaryService(deps: { db: Db; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  async function village(user: AuthUser, villageCode: string) {
    if (!isWithin(villageCode, user.jurisdictionCode)) throw new NotFoundError('未找到该村 (village not found)');
    const post = await getSecretaryPost(db, villageCode);
    if (!post) throw new NotFoundError('未找到该村 (village not found)');
    return post;
  }

  function view(post: NonNullable<Awaited<ReturnType<typeof getSecretaryPost>>>): SecretaryPostView {
    const vacantSince = post.personId ? null : post.vacantSince;
    return {
      villageCode: post.villageCode,
      villageName: post.villageName,
      organizationName: post.organizationName,
      holder: post.personId && post.name ? { personId: post.personId, name: post.name } : null,
      vacantSince,
      monthsVacant: vacantSince ? wholeMonthsBetween(vacantSince, shanghaiDate(now())) : null,
    };
  }

  return {
    /** The post as it stands; a village outside the caller's jurisdiction is not there. */
    async get(user: AuthUser, villageCode: string): Promise<SecretaryPostView> {
      return view(await village(user, villageCode));
    },

    /**
     * Records the post: `personId` null means vacant since `since`; a person means filled (the
     * vacancy cleared). The person must exist and be recorded within the village's county; `since`
     * may not be after today. Only the township office and the org dept record it.
     */
    async set(user: AuthUser, villageCode: string, input: SecretaryPostInput): Promise<SecretaryPostView> {
      await village(user, villageCode);
      if (user.role === 'sponsor') throw new ForbiddenError('包保领导不能登记村党组织书记 (a sponsor may not record the village secretary)');
      const at = now();
      if (input.since > shanghaiDate(at)) throw new ValidationError('日期不能晚于今天 (must not be after today)', 'since');
      if (input.personId) {
        const person = await personDivision(db, input.personId);
        if (!person) throw new ValidationError(`没有该人员 (no such person): ${input.personId}`, 'personId');
        if (!person.divisionCode || !isWithin(person.divisionCode, countyOf(villageCode))) {
          throw new ValidationError('该人员不属于本县 (the person is not recorded within this county)', 'personId');
        }
      }
      await setSecretaryPost(db, { villageCode, ...input, actor: { userId: user.id, label: user.name }, at });
      return view((await getSecretaryPost(db, villageCode))!);
    },
  };
}

export type VillageSecretaryService = ReturnType<typeof createVillageSecretaryService>;
