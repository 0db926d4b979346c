/**
 * Request-format errors reach a Chinese console: zod's English defaults become Chinese (English
 * kept in brackets), a missing field says 必填, and a schema's own message is left as written.
 */
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { localizedZodMessage } from '../../api/errors.js';

function messagesOf(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) throw new Error('expected the input to be refused');
  return result.error.issues.map(({ code, message, path: _path, ...params }) => localizedZodMessage(code, params, message));
}

describe('zod messages in the console’s language', () => {
  test('a missing field is 必填, whatever its type', () => {
    expect(messagesOf(z.object({ a: z.string(), b: z.number().int() }), {})).toEqual(['必填 (required)', '必填 (required)']);
  });

  test('a wrong type names what was expected and what came, in Chinese first', () => {
    expect(messagesOf(z.object({ n: z.number() }), { n: 'x' })).toEqual([
      expect.stringMatching(/^无效输入：期望 .+，实际接收 string \(Invalid input: expected number, received string\)$/),
    ]);
  });

  test('length and option errors get their zh-CN wording with the English kept', () => {
    const [short, option] = messagesOf(z.object({ s: z.string().min(2), e: z.enum(['x', 'y']) }), { s: 'a', e: 'q' });
    expect(short).toMatch(/^数值过小.*\(Too small: expected string to have >=2 characters\)$/);
    expect(option).toMatch(/^无效选项.*\(Invalid option: expected one of "x"\|"y"\)$/);
  });

  test('a schema’s own message is kept as written', () => {
    expect(messagesOf(z.object({ s: z.string().min(1, '不能为空 (must not be empty)') }), { s: '' })).toEqual(['不能为空 (must not be empty)']);
  });
});
