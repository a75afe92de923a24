import type { VFile } from 'vfile';
import type { Node, Point, Position } from 'unist';

export type Level = 'error' | 'warning' | 'info';
export type Place = Point | Position | Node | undefined | null;

function toPlace(place: Place): Point | Position | undefined {
  if (!place) return undefined;
  if ('type' in place) return place.position;
  return place;
}

/**
 * Records a message on a file the way unified plugins do (`fatal: true` is an
 * error, `false` a warning, unset an info), with Galley as the origin so the
 * reporter can print `rule-id` and configs can change the severity.
 */
export function report(file: VFile, level: Level, reason: string, place: Place, ruleId: string) {
  const message = file.message(reason, { place: toPlace(place), ruleId, source: 'galley' });
  message.fatal = level === 'error' ? true : level === 'warning' ? false : undefined;
  return message;
}

export function levelOf(fatal: boolean | null | undefined): Level {
  return fatal ? 'error' : fatal === false ? 'warning' : 'info';
}
