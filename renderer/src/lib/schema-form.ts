/**
 * Form fields from an attack's or transform's parameter schema (the JSON Schema that
 * `z.toJSONSchema` makes of the zod params, delivered by attack:list / transform:list). The
 * engine validates again, so this only has to offer the right controls and drop empty fields.
 */

export type FieldKind = 'number' | 'integer' | 'boolean' | 'enum' | 'choice' | 'text';

export interface FormField {
  key: string;
  label: string;
  kind: FieldKind;
  description?: string;
  min?: number;
  max?: number;
  /** Exclusive bounds are shown in the hint; the engine enforces them. */
  exclusiveMin?: number;
  default?: unknown;
  /** Options of an enum, or of a 'choice' (string enum plus an integer such as a class index). */
  options?: string[];
  required: boolean;
}

type Schema = Record<string, unknown>;

const asNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function fieldOf(key: string, s: Schema, required: boolean): FormField {
  const base = {
    key,
    label: humanize(key),
    required,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    ...('default' in s ? { default: s.default } : {}),
  };
  const bounds = {
    ...(asNumber(s.minimum) !== undefined ? { min: asNumber(s.minimum) } : {}),
    ...(asNumber(s.maximum) !== undefined && asNumber(s.maximum)! < Number.MAX_SAFE_INTEGER ? { max: asNumber(s.maximum) } : {}),
    ...(asNumber(s.exclusiveMinimum) !== undefined ? { exclusiveMin: asNumber(s.exclusiveMinimum) } : {}),
  };
  if (Array.isArray(s.enum)) return { ...base, kind: 'enum', options: s.enum.map(String) };
  const variants = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : []) as Schema[];
  if (variants.length > 0) {
    const options = variants.flatMap((v) => (Array.isArray(v.enum) ? v.enum.map(String) : []));
    const numeric = variants.find((v) => v.type === 'integer' || v.type === 'number');
    if (options.length > 0) return { ...base, kind: 'choice', options, ...(numeric ? boundsOf(numeric) : {}) };
    if (numeric) return { ...base, ...boundsOf(numeric), kind: numeric.type === 'integer' ? 'integer' : 'number' };
  }
  if (s.type === 'integer') return { ...base, ...bounds, kind: 'integer' };
  if (s.type === 'number') return { ...base, ...bounds, kind: 'number' };
  if (s.type === 'boolean') return { ...base, kind: 'boolean' };
  return { ...base, kind: 'text' };
}

function boundsOf(s: Schema): Pick<FormField, 'min' | 'max'> {
  const max = asNumber(s.maximum);
  return { ...(asNumber(s.minimum) !== undefined ? { min: asNumber(s.minimum) } : {}), ...(max !== undefined && max < Number.MAX_SAFE_INTEGER ? { max } : {}) };
}

export function fieldsOf(schema: Schema): FormField[] {
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(props).map(([k, s]) => fieldOf(k, s, required.has(k)));
}

/** A value as the form edits it: numbers and choices as text, booleans as booleans. */
export type FormValue = string | boolean;

export function initialValues(fields: FormField[], defaults: Record<string, unknown>): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const f of fields) {
    const v = defaults[f.key] ?? f.default;
    out[f.key] = f.kind === 'boolean' ? v === true : v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/**
 * Form values → request params. Empty fields are left out (the engine applies its defaults);
 * numbers are parsed; a 'choice' that is a number (a class index) is sent as one.
 */
export function paramsOf(fields: FormField[], values: Record<string, FormValue>): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (f.kind === 'boolean') {
      params[f.key] = v === true;
      continue;
    }
    const text = typeof v === 'string' ? v.trim() : '';
    if (text === '') {
      if (f.required) errors[f.key] = 'required';
      continue;
    }
    if (f.kind === 'number' || f.kind === 'integer' || (f.kind === 'choice' && /^-?\d+$/.test(text))) {
      const n = Number(text);
      if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n))) errors[f.key] = f.kind === 'integer' ? 'a whole number' : 'a number';
      else if (f.min !== undefined && n < f.min) errors[f.key] = `at least ${f.min}`;
      else if (f.max !== undefined && n > f.max) errors[f.key] = `at most ${f.max}`;
      else if (f.exclusiveMin !== undefined && n <= f.exclusiveMin) errors[f.key] = `more than ${f.exclusiveMin}`;
      else params[f.key] = n;
    } else {
      params[f.key] = text;
    }
  }
  return { params, errors };
}
