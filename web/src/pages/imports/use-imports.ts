import { reactive } from 'vue';
import { api, type ApiError, type Schemas } from '../../api/client';
import { fileNameOf, saveBlob } from '../../api/download';

export type ImportReport = Schemas['ImportReport'];
export type ImportProblem = Schemas['ImportProblem'];
export type ImportKind = 'people' | 'reserve-nominations';
export const IMPORT_KINDS: ImportKind[] = ['people', 'reserve-nominations'];

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

interface KindState {
  busy: boolean;
  report: ImportReport | null;
  /** The all-or-nothing refusal's message (the report holds the rows). */
  rejected: string | null;
  /** Anything else: a wrong type, too large, not allowed. */
  failure: string | null;
}

/**
 * Uploads through the generated client: the request body is the file itself (the route reads
 * xlsx or CSV bytes), and the answer is the import report — or, on any bad row, a 422 whose
 * details.report lists (row, column, problem) and nothing was imported.
 */
export function useImports() {
  const state = reactive<Record<ImportKind, KindState>>({
    people: { busy: false, report: null, rejected: null, failure: null },
    'reserve-nominations': { busy: false, report: null, rejected: null, failure: null },
  });

  async function upload(kind: ImportKind, file: File): Promise<void> {
    const s = state[kind];
    Object.assign(s, { busy: true, report: null, rejected: null, failure: null });
    try {
      const csv = /\.csv$/i.test(file.name) || file.type === 'text/csv';
      const options = {
        params: { query: { fileName: file.name } },
        body: file as unknown as string,
        bodySerializer: (body: unknown) => body as BodyInit,
        headers: { 'content-type': csv ? 'text/csv' : XLSX_MIME },
      };
      const { data, error, response } =
        kind === 'people' ? await api.POST('/api/v1/imports/people', options) : await api.POST('/api/v1/imports/reserve-nominations', options);
      if (data) {
        s.report = data;
        return;
      }
      const failure = error as (ApiError & { details?: { report?: ImportReport } }) | undefined;
      if (response.status === 422 && failure?.details?.report) {
        s.report = failure.details.report;
        s.rejected = failure.message;
      } else {
        s.failure = failure?.message ?? `HTTP ${response.status}`;
      }
    } finally {
      s.busy = false;
    }
  }

  async function template(kind: ImportKind): Promise<boolean> {
    const { data, response } = await api.GET('/api/v1/imports/templates/{kind}', { params: { path: { kind } }, parseAs: 'blob' });
    if (!data || !response.ok) return false;
    saveBlob(data as Blob, fileNameOf(response, `${kind}.xlsx`));
    return true;
  }

  type ExportKind = 'cases' | 'people' | 'reserve-nominations' | 'stats';
  async function download(kind: ExportKind): Promise<boolean> {
    const query = { format: 'xlsx' as const };
    const result =
      kind === 'cases'
        ? await api.GET('/api/v1/exports/cases', { params: { query }, parseAs: 'blob' })
        : kind === 'people'
          ? await api.GET('/api/v1/exports/people', { params: { query }, parseAs: 'blob' })
          : kind === 'reserve-nominations'
            ? await api.GET('/api/v1/exports/reserve-nominations', { params: { query }, parseAs: 'blob' })
            : await api.GET('/api/v1/exports/stats', { params: { query }, parseAs: 'blob' });
    if (!result.data || !result.response.ok) return false;
    saveBlob(result.data as Blob, fileNameOf(result.response, `${kind}.xlsx`));
    return true;
  }

  return { state, upload, template, download };
}

/** A CSV cell: quoted when it holds a comma, quote or line break. */
function cell(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The row report as a CSV file for Excel: UTF-8 with a BOM (so Excel reads the Chinese), CRLF
 * line ends, the same columns as the table on the page.
 */
export function reportCsv(problems: ImportProblem[], header: string[]): Blob {
  const lines = [header.map(cell).join(','), ...problems.map((p) => [p.row, p.column, p.cell, p.value, p.problem].map(cell).join(','))];
  return new Blob(['\uFEFF' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
}
