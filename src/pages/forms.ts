/**
 * Plain HTML forms for the pages: labelled fields, a hidden CSRF value, and — after a refused post —
 * the values as they were typed and the problem next to the field it names. No JavaScript needed.
 */
import { html, type HtmlValue, type SafeHtml } from './html.ts';

/** What a refused post left behind: its fields as typed and the problem, by field. */
export interface FormState {
  values: Record<string, string>;
  /** The field the problem names (`(form)` when it names none). */
  field: string;
  message: string;
}

export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'number' | 'textarea' | 'select' | 'file' | 'date';
  required?: boolean;
  placeholder?: string;
  hint?: string;
  options?: readonly { value: string; label: string }[];
  value?: string;
  maxlength?: number;
  /** inputmode / autocomplete hints for phones. */
  inputmode?: 'numeric' | 'text' | 'decimal';
  accept?: string;
  capture?: 'environment';
  autofocus?: boolean;
}

/** One labelled field; the refused value and problem when this is the field a post was refused for. */
export function field(form: string, spec: FieldSpec, state: FormState | null): SafeHtml {
  const id = `${form}-${spec.name}`;
  const value = state?.values[spec.name] ?? spec.value ?? '';
  const invalid = state?.field === spec.name;
  const describedBy = [spec.hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  const common = {
    id,
    name: spec.name,
    required: spec.required ?? false,
  };
  const attrs = html`id="${common.id}"
  name="${common.name}"${common.required ? html` required` : null}${
    invalid ? html` aria-invalid="true"` : null
  }${describedBy ? html` aria-describedby="${describedBy}"` : null}${spec.autofocus ? html` autofocus` : null}`;
  let control: SafeHtml;
  switch (spec.type ?? 'text') {
    case 'textarea':
      control = html`<textarea ${attrs} rows="3" maxlength="${spec.maxlength ?? 2000}">${value}</textarea>`;
      break;
    case 'select':
      control = html`<select ${attrs}>
        ${(spec.options ?? []).map(
          (o) =>
            html`<option value="${o.value}" ${o.value === value ? html` selected` : null}>
              ${o.label}
            </option>`,
        )}
      </select>`;
      break;
    case 'file':
      control = html`<input
        type="file"
        ${attrs}${spec.accept ? html` accept="${spec.accept}"` : null}${
          spec.capture ? html` capture="${spec.capture}"` : null
        }
      />`;
      break;
    default:
      control = html`<input
        type="${spec.type === 'number' ? 'text' : (spec.type ?? 'text')}"
        ${attrs}
        value="${value}"
        ${spec.placeholder ? html` placeholder="${spec.placeholder}"` : null}
        maxlength="${spec.maxlength ?? 200}"
        ${spec.inputmode || spec.type === 'number' ? html` inputmode="${spec.inputmode ?? 'numeric'}"` : null}
        autocomplete="off"
      />`;
  }
  return html`<div class="field${invalid ? ' invalid' : ''}">
    <label for="${id}"
      >${spec.label}${spec.required ? null : html` <span class="meta">(optional)</span>`}</label
    >
    ${control} ${spec.hint ? html`<p class="meta" id="${id}-hint">${spec.hint}</p>` : null}
    ${invalid ? html`<p class="field-error" id="${id}-error">${state!.message}</p>` : null}
  </div>`;
}

/** A POST form with its CSRF value; a refused post's problem on top when it names no field. */
export function postForm(options: {
  id: string;
  action: string;
  csrf: string;
  submit: string;
  body: HtmlValue;
  state?: FormState | null;
  multipart?: boolean;
  fieldNames?: readonly string[];
  className?: string;
}): SafeHtml {
  const { state } = options;
  const general =
    state && !(options.fieldNames ?? []).includes(state.field)
      ? html`<p class="problem" role="alert">${state.message}</p>`
      : null;
  return html`<form
    id="${options.id}"
    class="${options.className ?? 'action'}"
    method="post"
    action="${options.action}"
    ${options.multipart ? html` enctype="multipart/form-data"` : null}
  >
    <input type="hidden" name="_csrf" value="${options.csrf}" />
    ${general} ${options.body}
    <button type="submit">${options.submit}</button>
  </form>`;
}

/** A message at the top of a page: what was just done, or why a post was refused. */
export function banner(kind: 'ok' | 'error', text: string): SafeHtml {
  return kind === 'ok'
    ? html`<p class="banner ok" role="status" id="banner">✔ ${text}</p>`
    : html`<p class="banner error" role="alert" id="banner">✖ ${text}</p>`;
}
