/**
 * The words each channel carries, from one OutgoingMessage: markdown for the robots, plain text for
 * e-mail, short template variables for SMS (the template holds the fixed wording).
 */
import { DIGEST_MAX_LINES } from '../domain/delivery.js';
import type { OutgoingMessage } from './types.js';

/** Items not listed: the merged ones beyond the message and the lines past DIGEST_MAX_LINES. */
function listed(message: OutgoingMessage): { lines: string[]; hidden: number } {
  const lines = message.lines.slice(0, DIGEST_MAX_LINES);
  return { lines, hidden: message.more + (message.lines.length - lines.length) };
}

const moreLine = (hidden: number) => `另有 ${hidden} 项`;

/** One line of markdown: a newline or a leading `#` in a case title must not restructure the message. */
function markdownLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/^[#>\-*+\s]+/, '');
}

/** `### title`, one `- ` line an item, then 另有 N 项. */
export function robotMarkdown(message: OutgoingMessage): string {
  const { lines, hidden } = listed(message);
  const out = [`### ${markdownLine(message.title)}`, ...lines.map((line) => `- ${markdownLine(line)}`)];
  if (hidden > 0) out.push(moreLine(hidden));
  return out.join('\n');
}

/** The e-mail body (the title is its subject). */
export function plainText(message: OutgoingMessage): string {
  const { lines, hidden } = listed(message);
  const out = [...lines];
  if (hidden > 0) out.push(moreLine(hidden));
  return out.join('\n');
}

/** At most `max` characters (code points, as providers count them), cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** At most `maxBytes` of UTF-8 (robots cap a message by bytes), cut on a character boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let bytes = Buffer.byteLength('…', 'utf8');
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > maxBytes) break;
    out += ch;
    bytes += size;
  }
  return `${out}…`;
}

/** Links in an SMS variable make a template fail review and the carriers drop such messages. */
const URL_PATTERN = /(https?:\/\/|www\.)\S*/gi;

/**
 * The SMS template's variables: the title (cut to the provider's cap for a variable) and how many
 * items the message carries. No URL, no line breaks: variables are short text.
 */
export function smsTemplateParams(message: OutgoingMessage, maxVariableLength: number): { title: string; count: string } {
  const title = message.title.replace(URL_PATTERN, '').replace(/\s+/g, ' ').trim();
  return { title: truncate(title || '待办事项', maxVariableLength), count: String(message.lines.length + message.more) };
}
