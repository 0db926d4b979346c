import { computed, reactive, ref } from 'vue';
import { api, type ApiError, type Schemas } from '../../api/client';
import { idempotencyKey } from '../../api/idempotency';

export type Campaign = Schemas['ScreeningCampaignDetail'];
export type CampaignSummary = Schemas['ScreeningCampaignSummary'];
export interface SheetRow {
  villageCode: string;
  villageName: string;
  proposal: 'list' | 'do_not_list' | 'watch';
  found: string[];
  evidence: string;
}
export interface Decision {
  villageCode: string;
  decision: 'confirm' | 'remove';
  reason: string;
}

/** The campaigns, the one open in the page, a township's sheet (its villages) and the org dept's 研判 and approval forms. */
export function useScreening() {
  const campaigns = ref<CampaignSummary[]>([]);
  const current = ref<Campaign | null>(null);
  const sheet = ref<SheetRow[]>([]);
  const answers = reactive<Record<string, { answer: 'confirmed' | 'dismissed' | ''; reason: string }>>({});
  const decisions = ref<Decision[]>([]);
  const approval = reactive({ date: '', meeting: '', documentNumber: '' });
  const busy = ref(false);
  const message = ref<string | null>(null);

  const triggerKey = (villageCode: string, trigger: string) => `${villageCode}:${trigger}`;

  async function loadList() {
    const { data } = await api.GET('/api/v1/screening-campaigns', { params: { query: {} } });
    campaigns.value = data?.items ?? [];
  }

  async function select(id: string) {
    const { data } = await api.GET('/api/v1/screening-campaigns/{id}', { params: { path: { id } } });
    current.value = data ?? null;
    if (current.value) await prepare(current.value);
  }

  /** The township's villages (with what was saved) and the 研判 rows (the townships' "list" proposals). */
  async function prepare(c: Campaign) {
    const own = c.townships.length === 1 ? c.townships[0]!.townshipCode : null;
    if (own) {
      const { data } = await api.GET('/api/v1/divisions/{code}', { params: { path: { code: own } } });
      sheet.value = (data?.children ?? []).map((v) => {
        const e = c.entries.find((x) => x.villageCode === v.code);
        return {
          villageCode: v.code,
          villageName: v.name,
          proposal: e?.proposal ?? 'do_not_list',
          found: e
            ? Object.entries(e.findings)
                .filter(([, f]) => f.found)
                .map(([k]) => k)
            : [],
          evidence: e ? (Object.values(e.findings).find((f) => f.found)?.evidence ?? '') : '',
        };
      });
    }
    for (const tr of c.triggers) answers[triggerKey(tr.villageCode, tr.trigger)] = { answer: tr.answer ?? '', reason: tr.answerReason ?? '' };
    decisions.value = c.entries.filter((e) => e.proposal === 'list').map((e) => ({ villageCode: e.villageCode, decision: 'confirm', reason: '' }));
  }

  async function run(call: () => Promise<{ data?: unknown; error?: unknown }>, then?: () => Promise<void>) {
    busy.value = true;
    message.value = null;
    try {
      const { data, error } = await call();
      if (!data) {
        const failure = error as ApiError | undefined;
        const issue = failure?.details?.issues?.[0];
        message.value = issue ? `${failure?.message ?? ''}（${issue.field}）` : (failure?.message ?? null);
        return false;
      }
      if (current.value) await select(current.value.id);
      await loadList();
      await then?.();
      return true;
    } finally {
      busy.value = false;
    }
  }

  const township = computed(() => (current.value?.townships.length === 1 ? current.value.townships[0]! : null));

  function sheetBody() {
    const c = current.value!;
    return {
      entries: sheet.value.map((r) => ({
        villageCode: r.villageCode,
        proposal: r.proposal,
        findings: Object.fromEntries(
          c.criteria.map((k) => [k, r.found.includes(k) ? { found: true, ...(r.evidence.trim() && { evidence: r.evidence.trim() }) } : { found: false }]),
        ),
      })),
      triggerAnswers: c.triggers
        .map((tr) => ({ tr, a: answers[triggerKey(tr.villageCode, tr.trigger)] }))
        .filter(({ a }) => a && a.answer !== '')
        .map(({ tr, a }) => ({
          villageCode: tr.villageCode,
          trigger: tr.trigger as Schemas['ScreeningSheetRequest']['triggerAnswers'] extends Array<infer T> | undefined
            ? T extends { trigger: infer X }
              ? X
              : never
            : never,
          answer: a!.answer as 'confirmed' | 'dismissed',
          ...(a!.reason.trim() && { reason: a!.reason.trim() }),
        })),
    };
  }

  const path = () => ({ id: current.value!.id, townshipCode: township.value!.townshipCode });

  return {
    campaigns,
    current,
    sheet,
    answers,
    decisions,
    approval,
    busy,
    message,
    township,
    triggerKey,
    loadList,
    select,
    open: (year: number) =>
      run(async () => {
        const res = await api.POST('/api/v1/screening-campaigns', { body: { year } });
        if (res.data) current.value = res.data;
        return res;
      }),
    save: () => run(() => api.PUT('/api/v1/screening-campaigns/{id}/sheets/{townshipCode}', { params: { path: path() }, body: sheetBody() })),
    submit: () =>
      run(() =>
        api.POST('/api/v1/screening-campaigns/{id}/sheets/{townshipCode}/submit', {
          params: { path: path(), header: { 'idempotency-key': idempotencyKey() } },
          body: sheetBody(),
        }),
      ),
    judge: () =>
      run(() =>
        api.POST('/api/v1/screening-campaigns/{id}/judgment', {
          params: { path: { id: current.value!.id }, header: { 'idempotency-key': idempotencyKey() } },
          body: { decisions: decisions.value },
        }),
      ),
    approve: () =>
      run(() =>
        api.POST('/api/v1/screening-campaigns/{id}/approval', {
          params: { path: { id: current.value!.id }, header: { 'idempotency-key': idempotencyKey() } },
          body: { ...approval },
        }),
      ),
  };
}
