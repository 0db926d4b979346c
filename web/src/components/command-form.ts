/**
 * A command's form described as data: its fields, how each is entered, and when it shows. The
 * mentorship and reserve pages have a dozen small commands; one form component draws them all the
 * same way, each field with its own error from the server.
 */
export type FieldValue = string | number | boolean | null | undefined;
export type FormValues = Record<string, FieldValue>;

export interface FieldSpec {
  /** The body's field name, as the server names it in errors (`period`, `mentor.name`). */
  name: string;
  label: string;
  /** `village`: a village picked 乡镇 → 村 under the caller's jurisdiction (its 12-digit code). */
  kind: 'text' | 'textarea' | 'select' | 'radio' | 'number' | 'date' | 'month' | 'boolean' | 'village';
  options?: Array<{ value: string | number | boolean; label: string }>;
  /** Options that depend on what is entered so far (e.g. the quarters still owed of the kind chosen). */
  optionsFor?: (values: FormValues) => Array<{ value: string | number | boolean; label: string }>;
  initial?: FieldValue;
  placeholder?: string;
  /** Shown only when this answers true for the values entered so far. */
  show?: (values: FormValues) => boolean;
  /** A number's bounds and step. */
  min?: number;
  max?: number;
  step?: number;
}

/** The values for a fresh form: each field's initial value, or empty. */
export function initialValues(fields: FieldSpec[]): FormValues {
  return Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.kind === 'boolean' ? false : f.kind === 'number' ? undefined : '')]));
}

/**
 * The request body: shown fields only, empty optional text left out (the server treats absent and
 * empty differently), dotted names nested (`mentor.name` → `{ mentor: { name } }`).
 */
export function bodyOf(fields: FieldSpec[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.show && !f.show(values)) continue;
    const v = values[f.name];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) continue;
    const path = f.name.split('.');
    let at = body;
    for (const part of path.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
    at[path.at(-1)!] = v;
  }
  return body;
}
