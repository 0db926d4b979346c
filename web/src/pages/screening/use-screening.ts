import { computed, reactive, ref } from 'vue';
import { api, type ApiError, type Schemas } from '../../api/client';
import { idempotencyKey } from '../../api/idempotency';
import { fileNameOf, saveBlob } from '../../api/download';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export type ImportReport = Schemas['ImportReport'];
export type DesignationRequest = Schemas['ScreeningDesignationRequestInput'];

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

  /** The township's sheet upload: the row report (or the all-or-nothing refusal), as the imports page shows it. */
  const upload = reactive({ busy: false, report: null as ImportReport | null, rejected: null as string | null, failure: null as string | null });
  /** The designation's answer: how many cases this call created (0: all already created). */
  const designated = ref<number | null>(null);
  /** Village names by code, for the list, the amendments and the designations (read from their townships). */
  const villageNames = reactive<Record<string, string>>({});

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
    const codes = [...c.list, ...c.designations.map((d) => d.villageCode), ...c.amendments.map((a) => a.villageCode)];
    const townships = [...new Set(codes.filter((v) => !(v in villageNames)).map((v) => `${v.slice(0, 9)}000`))];
    await Promise.all(
      townships.map(async (code) => {
        const { data } = await api.GET('/api/v1/divisions/{code}', { params: { path: { code } } });
        for (const v of data?.children ?? []) villageNames[v.code] = v.name;
      }),
    );
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

  /** The file itself is the body (xlsx or CSV); a bad row refuses the whole file with a 422 row report. */
  async function uploadSheet(file: File) {
    Object.assign(upload, { busy: true, report: null, rejected: null, failure: null });
    try {
      const csv = /\.csv$/i.test(file.name) || file.type === 'text/csv';
      const { data, error, response } = await api.POST('/api/v1/screening-campaigns/{id}/sheets/{townshipCode}/upload', {
        params: { path: path(), query: { fileName: file.name } },
        body: file as unknown as string,
        bodySerializer: (body: unknown) => body as BodyInit,
        headers: { 'content-type': csv ? 'text/csv' : XLSX_MIME },
      });
      if (data) {
        upload.report = data;
        await select(current.value!.id);
        return;
      }
      const failure = error as (ApiError & { details?: { report?: ImportReport } }) | undefined;
      if (response.status === 422 && failure?.details?.report) {
        upload.report = failure.details.report;
        upload.rejected = failure.message;
      } else {
        upload.failure = failure?.message ?? `HTTP ${response.status}`;
      }
    } finally {
      upload.busy = false;
    }
  }

  async function sheetTemplate(): Promise<boolean> {
    const { data, response } = await api.GET('/api/v1/screening-campaigns/{id}/sheets/{townshipCode}/template', {
      params: { path: path() },
      parseAs: 'blob',
    });
    if (!data || !response.ok) return false;
    saveBlob(data as Blob, fileNameOf(response, `${township.value!.townshipCode}.xlsx`));
    return true;
  }

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
    upload,
    designated,
    villageNames,
    uploadSheet,
    sheetTemplate,
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
    amend: (body: { villageCode: string; change: 'add' | 'remove'; reason: string }) =>
      run(() =>
        api.POST('/api/v1/screening-campaigns/{id}/amendments', {
          params: { path: { id: current.value!.id }, header: { 'idempotency-key': idempotencyKey() } },
          body,
        }),
      ),
    designate: (body: DesignationRequest) =>
      run(async () => {
        const res = await api.POST('/api/v1/screening-campaigns/{id}/designation', {
          params: { path: { id: current.value!.id }, header: { 'idempotency-key': idempotencyKey() } },
          body,
        });
        if (res.data) designated.value = res.data.created ?? 0;
        return res;
      }),
  };
}
