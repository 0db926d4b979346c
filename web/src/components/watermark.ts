import { formatDate } from './dates';
import type { Schemas } from '../api/client';

/**
 * The watermark's lines for the signed-in user: their name, the office they speak for (named by
 * the server from their jurisdiction: 某某镇党委, 某某县委组织部) and today's date, so a screenshot
 * names who took it.
 */
export function watermarkLines(user: Pick<Schemas['SignedIn']['user'], 'name' | 'officeName'>, today: Date = new Date()): string[] {
  return [user.name, user.officeName, formatDate(today)];
}
