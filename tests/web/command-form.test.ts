// @vitest-environment happy-dom
/**
 * A command form as a user meets it (happy-dom, no server): what it sends, each of the server's
 * field errors under its own field, an error about a whole object under that object's first field,
 * and errors about fields the form does not show above the form, never lost.
 */
import { describe, expect, test } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus, { ElFormItem } from 'element-plus';
import { createPinia } from 'pinia';
import CommandForm from '../../web/src/components/CommandForm.vue';
import type { FieldSpec } from '../../web/src/components/command-form';

const fields: FieldSpec[] = [
  { name: 'period', label: '月份', kind: 'text', initial: '2027-01' },
  { name: 'mentor.name', label: '导师姓名', kind: 'text' },
  { name: 'mentor.post', label: '导师职务', kind: 'text' },
  { name: 'note', label: '备注', kind: 'textarea' },
];

function refusal(issues: Array<{ field: string; message: string }>) {
  return { error: { statusCode: 400, message: '请求参数无效', details: { issues } } };
}

function mountForm(post: (body: Record<string, unknown>) => Promise<{ data?: unknown; error?: unknown }>) {
  return mount(CommandForm, { props: { title: '登记', fields, submitLabel: '提交', test: 'probe', post }, global: { plugins: [ElementPlus, createPinia()] } });
}

/** The error Element Plus shows under a field's form item (its `error`, drawn with a transition). */
const errorUnder = (wrapper: ReturnType<typeof mountForm>, name: string) => {
  const item = wrapper.findAllComponents(ElFormItem).find((i) => i.find(`[data-test="field-${name}"]`).exists());
  if (!item) throw new Error(`no field ${name}`);
  return (item.props('error') as string | undefined) || null;
};

describe('the command form', () => {
  test('sends the shown fields nested by their dotted names, empty text left out', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const wrapper = mountForm(async (body) => {
      sent.push(body);
      return { data: { ok: true } };
    });
    await wrapper.find('[data-test="field-mentor.name"] input').setValue('王五');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(sent).toEqual([{ period: '2027-01', mentor: { name: '王五' } }]);
    expect(wrapper.emitted('done')).toHaveLength(1);
  });

  test('each field error under its field; a whole object’s under its first field; the others above the form', async () => {
    const wrapper = mountForm(async () =>
      refusal([
        { field: 'body.period', message: '必填 (required)' },
        { field: 'body.mentor', message: '须填写导师 (a mentor is needed)' },
        { field: 'body.secret', message: '不可修改' },
      ]),
    );
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(errorUnder(wrapper, 'period')).toBe('必填 (required)');
    expect(errorUnder(wrapper, 'mentor.name')).toBe('须填写导师 (a mentor is needed)');
    expect(errorUnder(wrapper, 'mentor.post')).toBeNull();
    expect(errorUnder(wrapper, 'note')).toBeNull();
    expect(wrapper.find('[data-test="command-message"]').text()).toContain('secret：不可修改');
    expect(wrapper.emitted('done')).toBeUndefined();
  });

  test('a refusal without field errors shows its message above the form', async () => {
    const wrapper = mountForm(async () => ({ error: { statusCode: 409, message: '该案件已结案 (the case is closed)' } }));
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-test="command-message"]').text()).toContain('该案件已结案');
    expect(errorUnder(wrapper, 'period')).toBeNull();
  });
});
