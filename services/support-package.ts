/**
 * The support package (包保责任体系) of cases: resolving the people named for a post (they exist,
 * belong to the county, and a first secretary serves one village at a time), the package as the
 * detail shows it, the vacant posts of list rows, and the 一乡一表-style sheet of who is where.
 */
import type { Db } from '../db/client.js';
import {
  currentSupportTerms,
  firstSecretaryElsewhere,
  openCasesForSheet,
  peopleForPosts,
  pickPeople,
  supportTermsOf,
  type PersonForPost,
  type SupportTerm,
} from '../db/queries/support-package.js';
import { countyOf, isWithin, jurisdictionPrefix } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  PACKAGE_POSTS,
  SUPPORT_POSTS,
  emptySupportPackage,
  type PackagePost,
  type SupportHolder,
  type SupportPackageAssignment,
  type SupportPackageState,
  type SupportPost,
} from '../domain/support-package.js';
import type { AuthUser } from '../domain/roles.js';

/** A post's holder as the API shows it. */
export interface PostHolderView {
  personId: string | null;
  name: string | null;
  departmentName: string | null;
  since: Date;
}

/** One post of the package: its holders now (the work team has several), and whether it is vacant. */
export interface PostView {
  post: PackagePost;
  holders: PostHolderView[];
  since: Date | null;
  vacant: boolean;
}

export type SupportPackageView = Record<'sponsor' | 'townshipCadre' | 'firstSecretary' | 'workTeam' | 'pairedDepartment', PostView>;

const VIEW_KEY: Record<PackagePost, keyof SupportPackageView> = {
  sponsor: 'sponsor',
  township_cadre: 'townshipCadre',
  first_secretary: 'firstSecretary',
  work_team: 'workTeam',
  paired_department: 'pairedDepartment',
};

/** A holder for the workflow (no `since`: the workflow stamps it). */
type NewHolder = Omit<SupportHolder, 'since'>;

/** A change of one post as the API takes it (the service checks the shape per post). */
export interface SupportMemberInput {
  post: SupportPost;
  personId?: string | null;
  workTeamPersonIds?: string[];
  department?: { name: string; contactPersonId?: string | null } | null;
  reason: string;
}

export function createSupportPackageService(deps: { db: Db }) {
  const { db } = deps;

  /**
   * People named for posts of a case in `villageCode`: each must exist and be recorded within the
   * case's county, or above it (a first secretary sent down by a prefecture or provincial unit), or
   * without a division; a person recorded in another county is refused. A first secretary may not
   * already be first secretary of another open case.
   */
  async function resolvePeople(
    villageCode: string,
    caseId: string | null,
    named: Array<{ personId: string; field: string; post: SupportPost }>,
  ): Promise<Map<string, PersonForPost>> {
    const found = new Map((await peopleForPosts(db, [...new Set(named.map((n) => n.personId))])).map((p) => [p.id, p]));
    const county = countyOf(villageCode);
    for (const n of named) {
      const person = found.get(n.personId);
      if (!person) throw new ValidationError(`没有该人员 (no such person): ${n.personId}`, n.field);
      if (person.divisionCode && !isWithin(person.divisionCode, county) && !isWithin(county, person.divisionCode)) {
        throw new ValidationError('该人员不属于本县 (the person is recorded outside this county)', n.field);
      }
      if (n.post === 'first_secretary') {
        const elsewhere = await firstSecretaryElsewhere(db, n.personId, caseId);
        if (elsewhere) {
          throw new ValidationError(
            `该人员已是另一村（${elsewhere.villageCode}）的驻村第一书记 (already first secretary of another village’s open case)`,
            n.field,
            {
              caseId: elsewhere.caseId,
            },
          );
        }
      }
    }
    return found;
  }

  const holderOf = (p: PersonForPost, departmentName: string | null = null): NewHolder => ({
    personId: p.id,
    name: p.name,
    departmentName,
    userId: p.userId,
    userRole: p.userRole,
  });

  /** The team named at designation, resolved (people checked) for the case and its workflow. */
  async function resolveAssignment(villageCode: string, a: SupportPackageAssignment, field = 'supportPackage'): Promise<SupportPackageState> {
    const named: Array<{ personId: string; field: string; post: SupportPost }> = [];
    if (a.townshipCadrePersonId) named.push({ personId: a.townshipCadrePersonId, field: `${field}.townshipCadrePersonId`, post: 'township_cadre' });
    if (a.firstSecretaryPersonId) named.push({ personId: a.firstSecretaryPersonId, field: `${field}.firstSecretaryPersonId`, post: 'first_secretary' });
    const team = a.workTeamPersonIds ?? [];
    if (new Set(team).size !== team.length) throw new ValidationError('工作队成员重复 (a work team member is named twice)', `${field}.workTeamPersonIds`);
    team.forEach((id, i) => named.push({ personId: id, field: `${field}.workTeamPersonIds.${i}`, post: 'work_team' }));
    if (a.pairedDepartment?.contactPersonId)
      named.push({ personId: a.pairedDepartment.contactPersonId, field: `${field}.pairedDepartment.contactPersonId`, post: 'paired_department' });
    const people = await resolvePeople(villageCode, null, named);
    const pkg = emptySupportPackage() as Record<SupportPost, SupportHolder[]>;
    const stamp = (h: NewHolder): SupportHolder => ({ ...h, since: '' });
    if (a.townshipCadrePersonId) pkg.township_cadre = [stamp(holderOf(people.get(a.townshipCadrePersonId)!))];
    if (a.firstSecretaryPersonId) pkg.first_secretary = [stamp(holderOf(people.get(a.firstSecretaryPersonId)!))];
    pkg.work_team = team.map((id) => stamp(holderOf(people.get(id)!)));
    if (a.pairedDepartment)
      pkg.paired_department = [
        stamp(departmentHolder(a.pairedDepartment.name, a.pairedDepartment.contactPersonId ? people.get(a.pairedDepartment.contactPersonId)! : null)),
      ];
    return pkg;
  }

  function departmentHolder(name: string, contact: PersonForPost | null): NewHolder {
    return contact ? holderOf(contact, name) : { personId: null, name, departmentName: name, userId: null, userRole: null };
  }

  /** A change of one post, checked (the shape per post, then the people) and resolved for the workflow. */
  async function resolveChange(villageCode: string, caseId: string, input: SupportMemberInput): Promise<NewHolder[]> {
    const { post } = input;
    const stray = (field: keyof SupportMemberInput) => {
      if (input[field] !== undefined) throw new ValidationError(`岗位 ${post} 不接受该字段 (not a field of this post)`, field);
    };
    if (post === 'work_team') {
      stray('personId');
      stray('department');
      if (!input.workTeamPersonIds) throw new ValidationError('请列出工作队成员（空数组为撤回全部） (list the work team, [] for none)', 'workTeamPersonIds');
      const team = input.workTeamPersonIds;
      if (new Set(team).size !== team.length) throw new ValidationError('工作队成员重复 (a work team member is named twice)', 'workTeamPersonIds');
      const people = await resolvePeople(
        villageCode,
        caseId,
        team.map((id, i) => ({ personId: id, field: `workTeamPersonIds.${i}`, post })),
      );
      return team.map((id) => holderOf(people.get(id)!));
    }
    if (post === 'paired_department') {
      stray('personId');
      stray('workTeamPersonIds');
      if (input.department === undefined) throw new ValidationError('请给出结对帮扶单位（null 为空缺） (department required, null for vacant)', 'department');
      if (input.department === null) return [];
      const contactId = input.department.contactPersonId ?? null;
      const people = contactId ? await resolvePeople(villageCode, caseId, [{ personId: contactId, field: 'department.contactPersonId', post }]) : new Map();
      return [departmentHolder(input.department.name, contactId ? people.get(contactId)! : null)];
    }
    stray('workTeamPersonIds');
    stray('department');
    if (input.personId === undefined) throw new ValidationError('请给出人员（null 为空缺） (personId required, null for vacant)', 'personId');
    if (input.personId === null) return [];
    const people = await resolvePeople(villageCode, caseId, [{ personId: input.personId, field: 'personId', post }]);
    return [holderOf(people.get(input.personId)!)];
  }

  function viewOf(terms: readonly SupportTerm[], sponsor: { userId: string | null; name: string | null; since: Date }): SupportPackageView {
    const view = {} as SupportPackageView;
    view.sponsor = {
      post: 'sponsor',
      holders: sponsor.userId ? [{ personId: null, name: sponsor.name, departmentName: null, since: sponsor.since }] : [],
      since: sponsor.userId ? sponsor.since : null,
      vacant: !sponsor.userId,
    };
    for (const post of SUPPORT_POSTS) {
      const current = terms.filter((t) => t.post === post && t.endedAt === null);
      const holders = current.map((t) => ({
        personId: t.personId,
        name: t.personName ?? t.departmentName,
        departmentName: t.departmentName,
        since: t.startedAt,
      }));
      const since = holders.length ? new Date(Math.min(...holders.map((h) => h.since.getTime()))) : null;
      view[VIEW_KEY[post]] = { post, holders, since, vacant: holders.length === 0 };
    }
    return view;
  }

  /** The package of one case (with the history of every post). */
  async function packageOf(c: { id: string; sponsorUserId: string | null; sponsorName: string | null; designatedAt: Date }, sponsorSince: Date | null) {
    const terms = await supportTermsOf(db, c.id);
    return { view: viewOf(terms, { userId: c.sponsorUserId, name: c.sponsorName, since: sponsorSince ?? c.designatedAt }), history: terms };
  }

  /** Vacant posts per case (list rows). */
  async function vacantPostsOf(cases: ReadonlyArray<{ id: string; sponsorUserId: string | null }>): Promise<Map<string, PackagePost[]>> {
    const terms = await currentSupportTerms(
      db,
      cases.map((c) => c.id),
    );
    const held = new Set(terms.map((t) => `${t.caseId}:${t.post}`));
    return new Map(cases.map((c) => [c.id, PACKAGE_POSTS.filter((p) => (p === 'sponsor' ? !c.sponsorUserId : !held.has(`${c.id}:${p}`)))]));
  }

  /** The 一乡一表-style sheet: each open case the user sees, the holders of each post; and how many miss each post. */
  async function sheet(user: AuthUser, division: string | undefined) {
    const cases = await openCasesForSheet(db, user, division);
    const terms = await currentSupportTerms(
      db,
      cases.map((c) => c.caseId),
    );
    const byCase = new Map<string, SupportTerm[]>();
    for (const t of terms) byCase.set(t.caseId, [...(byCase.get(t.caseId) ?? []), t]);
    const rows = cases.map((c) => {
      const view = viewOf(byCase.get(c.caseId) ?? [], { userId: c.sponsorUserId, name: c.sponsorName, since: c.designatedAt });
      return { ...c, supportPackage: view, vacantPosts: PACKAGE_POSTS.filter((p) => view[VIEW_KEY[p]].vacant) };
    });
    const missing = Object.fromEntries(PACKAGE_POSTS.map((p) => [p, rows.filter((r) => r.vacantPosts.includes(p)).length])) as Record<PackagePost, number>;
    return { rows, openCases: rows.length, missing };
  }

  /** People to name for a post: those recorded within the caller's jurisdiction (offices only). */
  async function people(user: AuthUser, q: { division?: string; name?: string; limit: number }) {
    if (user.role === 'sponsor') throw new ForbiddenError('包保领导不能查询人员 (sponsors do not pick people)');
    const scope = jurisdictionPrefix(user.jurisdictionCode);
    const prefix = q.division ? jurisdictionPrefix(q.division) : scope;
    if (!prefix.startsWith(scope)) throw new NotFoundError('未找到该区划 (division not found)');
    return pickPeople(db, { prefix, name: q.name, limit: q.limit });
  }

  return { resolveAssignment, resolveChange, packageOf, vacantPostsOf, sheet, people };
}

export type SupportPackageService = ReturnType<typeof createSupportPackageService>;
